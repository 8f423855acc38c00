package lambdaemu

import (
	"testing"
	"time"
)

// Retire makes the next invocation a cold start in a new process; the
// billed time covers the invocations' run, here at least their sleeps.
func TestRetireStartsColdAndBillsDuration(t *testing.T) {
	r := newRuntime(t, 1, nil)
	r.Register("fn", fnBin, nil, 5*time.Second, 128)
	req := request{Action: "sleep", SleepMS: 20}
	var pids []int
	for range 2 {
		resp, err := invoke(t, t.Context(), r, "fn", req)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, resp.PID)
		r.Retire("fn")
	}
	if pids[0] == pids[1] {
		t.Errorf("both invocations ran in process %d; Retire should have stopped the first", pids[0])
	}
	st := r.Stats()["fn"]
	if st.ColdStarts != 2 || len(st.InitDurations) != 2 {
		t.Errorf("cold starts = %d with %d init durations, want 2 and 2", st.ColdStarts, len(st.InitDurations))
	}
	if st.Billed < 40*time.Millisecond || st.Billed > 5*time.Second {
		t.Errorf("billed = %v, want at least the two 20 ms sleeps", st.Billed)
	}
	r.Retire("no-such-function") // nothing to do, no panic
	waitGone(t, pids[0])
}
