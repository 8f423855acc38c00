package lambdaemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Errors an invocation can end with besides a *FunctionError.
var (
	// ErrCrashed: the function's process exited during init or while it
	// handled the invocation. The next invocation starts a fresh process.
	ErrCrashed = errors.New("function process crashed")
	// ErrTimeout: the invocation ran past the function's timeout; its
	// process was killed, as Lambda does.
	ErrTimeout = errors.New("function timed out")
	// ErrUnknownFunction: no function is registered under the name.
	ErrUnknownFunction = errors.New("unknown function")
	// ErrClosed: the Runtime has been closed.
	ErrClosed = errors.New("lambda runtime closed")
)

// FunctionError is an error the handler returned (or a panic it reported)
// through the Runtime API's invocation error route.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string {
	if e.Type == "" {
		return e.Message
	}
	return e.Type + ": " + e.Message
}

// initTimeout bounds how long a new process may take to ask for its first
// invocation; it is Lambda's limit for the init phase.
const initTimeout = 10 * time.Second

// Options configure a Runtime.
type Options struct {
	Logger *slog.Logger
	// MaxConcurrency is the number of processes per function, and so of its
	// concurrent invocations; more invocations wait their turn. Default 8.
	MaxConcurrency int
	// Output receives every line the functions write to stdout and stderr,
	// prefixed with "[FunctionName] ". Default: discarded.
	Output io.Writer
}

// FunctionStats counts what happened to one function.
type FunctionStats struct {
	Invocations int
	ColdStarts  int
	Errors      int // function errors, crashes and timeouts
	// InitDurations holds, per cold start, the time from starting the
	// process to its first request for an invocation.
	InitDurations []time.Duration
	// Billed is the summed time from handing each invocation to a process
	// to its answer, each rounded up to the millisecond as Lambda bills
	// duration (init is in InitDurations; Lambda bills it too).
	Billed time.Duration
	// Queued is the summed time invocations waited for a free process
	// (Options.MaxConcurrency): a local limit, where Lambda would start
	// more environments.
	Queued time.Duration
	// CPU is the CPU time (user + system) the function's processes used,
	// init included: those that exited (their rusage) and those running
	// (/proc, where there is one). Lambda bills wall time, not CPU; this
	// says how much of Billed the function's own code took on this
	// machine, the rest being waits (its AWS calls) and the machine's load.
	CPU time.Duration
}

// Runtime runs registered functions as processes.
type Runtime struct {
	log      *slog.Logger
	maxConc  int
	out      *syncWriter
	mu       sync.Mutex
	closed   bool
	fns      map[string]*function
	procs    map[*process]struct{} // live processes, for Close
	closing  chan struct{}
	children sync.WaitGroup
}

// New returns a Runtime without functions.
func New(opts Options) *Runtime {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 8
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	return &Runtime{
		log:     opts.Logger,
		maxConc: opts.MaxConcurrency,
		out:     &syncWriter{w: opts.Output},
		fns:     map[string]*function{},
		procs:   map[*process]struct{}{},
		closing: make(chan struct{}),
	}
}

// function is one registered function and its pool of processes.
type function struct {
	name     string
	bin      string
	env      map[string]string
	timeout  time.Duration
	memoryMB int
	slots    chan struct{} // one per invocation in flight, at most MaxConcurrency
	gen      int           // bumped by Register; older processes are retired

	mu    sync.Mutex
	idle  []*process
	stats FunctionStats

	crashNext int // invocations left to crash (faults.go)
}

// Register makes a function invocable by name. Registering a name again
// (after a rebuild, say) retires its processes: idle ones at once, busy ones
// when their invocation ends.
func (r *Runtime) Register(name, binPath string, env map[string]string, timeout time.Duration, memoryMB int) {
	envCopy := make(map[string]string, len(env))
	for k, v := range env {
		envCopy[k] = v
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.fns[name]; ok {
		old.mu.Lock()
		old.bin, old.env, old.timeout, old.memoryMB = binPath, envCopy, timeout, memoryMB
		old.gen++
		idle := old.idle
		old.idle = nil
		old.mu.Unlock()
		for _, p := range idle {
			p.kill()
		}
		return
	}
	r.fns[name] = &function{
		name:     name,
		bin:      binPath,
		env:      envCopy,
		timeout:  timeout,
		memoryMB: memoryMB,
		slots:    make(chan struct{}, r.maxConc),
	}
}

// Invoke runs one invocation of the named function with payload as its
// event and returns the function's response. A handler error comes back as
// a *FunctionError; see ErrCrashed, ErrTimeout, ErrUnknownFunction and
// ErrClosed for the rest.
func (r *Runtime) Invoke(ctx context.Context, name string, payload []byte) ([]byte, error) {
	r.mu.Lock()
	f, ok := r.fns[name]
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("invoke %s: %w", name, ErrClosed)
	}
	if !ok {
		return nil, fmt.Errorf("invoke %s: %w", name, ErrUnknownFunction)
	}

	arrived := time.Now()
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("invoke %s: waiting for a free process: %w", name, ctx.Err())
	case <-r.closing:
		return nil, fmt.Errorf("invoke %s: %w", name, ErrClosed)
	}
	queued := time.Since(arrived)
	f.count(func(s *FunctionStats) { s.Invocations++; s.Queued += queued })

	inv := newInvocation(payload, f.timeoutNow())
	var p *process
	var deadline time.Time
	for {
		var cold bool
		var err error
		p, cold, err = r.acquire(f)
		if err != nil {
			<-f.slots
			f.count(func(s *FunctionStats) { s.Errors++ })
			return nil, fmt.Errorf("invoke %s: %w", name, err)
		}
		deadline, err = p.handOff(ctx, inv)
		if err == nil {
			break
		}
		// A warm process may have exited after its last invocation (as
		// aws-lambda-go does after reporting a panic): try a fresh one.
		if errors.Is(err, errExitedIdle) && !cold {
			continue
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// The process never saw the invocation; it stays in the pool.
			r.release(f, p, nil)
			return nil, fmt.Errorf("invoke %s: %w", name, err)
		}
		p.kill()
		<-f.slots
		f.count(func(s *FunctionStats) { s.Errors++ })
		return nil, fmt.Errorf("invoke %s: %w", name, err)
	}

	handed := time.Now()
	bill := func() {
		billed := time.Since(handed)
		if r := billed % time.Millisecond; r != 0 {
			billed += time.Millisecond - r
		}
		f.count(func(s *FunctionStats) { s.Billed += billed })
	}
	if f.takeCrash() {
		// The process has taken the invocation: it dies mid-way. An answer
		// a fast handler may already have posted dies with it, as when the
		// host fails: the invocation always fails, whatever the timing.
		r.log.Info("killing a function process mid-invocation (fault injection)", "function", name)
		p.kill()
		err := p.crash("during the invocation")
		bill()
		r.release(f, p, err)
		return nil, fmt.Errorf("invoke %s: %w", name, err)
	}
	res, err := p.await(ctx, inv, deadline)
	bill()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The caller left, but the function runs on, as in Lambda; the
		// process returns to the pool (or dies) when it is done.
		go func() {
			_, err := p.await(context.Background(), inv, deadline)
			r.release(f, p, err)
		}()
		return nil, fmt.Errorf("invoke %s: %w", name, err)
	}
	r.release(f, p, err)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", name, err)
	}
	return res, nil
}

