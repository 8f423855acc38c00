package lambdaemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fnBin is testdata/fn built once for the whole test run.
var fnBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "lambdaemu-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	fnBin, err = Build(context.Background(), root, "infra/localcloud/lambdaemu/testdata/fn", filepath.Join(dir, "fn"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

type request struct {
	Action  string   `json:"action"`
	Message string   `json:"message,omitempty"`
	SleepMS int      `json:"sleepMs,omitempty"`
	Env     []string `json:"env,omitempty"`
}

type response struct {
	Echo        *request          `json:"echo,omitempty"`
	PID         int               `json:"pid"`
	ChildPID    int               `json:"childPid,omitempty"`
	Env         map[string]string `json:"env,omitempty"`
	FunctionARN string            `json:"functionArn,omitempty"`
	RequestID   string            `json:"requestId,omitempty"`
	DeadlineMS  int64             `json:"deadlineInMs,omitempty"`
}

// syncBuffer collects function output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRuntime(t *testing.T, maxConc int, out *syncBuffer) *Runtime {
	t.Helper()
	opts := Options{MaxConcurrency: maxConc}
	if out != nil {
		opts.Output = out
	}
	r := New(opts)
	t.Cleanup(func() { r.Close() })
	return r
}

func invoke(t *testing.T, ctx context.Context, r *Runtime, name string, req request) (response, error) {
	t.Helper()
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Invoke(ctx, name, payload)
	if err != nil {
		return response{}, err
	}
	var resp response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %q: %v", out, err)
	}
	return resp, nil
}

func TestBuildReportsCompilerErrors(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(t.Context(), root, "infra/localcloud/lambdaemu/testdata/broken", t.TempDir())
	if err == nil {
		t.Fatal("Build of a broken package succeeded")
	}
	for _, want := range []string{"build infra/localcloud/lambdaemu/testdata/broken", "undefined: undefinedFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Build error %q does not contain %q", err, want)
		}
	}
}

