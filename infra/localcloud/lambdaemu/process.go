package lambdaemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

const apiPrefix = "/2018-06-01/runtime"

// ProfileLabel is the pprof label key that names the part of the local
// cloud a CPU sample belongs to; the Runtime API servers are
// "lambda runtime api".
const ProfileLabel = "component"

// tailLines is how much of a process's output a crash error quotes.
const tailLines = 15

// errExitedIdle: the process exited before it took the invocation.
var errExitedIdle = errors.New("process exited before taking the invocation")

// invocation is one event on its way through a process.
type invocation struct {
	id      string
	payload []byte
	timeout time.Duration
	result  chan invocationResult // buffered: the first answer wins
}

type invocationResult struct {
	body []byte
	err  error
}

func newInvocation(payload []byte, timeout time.Duration) *invocation {
	return &invocation{id: uuid.NewString(), payload: payload, timeout: timeout, result: make(chan invocationResult, 1)}
}

// process is one running function binary and its Runtime API endpoint.
type process struct {
	fn      string
	gen     int // the function's registration this process runs
	arn     string
	cmd     *exec.Cmd
	srv     *http.Server
	out     *lineWriter
	log     *slog.Logger
	next    chan *invocation
	exited  chan struct{}
	exitErr error

	mu        sync.Mutex
	current   *invocation
	initError *FunctionError
	polled    bool
	killOnce  sync.Once
}

// startProcess starts bin with its own Runtime API server on a loopback
// port. onFirstPoll receives the time from start to the first /next.
func startProcess(name, bin string, env map[string]string, memoryMB int, out *syncWriter, log *slog.Logger, onFirstPoll func(time.Duration)) (*process, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %w", err)
	}
	region := env["AWS_REGION"]
	if region == "" {
		region = "us-east-1"
	}
	p := &process{
		fn:     name,
		arn:    fmt.Sprintf("arn:aws:lambda:%s:000000000000:function:%s", region, name),
		out:    &lineWriter{prefix: "[" + name + "] ", w: out},
		log:    log.With("function", name),
		next:   make(chan *invocation),
		exited: make(chan struct{}),
	}
	started := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		first := !p.polled
		p.polled = true
		p.mu.Unlock()
		if first {
			onFirstPoll(time.Since(started))
		}
		p.serveNext(w, r)
	})
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", p.serveResponse)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", p.serveError)
	mux.HandleFunc("POST "+apiPrefix+"/init/error", p.serveInitError)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go pprof.Do(context.Background(), pprof.Labels(ProfileLabel, "lambda runtime api"), func(context.Context) {
		p.srv.Serve(ln) //nolint:errcheck // returns when the process exits and the server closes
	})

	cmd := exec.Command(bin)
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = processEnv(name, bin, ln.Addr().String(), env, memoryMB)
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	// Its own process group, so a kill also reaches anything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		p.srv.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p.cmd = cmd
	p.log.Debug("function process started", "pid", cmd.Process.Pid, "runtimeApi", ln.Addr().String())
	go func() {
		err := cmd.Wait()
		p.out.flush()
		p.mu.Lock()
		p.exitErr = err
		p.mu.Unlock()
		close(p.exited)
		p.srv.Close()
		p.log.Debug("function process exited", "status", exitStatus(err))
	}()
	return p, nil
}

