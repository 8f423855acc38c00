package lambdaemu

// Retire stops the idle processes of the named function, so that its next
// invocation starts a fresh process (a cold start), as Lambda does when it
// reclaims idle execution environments. Busy processes finish their
// invocation and stay.
func (r *Runtime) Retire(name string) {
	r.mu.Lock()
	f, ok := r.fns[name]
	r.mu.Unlock()
	if !ok {
		return
	}
	f.mu.Lock()
	idle := f.idle
	f.idle = nil
	f.mu.Unlock()
	for _, p := range idle {
		p.kill()
	}
}
