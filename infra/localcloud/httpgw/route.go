package httpgw

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// segment kinds, in order of preference when two routes match.
const (
	segLiteral = iota
	segParam
	segGreedy
)

type segment struct {
	kind int
	text string // literal text, or the parameter's name
}

// route is a template route compiled for matching.
type route struct {
	template.HTTPRoute
	key       string // "GET /a/{id}" or "$default", as in the event's routeKey
	segments  []segment
	isDefault bool
}

func compileRoute(r template.HTTPRoute) (*route, error) {
	rt := &route{HTTPRoute: r}
	rt.Method = strings.ToUpper(r.Method)
	if r.Path == "$default" {
		rt.isDefault = true
		rt.key = "$default"
		return rt, nil
	}
	if !strings.HasPrefix(r.Path, "/") {
		return nil, fmt.Errorf("route %s %s: path must start with /", r.Method, r.Path)
	}
	rt.key = rt.Method + " " + r.Path
	parts := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			// "The greedy path variable must be at the end of the resource
			// path." (http-api-develop-routes.html)
			if i != len(parts)-1 {
				return nil, fmt.Errorf("route %s: greedy variable must be last", rt.key)
			}
			rt.segments = append(rt.segments, segment{kind: segGreedy, text: p[1 : len(p)-2]})
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			rt.segments = append(rt.segments, segment{kind: segParam, text: p[1 : len(p)-1]})
		default:
			rt.segments = append(rt.segments, segment{kind: segLiteral, text: p})
		}
	}
	return rt, nil
}

// match reports whether the route serves a request for path (already split
// into unescaped segments), and the path parameters it binds.
func (rt *route) match(method string, parts []string) (map[string]string, bool) {
	if rt.isDefault {
		return nil, true
	}
	if rt.Method != "ANY" && rt.Method != method {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range rt.segments {
		if s.kind == segGreedy {
			// A greedy variable catches one or more child segments.
			if i >= len(parts) || strings.Join(parts[i:], "") == "" {
				return nil, false
			}
			params[s.text] = strings.Join(parts[i:], "/")
			return params, true
		}
		if i >= len(parts) {
			return nil, false
		}
		switch s.kind {
		case segLiteral:
			if parts[i] != s.text {
				return nil, false
			}
		case segParam:
			if parts[i] == "" {
				return nil, false
			}
			params[s.text] = parts[i]
		}
	}
	if len(parts) != len(rt.segments) {
		return nil, false
	}
	if len(params) == 0 {
		params = nil
	}
	return params, true
}

// moreSpecific orders routes the way API Gateway picks among matches
// ("Routing API requests", http-api-develop-routes.html): a full match of route
// and method first, then routes with a greedy path variable, then $default.
// Between two full matches the one with literal segments earlier wins
// (/a/b over /a/{id}), and a named method wins over ANY, which "matches all
// methods that you haven't defined for a resource".
func moreSpecific(a, b *route) int {
	if a.isDefault != b.isDefault {
		if a.isDefault {
			return 1
		}
		return -1
	}
	ag, bg := a.greedy(), b.greedy()
	if ag != bg {
		if ag {
			return 1
		}
		return -1
	}
	for i := 0; i < len(a.segments) && i < len(b.segments); i++ {
		if c := a.segments[i].kind - b.segments[i].kind; c != 0 {
			return c
		}
	}
	// Longer greedy prefixes are more specific (/a/b/{proxy+} over /a/{proxy+}).
	if c := len(b.segments) - len(a.segments); c != 0 {
		return c
	}
	if (a.Method == "ANY") != (b.Method == "ANY") {
		if a.Method == "ANY" {
			return 1
		}
		return -1
	}
	return strings.Compare(a.key, b.key)
}

func (rt *route) greedy() bool {
	return len(rt.segments) > 0 && rt.segments[len(rt.segments)-1].kind == segGreedy
}

// router holds routes sorted most specific first, so the first match wins.
type router struct{ routes []*route }

func newRouter(routes []template.HTTPRoute) (*router, error) {
	rr := &router{}
	seen := map[string]bool{}
	for _, r := range routes {
		rt, err := compileRoute(r)
		if err != nil {
			return nil, err
		}
		if seen[rt.key] {
			return nil, fmt.Errorf("duplicate route %s", rt.key)
		}
		seen[rt.key] = true
		rr.routes = append(rr.routes, rt)
	}
	slices.SortStableFunc(rr.routes, moreSpecific)
	return rr, nil
}

// find returns the route for a request and its path parameters. rawPath is
// the escaped path; parameters are unescaped because "API Gateway decodes
// URL-encoded request parameters before passing them to your backend".
func (rr *router) find(method, rawPath string) (*route, map[string]string) {
	raw := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	parts := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil {
			u = p
		}
		parts[i] = u
	}
	for _, rt := range rr.routes {
		if params, ok := rt.match(method, parts); ok {
			return rt, params
		}
	}
	return nil, nil
}
