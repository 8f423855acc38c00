package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
)

// The wire samples: one JSON sample of every HTTP answer and socket frame
// the real functions send, each labelled with the type of
// web/shared/wire.ts it must satisfy. They are committed; web/test/check-wire.mjs
// (make test) proves that wire.ts accepts each one, and TestWireSamples
// proves that the code still answers in the committed shapes.

var updateWire = flag.Bool("update", false, "rewrite web/test/wire-samples.json with the shapes of this run's answers and frames")

// wireSamplesFile is where the samples live, below the repository root.
const wireSamplesFile = "web/test/wire-samples.json"

// wireSample is one answer or frame as it came over the wire.
type wireSample struct {
	Name string `json:"name"`
	// Type is the type of web/shared/wire.ts the body must satisfy.
	Type string `json:"type"`
	// Route and Status: the HTTP route that answered, and how.
	Route  string `json:"route,omitempty"`
	Status int    `json:"status,omitempty"`
	// To is who a frame went to: "agent" or "visitor".
	To   string          `json:"to,omitempty"`
	Body json.RawMessage `json:"body"`
}

type wireSamples struct {
	Answers []wireSample `json:"answers"`
	Errors  []wireSample `json:"errors"`
	Frames  []wireSample `json:"frames"`
}

func (s wireSamples) all() []wireSample {
	return slices.Concat(s.Answers, s.Errors, s.Frames)
}

// caller is one client of the HTTP API: a page of the site (origin and
// visitor token), an agent (bearer token), or anyone.
type caller struct {
	base, origin, bearer string
	hc                   *http.Client
}

// call sends one request and returns the status, the content type and the
// body exactly as they came.
func (c caller) call(t *testing.T, method, path string, in any) (int, string, []byte) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	// Not the test's context: cleanups call too, after it is cancelled.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	hc := c.hc
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// wireRecorder collects the samples of one run.
type wireRecorder struct {
	t     *testing.T
	got   wireSamples
	names map[string]bool
	// pages are the routes that answered with an HTML page: no wire type.
	pages map[string]bool
}

func newWireRecorder(t *testing.T) *wireRecorder {
	return &wireRecorder{t: t, names: map[string]bool{}, pages: map[string]bool{}}
}

func (r *wireRecorder) add(list *[]wireSample, s wireSample) {
	r.t.Helper()
	if r.names[s.Name] {
		r.t.Fatalf("two wire samples are named %q", s.Name)
	}
	r.names[s.Name] = true
	var compact bytes.Buffer
	if err := json.Compact(&compact, s.Body); err != nil {
		r.t.Fatalf("wire sample %q is not JSON: %v\n%s", s.Name, err, s.Body)
	}
	s.Body = compact.Bytes()
	*list = append(*list, s)
}

// sampleName is the route, with the variant after a comma when a route
// has more than one sample.
func sampleName(route, variant string) string {
	if variant == "" {
		return route
	}
	return route + ", " + variant
}

// answer calls route (its path filled in as path) and records the answer,
// which must come with status want; it returns the body.
func (r *wireRecorder) answer(variant string, c caller, route, path string, in any, want int) []byte {
	r.t.Helper()
	status, body := r.call(c, route, path, in, want)
	r.keep(variant, route, status, body)
	return body
}

// keep records an answer the test called for itself (to pick from a list
// the entries this test made).
func (r *wireRecorder) keep(variant, route string, status int, body []byte) {
	r.t.Helper()
	r.add(&r.got.Answers, wireSample{Name: sampleName(route, variant), Type: fmt.Sprintf("Answers[%q]", route), Route: route, Status: status, Body: body})
}

// call calls route without recording; the status must be want.
func (r *wireRecorder) call(c caller, route, path string, in any, want int) (int, []byte) {
	r.t.Helper()
	method, _, _ := strings.Cut(route, " ")
	status, ctype, body := c.call(r.t, method, path, in)
	if status != want || !strings.HasPrefix(ctype, "application/json") {
		r.t.Fatalf("%s %s = %d %s %s, want %d JSON", method, path, status, ctype, body, want)
	}
	return status, body
}

// refusal calls route and records the error body of the answer, which
// must come with status want.
func (r *wireRecorder) refusal(name string, c caller, route, path string, in any, want int) {
	r.t.Helper()
	status, body := r.call(c, route, path, in, want)
	r.keepRefusal(name, route, status, body, false)
}

