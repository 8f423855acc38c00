package s3emu

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// CORS, as S3 evaluates a bucket's CorsConfiguration: the first rule whose
// origins, methods and (for a preflight) headers all allow the request
// answers it. A bucket without rules answers no browser on another origin.

// S3's words (typos included) for a preflight no rule allows.
const corsRefused = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, " +
	"request method / Access-Control-Request-Method or Access-Control-Request-Headerss are not whitelisted by the resource's CORS spec."

// preflight answers an OPTIONS request.
func preflight(w http.ResponseWriter, r *http.Request, rules []template.CORSRule, onBucket bool) {
	origin := r.Header.Get("Origin")
	method := r.Header.Get("Access-Control-Request-Method")
	if origin == "" {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Insufficient information. Origin request header needed.")
		return
	}
	switch method {
	case http.MethodGet, http.MethodPut, http.MethodHead, http.MethodPost, http.MethodDelete:
	default:
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid Access-Control-Request-Method: "+method)
		return
	}
	resource := "OBJECT"
	if onBucket {
		resource = "BUCKET"
	}
	if len(rules) == 0 {
		(&s3Error{status: http.StatusForbidden, Code: "AccessForbidden", Message: "CORSResponse: CORS is not enabled for this bucket.",
			Method: method, ResourceType: resource}).write(w, r)
		return
	}
	var headers []string
	for h := range strings.SplitSeq(r.Header.Get("Access-Control-Request-Headers"), ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			headers = append(headers, h)
		}
	}
	rule, star, ok := matchCORS(rules, origin, method, headers)
	if !ok {
		(&s3Error{status: http.StatusForbidden, Code: "AccessForbidden", Message: corsRefused,
			Method: method, ResourceType: resource}).write(w, r)
		return
	}
	setCORS(w.Header(), origin, rule, star)
	if len(headers) > 0 {
		w.Header().Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	w.WriteHeader(http.StatusOK)
}

// allowCORS adds the CORS headers to the answer to a request from another
// origin that a rule allows, errors included.
func allowCORS(w http.ResponseWriter, r *http.Request, rules []template.CORSRule) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	if rule, star, ok := matchCORS(rules, origin, r.Method, nil); ok {
		setCORS(w.Header(), origin, rule, star)
	}
}

// matchCORS returns the first rule that allows the request, and whether
// the origin it allows is "*".
func matchCORS(rules []template.CORSRule, origin, method string, headers []string) (rule template.CORSRule, star, ok bool) {
	for _, rule := range rules {
		if !slices.Contains(rule.AllowedMethods, method) {
			continue
		}
		at := slices.IndexFunc(rule.AllowedOrigins, func(p string) bool { return wildcardMatch(p, origin) })
		if at < 0 {
			continue
		}
		allowed := true
		for _, h := range headers {
			allowed = allowed && slices.ContainsFunc(rule.AllowedHeaders, func(p string) bool { return wildcardMatch(strings.ToLower(p), h) })
		}
		if allowed {
			return rule, rule.AllowedOrigins[at] == "*", true
		}
	}
	return template.CORSRule{}, false, false
}

// wildcardMatch matches s against a pattern with at most one "*".
func wildcardMatch(pattern, s string) bool {
	prefix, suffix, wild := strings.Cut(pattern, "*")
	if !wild {
		return pattern == s
	}
	return len(s) >= len(prefix)+len(suffix) && strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
}

// setCORS writes the headers S3 answers with for an allowed request: an
// origin allowed as "*" is answered "*" without credentials, any other is
// echoed with credentials allowed.
func setCORS(h http.Header, origin string, rule template.CORSRule, star bool) {
	if star {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposedHeaders, ", "))
	}
	if rule.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(rule.MaxAge))
	}
	h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
}
