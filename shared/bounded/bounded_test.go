package bounded

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps its failure instead of stopping.
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failure = format }

// TestCheckTellsLinearFromQuadratic: on an input of Size, a linear scan
// passes the check and a quadratic one (the shape of a backtracking
// pattern on a run of one character) is caught long before it ends.
func TestCheckTellsLinearFromQuadratic(t *testing.T) {
	in := Repeat("_", Size) + "x"
	var stop atomic.Bool
	t.Cleanup(func() { stop.Store(true) })
	linear := func() {
		n := 0
		for i := range len(in) {
			if in[i] == '_' {
				n++
			}
		}
	}
	quadratic := func() {
		// For each start, scan the run to its end and fail: n²/2 steps.
		for i := 0; i < len(in) && !stop.Load(); i++ {
			for j := i; j < len(in) && in[j] == '_'; j++ {
			}
		}
	}
	tests := []struct {
		name     string
		f        func()
		wantFail bool
	}{
		{"linear", linear, false},
		{"quadratic", quadratic, true},
		{"panics", func() { panic("boom") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			check(r, 2*time.Second, tt.name, tt.f)
			if (r.failure != "") != tt.wantFail {
				t.Errorf("check failed with %q, want failure %v", r.failure, tt.wantFail)
			}
		})
	}
}

func TestHostileInputsAreLarge(t *testing.T) {
	for _, in := range Hostile(Size) {
		if len(in.Text) < Size/2 || !strings.Contains(in.Describe("p"), in.Name) {
			t.Errorf("%s: %d bytes, want about %d", in.Name, len(in.Text), Size)
		}
	}
}
