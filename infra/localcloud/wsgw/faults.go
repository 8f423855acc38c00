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
