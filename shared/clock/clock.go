// Package clock gives the functions their time. In AWS it is the system
// clock. The local cloud can hand its functions a test clock: it sets
// PARLEY_CLOCK_FILE to a file holding an offset (a Go duration such as
// "31m0s") that tests move forward, so inactivity timers fire without
// anybody waiting half an hour.
package clock

import (
	"os"
	"strings"
	"time"
)

// New returns the system clock when file is "", and otherwise the system
// clock moved forward by the offset the file holds at each call. A missing
// or unreadable file means no offset.
func New(file string) func() time.Time {
	if file == "" {
		return time.Now
	}
	return func() time.Time {
		return time.Now().Add(Offset(file))
	}
}

// Offset reads the offset a clock file holds; 0 when there is none.
func Offset(file string) time.Duration {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	d, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return d
}

// SetOffset writes an offset to a clock file, atomically, so a function
// reading it at the same moment sees the old or the new value.
func SetOffset(file string, d time.Duration) error {
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(d.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}
