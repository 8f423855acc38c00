package agentapi

// AdminRoutes lists the routes whose rule is admins, for the table test
// that every one of them refuses agents.
func AdminRoutes(h *Handler) []string {
	var out []string
	for key, r := range h.routes {
		if r.rule == admins {
			out = append(out, key)
		}
	}
	return out
}

// PrefetchedRoutes lists the routes whose conversation is read while the
// access check runs.
func PrefetchedRoutes() []string {
	var out []string
	for key := range prefetched {
		out = append(out, key)
	}
	return out
}