// keepRefusal records an error answer; API Gateway's own refusals (not a
// function's) have a type of their own, GatewayErrorBody.
func (r *wireRecorder) keepRefusal(name, route string, status int, body []byte, fromGateway bool) {
	r.t.Helper()
	typ := "APIErrorBody"
	if fromGateway {
		typ = "GatewayErrorBody"
	}
	r.add(&r.got.Errors, wireSample{Name: name, Type: typ, Route: route, Status: status, Body: body})
}

// page opens link, a route that answers with an HTML page (no wire type),
// and notes that the route was called.
func (r *wireRecorder) page(route, link, form string) {
	r.t.Helper()
	method, _, _ := strings.Cut(route, " ")
	req, err := http.NewRequestWithContext(wait(r.t), method, link, strings.NewReader(form))
	if err != nil {
		r.t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if ctype := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ctype, "text/html") {
		r.t.Fatalf("%s %s = %d %s, want 200 and an HTML page", method, link, resp.StatusCode, ctype)
	}
	r.pages[route] = true
}

// frame waits for the next frame on s that match accepts and records it
// as a frame to an agent or a visitor.
func (r *wireRecorder) frame(variant, to string, s *chatclient.Socket, match func(chatclient.Frame) bool) chatclient.Frame {
	r.t.Helper()
	f, err := s.Next(wait(r.t), match)
	if err != nil {
		r.t.Fatalf("%s frame %s: %v", to, variant, err)
	}
	r.keepFrame(variant, to, f)
	return f
}

// keepFrame records a frame that arrived.
func (r *wireRecorder) keepFrame(variant, to string, f chatclient.Frame) {
	r.t.Helper()
	typ := map[string]string{"agent": "AgentFrame", "visitor": "VisitorFrame"}[to]
	r.add(&r.got.Frames, wireSample{Name: sampleName(to+": "+f.Type, variant), Type: typ, To: to, Body: f.Raw})
}

// checkCoverage fails for every route of the template without a sample
// and every frame type the Go code builds without a sample to agents and
// one to visitors (one side only for the frames only that side gets).
func (r *wireRecorder) checkCoverage(t *testing.T, routes, frameTypes []string) {
	t.Helper()
	sampled := map[string]bool{}
	framed := map[string]bool{}
	for _, s := range r.got.Answers {
		sampled[s.Route] = true
	}
	for _, s := range r.got.Frames {
		var f struct{ Type string }
		_ = json.Unmarshal(s.Body, &f)
		framed[s.To+" "+f.Type] = true
	}
	for _, route := range routes {
		if !sampled[route] && !r.pages[route] {
			t.Errorf("route %s has no wire sample: add a call to TestWireSamples and its answer type to Answers in web/shared/wire.ts", route)
		}
	}
	// Frames only one side ever gets: an agent's own profile and status,
	// its notifications, the viewers of a conversation, a visitor's moves
	// to the agents with the thread open; the closing frame (the server
	// closes only agents' sockets itself: sign-out, an agent disabled,
	// saying why).
	only := map[string]string{"agent": "agent", "notification": "agent", "viewers": "agent", "visit": "agent", "closing": "agent"}
	for _, typ := range frameTypes {
		for _, to := range []string{"agent", "visitor"} {
			if side, ok := only[typ]; ok && side != to {
				continue
			}
			if !framed[to+" "+typ] {
				t.Errorf("the Go code builds %q frames and TestWireSamples records none sent to a %s: record one and add its type to web/shared/wire.ts", typ, to)
			}
		}
	}
}

// templateRoutes are the HTTP API routes of the template.
func templateRoutes(c *localcloud.Cloud) []string {
	var out []string
	for _, api := range c.Model().HTTPAPIs {
		for _, rt := range api.Routes {
			out = append(out, rt.Method+" "+rt.Path)
		}
	}
	slices.Sort(out)
	return out
}

