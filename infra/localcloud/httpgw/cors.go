package httpgw

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// CORS follows "Configuring CORS for an HTTP API" (http-api-cors.html): with a
// CorsConfiguration, "API Gateway automatically responds to preflight OPTIONS
// requests, even if there isn't an OPTIONS route configured", and adds the
// configured headers to the function's responses.

// preflight answers a CORS preflight itself and reports whether it did.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request) bool {
	c := g.api.CORS
	if c == nil || r.Method != http.MethodOptions ||
		r.Header.Get("Origin") == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h := w.Header()
	if origin := g.allowedOrigin(r.Header.Get("Origin")); origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		if len(c.AllowMethods) > 0 {
			h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		}
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
		if origin != "*" {
			h.Add("Vary", "Origin")
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// corsHeaders adds Access-Control-Allow-Origin to a non-preflight answer
// when the request carries an allowed Origin.
func (g *Gateway) corsHeaders(h http.Header, r *http.Request) {
	if g.api.CORS == nil || r.Header.Get("Origin") == "" {
		return
	}
	if origin := g.allowedOrigin(r.Header.Get("Origin")); origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		if origin != "*" {
			h.Add("Vary", "Origin")
		}
	}
}

// allowedOrigin returns the value of Access-Control-Allow-Origin for origin,
// or "" when the configuration does not allow it.
func (g *Gateway) allowedOrigin(origin string) string {
	allow := g.api.CORS.AllowOrigins
	if slices.Contains(allow, "*") {
		return "*"
	}
	if slices.ContainsFunc(allow, func(o string) bool { return strings.EqualFold(o, origin) }) {
		return origin
	}
	return ""
}