func TestInvokeOutcomes(t *testing.T) {
	r := newRuntime(t, 2, nil)
	r.Register("fn", fnBin, nil, 5*time.Second, 128)
	tests := []struct {
		name    string
		req     request
		want    *request
		wantErr *FunctionError
	}{
		{name: "echo", req: request{Action: "echo", Message: "hello"}, want: &request{Action: "echo", Message: "hello"}},
		{name: "handler error", req: request{Action: "error", Message: "boom"}, wantErr: &FunctionError{Type: "errorString", Message: "boom"}},
		{name: "unknown action", req: request{Action: "dance"}, wantErr: &FunctionError{Type: "errorString", Message: `unknown action "dance"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := invoke(t, t.Context(), r, "fn", tt.req)
			if tt.wantErr != nil {
				var fe *FunctionError
				if !errors.As(err, &fe) {
					t.Fatalf("error = %v, want a *FunctionError", err)
				}
				if diff := cmp.Diff(tt.wantErr, fe); diff != "" {
					t.Errorf("function error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, resp.Echo); diff != "" {
				t.Errorf("echo (-want +got):\n%s", diff)
			}
		})
	}
	st := r.Stats()["fn"]
	if st.Invocations != 3 || st.Errors != 2 || st.ColdStarts != 1 || len(st.InitDurations) != 1 || st.InitDurations[0] <= 0 {
		t.Errorf("stats = %+v, want 3 invocations, 2 errors, 1 cold start with its init duration", st)
	}
}

func TestInvokeUnknownFunction(t *testing.T) {
	r := newRuntime(t, 1, nil)
	if _, err := r.Invoke(t.Context(), "nope", []byte("{}")); !errors.Is(err, ErrUnknownFunction) {
		t.Fatalf("error = %v, want ErrUnknownFunction", err)
	}
}

func TestCrashThenNextInvocationWorks(t *testing.T) {
	tests := []struct {
		name      string
		req       request
		wantCrash []string // the crash error must mention these
		wantFnErr string   // or the function error type, for panics
	}{
		{
			name:      "os.Exit",
			req:       request{Action: "exit", Message: "bye"},
			wantCrash: []string{"fn-exit", "exit status 3", "exiting now: bye"},
		},
		{
			name:      "panic",
			req:       request{Action: "panic", Message: "kaboom"},
			wantFnErr: "kaboom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &syncBuffer{}
			r := newRuntime(t, 1, out)
			name := "fn-" + strings.ReplaceAll(strings.ToLower(tt.name), "os.", "")
			r.Register(name, fnBin, nil, 5*time.Second, 128)
			first, err := invoke(t, t.Context(), r, name, request{Action: "echo"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = invoke(t, t.Context(), r, name, tt.req)
			if tt.wantCrash != nil {
				if !errors.Is(err, ErrCrashed) {
					t.Fatalf("error = %v, want ErrCrashed", err)
				}
				for _, want := range tt.wantCrash {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("crash error %q does not mention %q", err, want)
					}
				}
				if !strings.Contains(out.String(), "["+name+"] exiting now: bye\n") {
					t.Errorf("output %q lacks the prefixed line", out.String())
				}
			} else {
				var fe *FunctionError
				if !errors.As(err, &fe) || fe.Message != tt.wantFnErr {
					t.Fatalf("error = %v, want a function error %q", err, tt.wantFnErr)
				}
			}
			next, err := invoke(t, t.Context(), r, name, request{Action: "echo"})
			if err != nil {
				t.Fatalf("invocation after the crash: %v", err)
			}
			if next.PID == first.PID {
				t.Errorf("invocation after the crash ran in the dead process %d", first.PID)
			}
			if st := r.Stats()[name]; st.ColdStarts != 2 {
				t.Errorf("cold starts = %d, want 2", st.ColdStarts)
			}
		})
	}
}

func TestInitCrash(t *testing.T) {
	out := &syncBuffer{}
	r := newRuntime(t, 1, out)
	r.Register("bad-init", fnBin, map[string]string{"FN_FAIL_INIT": "missing TABLE_NAME"}, time.Second, 128)
	_, err := invoke(t, t.Context(), r, "bad-init", request{Action: "echo"})
	if !errors.Is(err, ErrCrashed) {
		t.Fatalf("error = %v, want ErrCrashed", err)
	}
	for _, want := range []string{"bad-init exited during init", "exit status 2", "Runtime.InitError: missing TABLE_NAME", "init failed: missing TABLE_NAME"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("crash error %q does not mention %q", err, want)
		}
	}
}

func TestTimeoutKillsProcess(t *testing.T) {
	r := newRuntime(t, 1, nil)
	r.Register("slow", fnBin, nil, 300*time.Millisecond, 128)
	first, err := invoke(t, t.Context(), r, "slow", request{Action: "echo"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = invoke(t, t.Context(), r, "slow", request{Action: "sleep", SleepMS: 10_000})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error = %v, want ErrTimeout", err)
	}
	waitGone(t, first.PID)
	next, err := invoke(t, t.Context(), r, "slow", request{Action: "echo"})
	if err != nil {
		t.Fatalf("invocation after the timeout: %v", err)
	}
	if next.PID == first.PID {
		t.Error("the timed-out process was reused")
	}
}

func TestContextCancelReturnsPromptly(t *testing.T) {
	r := newRuntime(t, 2, nil)
	r.Register("fn", fnBin, nil, 5*time.Second, 128)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := invoke(t, ctx, r, "fn", request{Action: "sleep", SleepMS: 3000})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Invoke did not return after its context ended")
	}
	if _, err := invoke(t, t.Context(), r, "fn", request{Action: "echo"}); err != nil {
		t.Fatalf("invocation after a cancelled one: %v", err)
	}
}

func TestConcurrency(t *testing.T) {
	tests := []struct {
		name     string
		maxConc  int
		parallel int
		wantPIDs int
	}{
		{name: "one process per parallel invocation", maxConc: 4, parallel: 4, wantPIDs: 4},
		{name: "queued beyond MaxConcurrency", maxConc: 2, parallel: 5, wantPIDs: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRuntime(t, tt.maxConc, nil)
			r.Register("fn", fnBin, nil, 10*time.Second, 128)
			var wg sync.WaitGroup
			pids := make(chan int, tt.parallel)
			errs := make(chan error, tt.parallel)
			for range tt.parallel {
				wg.Go(func() {
					resp, err := invoke(t, t.Context(), r, "fn", request{Action: "sleep", SleepMS: 400})
					if err != nil {
						errs <- err
						return
					}
					pids <- resp.PID
				})
			}
			wg.Wait()
			close(pids)
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			distinct := map[int]bool{}
			for pid := range pids {
				distinct[pid] = true
			}
			if len(distinct) != tt.wantPIDs {
				t.Errorf("ran on %d processes, want %d", len(distinct), tt.wantPIDs)
			}
			st := r.Stats()["fn"]
			if st.ColdStarts != tt.wantPIDs || st.Invocations != tt.parallel {
				t.Errorf("stats = %+v, want %d cold starts and %d invocations", st, tt.wantPIDs, tt.parallel)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("LAMBDAEMU_TEST_PARENT_ONLY", "leak")
	r := newRuntime(t, 1, nil)
	r.Register("env-fn", fnBin, map[string]string{"TABLE_NAME": "chat", "AWS_REGION": "eu-west-1"}, 7*time.Second, 512)
	names := []string{
		"TABLE_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_FORMAT", "_HANDLER", "LAMBDA_TASK_ROOT",
		"LAMBDAEMU_TEST_PARENT_ONLY",
	}
	resp, err := invoke(t, t.Context(), r, "env-fn", request{Action: "env", Env: append(names, "AWS_LAMBDA_RUNTIME_API")})
	if err != nil {
		t.Fatal(err)
	}
	api := resp.Env["AWS_LAMBDA_RUNTIME_API"]
	if !strings.HasPrefix(api, "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want a loopback address", api)
	}
	delete(resp.Env, "AWS_LAMBDA_RUNTIME_API")
	want := map[string]string{
		"TABLE_NAME":                      "chat",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"AWS_LAMBDA_FUNCTION_NAME":        "env-fn",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                filepath.Dir(fnBin),
	}
	if diff := cmp.Diff(want, resp.Env); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
	if resp.FunctionARN != "arn:aws:lambda:eu-west-1:000000000000:function:env-fn" {
		t.Errorf("invoked function ARN = %q", resp.FunctionARN)
	}
	if resp.RequestID == "" {
		t.Error("no request id")
	}
	if resp.DeadlineMS <= 5000 || resp.DeadlineMS > 7000 {
		t.Errorf("time left = %dms, want just under the 7s timeout", resp.DeadlineMS)
	}
}

func TestCloseKillsChildren(t *testing.T) {
	r := New(Options{MaxConcurrency: 2})
	r.Register("fn", fnBin, nil, 5*time.Second, 128)
	resp, err := invoke(t, t.Context(), r, "fn", request{Action: "spawn"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ChildPID == 0 {
		t.Fatal("function started no child")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	waitGone(t, resp.PID)
	waitGone(t, resp.ChildPID)
	if _, err := r.Invoke(t.Context(), "fn", []byte(`{"action":"echo"}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("Invoke after Close: error = %v, want ErrClosed", err)
	}
}

// waitGone waits until pid no longer runs (a zombie awaiting its reaper
// counts as gone).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if _, rest, ok := strings.Cut(string(stat), ") "); ok && strings.HasPrefix(rest, "Z") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("process %d still runs", pid)
}

func TestRegisterAgainRetiresProcesses(t *testing.T) {
	r := newRuntime(t, 1, nil)
	r.Register("fn", fnBin, map[string]string{"STAGE": "one"}, 5*time.Second, 128)
	req := request{Action: "env", Env: []string{"STAGE"}}
	first, err := invoke(t, t.Context(), r, "fn", req)
	if err != nil {
		t.Fatal(err)
	}
	r.Register("fn", fnBin, map[string]string{"STAGE": "two"}, 5*time.Second, 128)
	second, err := invoke(t, t.Context(), r, "fn", req)
	if err != nil {
		t.Fatal(err)
	}
	if first.Env["STAGE"] != "one" || second.Env["STAGE"] != "two" || first.PID == second.PID {
		t.Errorf("before: %s in %d, after: %s in %d; want the new settings in a new process",
			first.Env["STAGE"], first.PID, second.Env["STAGE"], second.PID)
	}
	waitGone(t, first.PID)
}
