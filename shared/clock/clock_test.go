package clock_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/clock"
)

func TestClockFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "clock")
	now := clock.New(file)
	tests := []struct {
		name   string
		setup  func() error
		offset time.Duration
	}{
		{"no file: no offset", func() error { return nil }, 0},
		{"offset set", func() error { return clock.SetOffset(file, 31*time.Minute) }, 31 * time.Minute},
		{"garbage: no offset", func() error { return os.WriteFile(file, []byte("soon"), 0o644) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.setup(); err != nil {
				t.Fatal(err)
			}
			got := time.Until(now())
			if d := got - tt.offset; d < -time.Second || d > time.Second {
				t.Errorf("clock is %v ahead, want %v", got, tt.offset)
			}
		})
	}
	if time.Until(clock.New("")()) > time.Second {
		t.Error("system clock is not the system clock")
	}
}