// acquire returns an idle process of f or starts a new one.
func (r *Runtime) acquire(f *function) (*process, bool, error) {
	f.mu.Lock()
	for len(f.idle) > 0 {
		p := f.idle[len(f.idle)-1]
		f.idle = f.idle[:len(f.idle)-1]
		if !p.dead() {
			f.mu.Unlock()
			return p, false, nil
		}
	}
	bin, env, memoryMB, gen := f.bin, f.env, f.memoryMB, f.gen
	f.stats.ColdStarts++
	f.mu.Unlock()

	p, err := startProcess(f.name, bin, env, memoryMB, r.out, r.log, func(d time.Duration) {
		f.count(func(s *FunctionStats) { s.InitDurations = append(s.InitDurations, d) })
	})
	if err != nil {
		return nil, false, err
	}
	p.gen = gen
	r.mu.Lock()
	closed := r.closed
	r.procs[p] = struct{}{}
	r.children.Add(1)
	r.mu.Unlock()
	go func() {
		<-p.exited
		cpu := p.exitedCPU()
		r.mu.Lock()
		delete(r.procs, p)
		// Counted under r.mu with the removal, so Stats never sees the
		// process both live and exited.
		f.count(func(s *FunctionStats) { s.CPU += cpu })
		r.mu.Unlock()
		r.children.Done()
	}()
	if closed {
		p.kill()
		return nil, false, ErrClosed
	}
	return p, true, nil
}

// release ends an invocation: a healthy process goes back to the pool, a
// failed one is killed, and the slot frees up.
func (r *Runtime) release(f *function, p *process, err error) {
	var fe *FunctionError
	switch {
	case err == nil:
	case errors.As(err, &fe):
		f.count(func(s *FunctionStats) { s.Errors++ })
	default:
		f.count(func(s *FunctionStats) { s.Errors++ })
		p.kill()
	}
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed || p.dead() {
		p.kill()
	} else if err == nil || fe != nil {
		f.mu.Lock()
		if p.gen == f.gen {
			f.idle = append(f.idle, p)
		} else {
			p.kill()
		}
		f.mu.Unlock()
	}
	<-f.slots
}

func (f *function) timeoutNow() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.timeout <= 0 {
		return 3 * time.Second
	}
	return f.timeout
}

func (f *function) count(update func(*FunctionStats)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	update(&f.stats)
}

// Stats returns a snapshot of every registered function's counters.
func (r *Runtime) Stats() map[string]FunctionStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]FunctionStats, len(r.fns))
	for name, f := range r.fns {
		f.mu.Lock()
		s := f.stats
		s.InitDurations = append([]time.Duration(nil), f.stats.InitDurations...)
		f.mu.Unlock()
		out[name] = s
	}
	for p := range r.procs {
		s := out[p.fn]
		s.CPU += p.liveCPU()
		out[p.fn] = s
	}
	return out
}

// Close kills every function process (with its process group) and waits
// for them to exit. Invocations in flight fail with ErrCrashed.
func (r *Runtime) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.closing)
	fns := make([]*function, 0, len(r.fns))
	for _, f := range r.fns {
		fns = append(fns, f)
	}
	procs := make([]*process, 0, len(r.procs))
	for p := range r.procs {
		procs = append(procs, p)
	}
	r.mu.Unlock()

	for _, p := range procs {
		p.kill()
	}
	for _, f := range fns {
		f.mu.Lock()
		f.idle = nil
		f.mu.Unlock()
	}
	r.children.Wait()
	return nil
}

// has reports whether a function is registered under name.
func (r *Runtime) has(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.fns[name]
	return ok
}
