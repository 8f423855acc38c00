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
