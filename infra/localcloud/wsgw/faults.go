package wsgw

// SetDropDisconnect makes the gateway skip the $disconnect integration of
// connections that close from now on (or run it again, with false): API
// Gateway calls $disconnect best effort, and a function must cope with
// connections that vanish without it. The connection is gone all the same:
// @connections answers 410 for it.
func (g *Gateway) SetDropDisconnect(drop bool) { g.dropDisconnect.Store(drop) }

// DropsDisconnect reports whether $disconnect integrations are skipped.
func (g *Gateway) DropsDisconnect() bool { return g.dropDisconnect.Load() }

// DroppedDisconnects counts the $disconnect integrations skipped.
func (g *Gateway) DroppedDisconnects() int64 { return g.dropped.Load() }

// Silence makes connection id half-open: the socket stays open on both
// sides, but its frames reach no route and its pushes (answered 200) never
// arrive, as when a laptop sleeps or a network changes under an open
// connection that neither end has seen die. It reports whether id is
// connected.
func (g *Gateway) Silence(id string) bool {
	g.mu.Lock()
	c := g.conns[id]
	g.mu.Unlock()
	if c == nil {
		return false
	}
	c.silent.Store(true)
	return true
}