// codeFrameTypes are the "type" values of the frames the Go code builds:
// every composite literal of a …Frame struct in shared/ that sets Type.
func codeFrameTypes(t *testing.T, root string) []string {
	t.Helper()
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(root, "shared"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			var name string
			switch typ := lit.Type.(type) {
			case *ast.Ident:
				name = typ.Name
			case *ast.SelectorExpr:
				name = typ.Sel.Name
			}
			if !strings.HasSuffix(name, "Frame") {
				return true
			}
			for _, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key, ok := kv.Key.(*ast.Ident)
				val, isLit := kv.Value.(*ast.BasicLit)
				if !ok || key.Name != "Type" || !isLit || val.Kind != token.STRING {
					continue
				}
				if s, err := strconv.Unquote(val.Value); err == nil {
					seen[s] = true
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatalf("read the frames the Go code builds: %v", err)
	}
	if len(seen) == 0 {
		t.Fatal("found no frame in shared/: the frames are no longer …Frame{Type: \"…\"} literals; teach codeFrameTypes where they are")
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// enumKeys are the members whose string values are part of a shape: the
// discriminants and enumerations the TypeScript types spell out.
var enumKeys = map[string]bool{"type": true, "kind": true, "status": true, "code": true, "channel": true, "suggestedChannel": true}

// wireShape is what of a JSON value the types describe: the members of
// objects, the distinct shapes of an array's elements, the JSON type of
// values, and the values of enumKeys. Ids, times and texts differ from run
// to run; their shape does not.
func wireShape(v any, key string) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = wireShape(x, k)
		}
		return out
	case []any:
		distinct := map[string]any{}
		for _, x := range v {
			s := wireShape(x, key)
			b, _ := json.Marshal(s)
			distinct[string(b)] = s
		}
		keys := make([]string, 0, len(distinct))
		for k := range distinct {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]any, 0, len(keys))
		for _, k := range keys {
			out = append(out, distinct[k])
		}
		return out
	case string:
		if enumKeys[key] {
			return "string " + strconv.Quote(v)
		}
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// sampleShape is a sample's label and the shape of its body.
func sampleShape(t *testing.T, s wireSample) any {
	t.Helper()
	var body any
	if err := json.Unmarshal(s.Body, &body); err != nil {
		t.Fatalf("wire sample %q: %v", s.Name, err)
	}
	return map[string]any{"type": s.Type, "route": s.Route, "status": s.Status, "to": s.To, "body": wireShape(body, "")}
}

// compareWire fails for every sample whose shape differs from the
// committed one, or that is new or gone; with -update it rewrites the file
// instead, keeping the committed samples whose shape did not change (so
// the diff shows only what changed).
func compareWire(t *testing.T, root string, got wireSamples) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(wireSamplesFile))
	var committed wireSamples
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	default:
		if err := json.Unmarshal(b, &committed); err != nil {
			t.Fatalf("%s: %v", wireSamplesFile, err)
		}
	}
	before := map[string]wireSample{}
	for _, s := range committed.all() {
		before[s.Name] = s
	}
	keepOrNew := func(list []wireSample) []wireSample {
		out := make([]wireSample, 0, len(list))
		for _, s := range list {
			if old, ok := before[s.Name]; ok && cmp.Equal(sampleShape(t, old), sampleShape(t, s)) {
				s = old
			}
			out = append(out, s)
		}
		slices.SortFunc(out, func(a, b wireSample) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	next := wireSamples{Answers: keepOrNew(got.Answers), Errors: keepOrNew(got.Errors), Frames: keepOrNew(got.Frames)}

	var drift []string
	now := map[string]bool{}
	for _, s := range next.all() {
		now[s.Name] = true
		old, ok := before[s.Name]
		if !ok {
			drift = append(drift, fmt.Sprintf("new wire sample %q (%s)", s.Name, s.Type))
			continue
		}
		if diff := cmp.Diff(sampleShape(t, old), sampleShape(t, s)); diff != "" {
			drift = append(drift, fmt.Sprintf("wire sample %q changed shape (-committed +now):\n%s", s.Name, diff))
		}
	}
	for _, s := range committed.all() {
		if !now[s.Name] {
			drift = append(drift, fmt.Sprintf("wire sample %q is no longer recorded", s.Name))
		}
	}
	if len(drift) == 0 {
		return
	}
	if !*updateWire {
		for _, d := range drift {
			t.Error(d)
		}
		t.Errorf("what the functions send differs from %s. If that is meant, run\n"+
			"  go test ./infra/e2e -run TestWireSamples -update\n"+
			"then make web/shared/wire.ts accept the new samples (cd web && node test/check-wire.mjs), and commit both.", wireSamplesFile)
		return
	}
	out, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range drift {
		t.Log(d)
	}
	t.Logf("wrote %s: check web/shared/wire.ts against it with: cd web && node test/check-wire.mjs", wireSamplesFile)
}
