package lambdaemu

import (
	"errors"
	"testing"
	"time"
)

// TestCrashNext: an injected crash kills the process mid-invocation (even
// one that would answer at once), the invocation fails as a crash, and the
// next one runs in a fresh process.
func TestCrashNext(t *testing.T) {
	r := newRuntime(t, 1, &syncBuffer{})
	const name = "fn-crashnext"
	r.Register(name, fnBin, nil, 5*time.Second, 128)
	first, err := invoke(t, t.Context(), r, name, request{Action: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CrashNext(name, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := invoke(t, t.Context(), r, name, request{Action: "sleep", SleepMS: 200}); !errors.Is(err, ErrCrashed) {
		t.Fatalf("invocation under CrashNext: err = %v, want ErrCrashed", err)
	}
	next, err := invoke(t, t.Context(), r, name, request{Action: "echo"})
	if err != nil {
		t.Fatalf("invocation after the crash: %v", err)
	}
	if next.PID == first.PID {
		t.Errorf("invocation after the crash ran in the killed process %d", first.PID)
	}
	if st := r.Stats()[name]; st.ColdStarts != 2 || st.Errors != 1 {
		t.Errorf("stats = %+v, want 2 cold starts and 1 error", st)
	}
	if err := r.CrashNext("no-such-function", 1); !errors.Is(err, ErrUnknownFunction) {
		t.Errorf("CrashNext of an unknown function: err = %v, want ErrUnknownFunction", err)
	}
}
