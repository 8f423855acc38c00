package lambdaemu

import "fmt"

// CrashNext makes the next n invocations of the named function crash: the
// process that takes each one is killed while it handles it, as when a
// function runs out of memory or the host fails. The invocation fails with
// ErrCrashed and the next one starts a fresh process. n <= 0 clears it.
func (r *Runtime) CrashNext(name string, n int) error {
	r.mu.Lock()
	f, ok := r.fns[name]
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("crash %s: %w", name, ErrUnknownFunction)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.crashNext = max(n, 0)
	return nil
}

// takeCrash reports whether this invocation must crash, and counts it.
func (f *function) takeCrash() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.crashNext <= 0 {
		return false
	}
	f.crashNext--
	return true
}