// processEnv is the environment Lambda gives a function: its configured
// variables plus the runtime's own, and from the parent only what a
// process needs to run at all.
func processEnv(name, bin, api string, env map[string]string, memoryMB int) []string {
	vars := map[string]string{}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		// Reading the parent's environment is the point here: these are
		// the only variables a function inherits from the host.
		if v, ok := os.LookupEnv(k); ok {
			vars[k] = v
		}
	}
	for k, v := range env {
		vars[k] = v
	}
	if region, ok := env["AWS_REGION"]; ok {
		vars["AWS_DEFAULT_REGION"] = region
	} else if region, ok := env["AWS_DEFAULT_REGION"]; ok {
		vars["AWS_REGION"] = region
	}
	vars["AWS_LAMBDA_RUNTIME_API"] = api
	vars["AWS_LAMBDA_FUNCTION_NAME"] = name
	vars["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
	vars["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = strconv.Itoa(memoryMB)
	vars["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
	if _, set := env["AWS_LAMBDA_LOG_GROUP_NAME"]; !set {
		// Lambda's default; a function's LoggingConfig names another.
		vars["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + name
	}
	vars["AWS_LAMBDA_LOG_STREAM_NAME"] = time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16)
	vars["_HANDLER"] = filepath.Base(bin)
	vars["LAMBDA_TASK_ROOT"] = filepath.Dir(bin)
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

// handOff gives inv to the process's next /next poll and returns the
// invocation's deadline. A process that has not polled yet is still in
// init, which may take up to initTimeout.
func (p *process) handOff(ctx context.Context, inv *invocation) (time.Time, error) {
	limit := time.NewTimer(initTimeout)
	defer limit.Stop()
	select {
	case p.next <- inv:
		// serveNext computes the same deadline for the function's header.
		return time.Now().Add(inv.timeout), nil
	case <-p.exited:
		p.mu.Lock()
		polled := p.polled
		p.mu.Unlock()
		if polled {
			return time.Time{}, errExitedIdle
		}
		return time.Time{}, p.crash("during init")
	case <-limit.C:
		return time.Time{}, fmt.Errorf("%w: %s did not ask for an invocation within %v of starting", ErrTimeout, p.fn, initTimeout)
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}

// await waits for inv's result; past the deadline it kills the process.
func (p *process) await(ctx context.Context, inv *invocation, deadline time.Time) ([]byte, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case res := <-inv.result:
		// Keep the result readable for a later await (after a caller left).
		inv.result <- res
		return res.body, res.err
	case <-p.exited:
		// The process may have answered just before it exited.
		select {
		case res := <-inv.result:
			inv.result <- res
			return res.body, res.err
		default:
		}
		return nil, p.crash("during the invocation")
	case <-timer.C:
		p.kill()
		return nil, fmt.Errorf("%w: %s after %v", ErrTimeout, p.fn, inv.timeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *process) serveNext(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-p.next:
		p.mu.Lock()
		p.current = inv
		p.mu.Unlock()
		deadline := time.Now().Add(inv.timeout)
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", p.arn)
		h.Set("Lambda-Runtime-Trace-Id", traceID())
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload) //nolint:errcheck // a failed write means the process is gone; Wait reports it
	case <-r.Context().Done():
	case <-p.exited:
	}
}

func (p *process) take(id string) (*invocation, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.current == nil || p.current.id != id {
		return nil, false
	}
	inv := p.current
	p.current = nil
	return inv, true
}

func (p *process) serveResponse(w http.ResponseWriter, r *http.Request) {
	inv, ok := p.take(r.PathValue("id"))
	if !ok {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation in progress with this request id")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		inv.result <- invocationResult{err: fmt.Errorf("%w: %s: reading its response: %v", ErrCrashed, p.fn, err)}
		return
	}
	inv.result <- invocationResult{body: body}
	w.WriteHeader(http.StatusAccepted)
}

func (p *process) serveError(w http.ResponseWriter, r *http.Request) {
	inv, ok := p.take(r.PathValue("id"))
	if !ok {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation in progress with this request id")
		return
	}
	inv.result <- invocationResult{err: readFunctionError(r)}
	w.WriteHeader(http.StatusAccepted)
}

func (p *process) serveInitError(w http.ResponseWriter, r *http.Request) {
	fe := readFunctionError(r)
	p.mu.Lock()
	p.initError = fe
	p.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func readFunctionError(r *http.Request) *FunctionError {
	fe := &FunctionError{}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if json.Unmarshal(body, fe) != nil || (fe.Type == "" && fe.Message == "") {
		fe.Message = strings.TrimSpace(string(body))
	}
	if fe.Type == "" {
		fe.Type = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	}
	if fe.Type == "" {
		fe.Type = "Unhandled"
	}
	return fe
}

func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(FunctionError{Type: typ, Message: msg}) //nolint:errcheck // best effort to a misbehaving client
}

// crash builds the ErrCrashed error for an exited process.
func (p *process) crash(when string) error {
	<-p.exited
	p.mu.Lock()
	status := exitStatus(p.exitErr)
	initErr := p.initError
	p.mu.Unlock()
	msg := fmt.Sprintf("%s exited %s (%s)", p.fn, when, status)
	if initErr != nil {
		msg += "; init error: " + initErr.Error()
	}
	if tail := p.out.tail(); len(tail) > 0 {
		msg += "; last output:\n" + strings.Join(tail, "\n")
	}
	return fmt.Errorf("%w: %s", ErrCrashed, msg)
}

func exitStatus(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &ee):
		return ee.ProcessState.String()
	}
	return err.Error()
}

func (p *process) dead() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill ends the process and everything in its process group.
func (p *process) kill() {
	p.killOnce.Do(func() {
		if p.cmd != nil && p.cmd.Process != nil {
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // already gone is fine
		}
	})
}

func traceID() string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(12), randomHex(8))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read does not fail
	return hex.EncodeToString(b)
}

// syncWriter serialises lines from all processes onto one writer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) writeLine(line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Write(line) //nolint:errcheck // log output is best effort
}

// lineWriter prefixes each line a process writes and remembers the last
// few for crash reports.
type lineWriter struct {
	prefix string
	w      *syncWriter

	mu      sync.Mutex
	partial []byte
	last    []string
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.emit(l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	return len(b), nil
}

func (l *lineWriter) emit(line []byte) {
	l.w.writeLine([]byte(l.prefix + string(line) + "\n"))
	l.last = append(l.last, string(line))
	if len(l.last) > tailLines {
		l.last = l.last[len(l.last)-tailLines:]
	}
}

func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.emit(l.partial)
		l.partial = nil
	}
}

func (l *lineWriter) tail() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.last...)
}
