package lambdaemu

import (
	"os"
	"testing"
	"time"
)

// A function's CPU time counts while its process runs and stays counted,
// once, after the process exits.
func TestFunctionCPUCountsRunningAndExitedProcesses(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: the CPU of running processes is not read here")
	}
	r := newRuntime(t, 1, nil)
	r.Register("fn", fnBin, nil, 30*time.Second, 128)
	const spin = 300 * time.Millisecond
	if _, err := invoke(t, t.Context(), r, "fn", request{Action: "spin", SleepMS: int(spin / time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	running := r.Stats()["fn"].CPU
	r.Close() // waits for the process to exit
	exited := r.Stats()["fn"].CPU
	for _, tt := range []struct {
		when string
		cpu  time.Duration
	}{{"while the process runs", running}, {"after it exited", exited}} {
		// At least what the handler burnt (/proc counts in clock ticks,
		// its user and system split rounded each); far from twice that,
		// which would count the process both running and exited.
		if low := spin - 2*clockTick; tt.cpu < low || tt.cpu >= 2*spin {
			t.Errorf("CPU %s = %v, want at least %v and under %v", tt.when, tt.cpu, low, 2*spin)
		}
	}
}

func TestStatCPU(t *testing.T) {
	for _, tt := range []struct {
		name string
		stat string
		want time.Duration
	}{
		{"plain", "4242 (fn) S 1 4242 4242 0 -1 4194560 1000 0 0 0 37 5 0 0 20 0 9 0 123 1000000 500 18446744073709551615", 420 * time.Millisecond},
		{"name with spaces and parentheses", "4242 (my (odd) fn) R 1 4242 4242 0 -1 4194560 1000 0 0 0 1 2 0 0 20 0 9 0 123", 30 * time.Millisecond},
		{"cut short", "4242 (fn) S 1 4242", 0},
		{"no name", "garbage", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := statCPU([]byte(tt.stat)); got != tt.want {
				t.Errorf("statCPU = %v, want %v", got, tt.want)
			}
		})
	}
}
