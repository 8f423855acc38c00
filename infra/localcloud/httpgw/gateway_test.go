package httpgw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// fakeInvoker records every invocation and answers with a fixed output.
type fakeInvoker struct {
	mu    sync.Mutex
	calls []call
	out   []byte
	err   error
}

type call struct {
	function string
	event    events.APIGatewayV2HTTPRequest
}

func (f *fakeInvoker) Invoke(_ context.Context, function string, payload []byte) ([]byte, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{function, ev})
	if f.err != nil {
		return nil, f.err
	}
	if f.out != nil {
		return f.out, nil
	}
	return []byte(`{"statusCode":200,"body":"ok"}`), nil
}

func (f *fakeInvoker) last(t *testing.T) call {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("function was not invoked")
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeInvoker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func newGateway(t *testing.T, api *template.HTTPAPI, inv Invoker) *Gateway {
	t.Helper()
	g, err := New(api, inv, Options{Region: "us-east-1", AccountID: "123456789012", DomainName: "localhost:3000"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func serve(g http.Handler, req *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRouteMatching(t *testing.T) {
	routes := []template.HTTPRoute{
		{Method: "GET", Path: "/agent/conversations", Function: "List"},
		{Method: "GET", Path: "/agent/conversations/{id}", Function: "Get"},
		{Method: "GET", Path: "/agent/conversations/open", Function: "Open"},
		{Method: "GET", Path: "/agent/conversations/{id}/messages", Function: "Messages"},
		{Method: "POST", Path: "/agent/conversations/{id}/messages", Function: "Reply"},
		{Method: "ANY", Path: "/things", Function: "AnyThings"},
		{Method: "DELETE", Path: "/things", Function: "DeleteThings"},
		{Method: "ANY", Path: "/files/{proxy+}", Function: "AnyFiles"},
		{Method: "GET", Path: "/files/{proxy+}", Function: "GetFiles"},
		{Method: "GET", Path: "/files/public/{name}", Function: "PublicFile"},
	}
	withDefault := append(routes[:len(routes):len(routes)], template.HTTPRoute{Method: "ANY", Path: "$default", Function: "Default"})

	tests := []struct {
		name       string
		routes     []template.HTTPRoute
		method     string
		path       string
		wantStatus int
		wantFunc   string
		wantKey    string
		wantParams map[string]string
	}{
		{"exact", routes, "GET", "/agent/conversations", 200, "List", "GET /agent/conversations", nil},
		{"param", routes, "GET", "/agent/conversations/abc", 200, "Get", "GET /agent/conversations/{id}", map[string]string{"id": "abc"}},
		{"literal beats param", routes, "GET", "/agent/conversations/open", 200, "Open", "GET /agent/conversations/open", nil},
		{"param is unescaped", routes, "GET", "/agent/conversations/a%20b", 200, "Get", "GET /agent/conversations/{id}", map[string]string{"id": "a b"}},
		{"nested param", routes, "POST", "/agent/conversations/abc/messages", 200, "Reply", "POST /agent/conversations/{id}/messages", map[string]string{"id": "abc"}},
		{"method mismatch", routes, "PUT", "/agent/conversations/abc/messages", 404, "", "", nil},
		{"trailing segment", routes, "GET", "/agent/conversations/abc/x", 404, "", "", nil},
		{"named method beats ANY", routes, "DELETE", "/things", 200, "DeleteThings", "DELETE /things", nil},
		{"ANY catches the rest", routes, "PATCH", "/things", 200, "AnyThings", "ANY /things", nil},
		{"greedy", routes, "POST", "/files/a/b/c", 200, "AnyFiles", "ANY /files/{proxy+}", map[string]string{"proxy": "a/b/c"}},
		{"greedy with method beats ANY greedy", routes, "GET", "/files/a/b", 200, "GetFiles", "GET /files/{proxy+}", map[string]string{"proxy": "a/b"}},
		{"full match beats greedy", routes, "GET", "/files/public/x.png", 200, "PublicFile", "GET /files/public/{name}", map[string]string{"name": "x.png"}},
		{"greedy needs a child", routes, "GET", "/files", 404, "", "", nil},
		{"no route", routes, "GET", "/nope", 404, "", "", nil},
		{"default catches unmatched", withDefault, "GET", "/nope", 200, "Default", "$default", nil},
		{"default loses to a match", withDefault, "GET", "/agent/conversations", 200, "List", "GET /agent/conversations", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			g := newGateway(t, &template.HTTPAPI{LogicalID: "Api", ID: "api1", Routes: tt.routes}, inv)
			resp := serve(g, httptest.NewRequestWithContext(t.Context(), tt.method, tt.path, nil))
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus == 404 {
				if body != `{"message":"Not Found"}` {
					t.Errorf("body = %s", body)
				}
				if inv.count() != 0 {
					t.Errorf("function invoked for an unmatched request")
				}
				return
			}
			c := inv.last(t)
			if c.function != tt.wantFunc || c.event.RouteKey != tt.wantKey || c.event.RequestContext.RouteKey != tt.wantKey {
				t.Errorf("got %s / %s, want %s / %s", c.function, c.event.RouteKey, tt.wantFunc, tt.wantKey)
			}
			if diff := cmp.Diff(tt.wantParams, c.event.PathParameters); diff != "" {
				t.Errorf("pathParameters (-want +got):\n%s", diff)
			}
			if got := g.Stats().Requests[tt.wantKey]; got != 1 {
				t.Errorf("Stats().Requests[%q] = %d, want 1", tt.wantKey, got)
			}
		})
	}
}

func TestNewRejectsBadTemplates(t *testing.T) {
	tests := []struct {
		name string
		api  template.HTTPAPI
	}{
		{"unknown authorizer", template.HTTPAPI{Routes: []template.HTTPRoute{{Method: "GET", Path: "/a", Function: "F", Authorizer: "Nope"}}}},
		{"greedy not last", template.HTTPAPI{Routes: []template.HTTPRoute{{Method: "GET", Path: "/{p+}/a", Function: "F"}}}},
		{"duplicate", template.HTTPAPI{Routes: []template.HTTPRoute{{Method: "GET", Path: "/a", Function: "F"}, {Method: "get", Path: "/a", Function: "G"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(&tt.api, &fakeInvoker{}, Options{}); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func TestEventShape(t *testing.T) {
	inv := &fakeInvoker{}
	g := newGateway(t, &template.HTTPAPI{LogicalID: "Api", ID: "api1", Routes: []template.HTTPRoute{
		{Method: "POST", Path: "/widget/conversations/{id}/messages", Function: "WidgetApiFunction"},
	}}, inv)
	req := httptest.NewRequestWithContext(t.Context(), "POST", "http://localhost:3000/widget/conversations/c1/messages?after=3&tag=a&tag=b", strings.NewReader(`{"body":"hi"}`))
	req.RemoteAddr = "192.0.2.7:5555"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "test-agent")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Add("Cookie", "a=1; b=2")
	serve(g, req)

	got := inv.last(t).event
	want := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "POST /widget/conversations/{id}/messages",
		RawPath:        "/widget/conversations/c1/messages",
		RawQueryString: "after=3&tag=a&tag=b",
		Cookies:        []string{"a=1", "b=2"},
		Headers: map[string]string{
			"content-type":      "application/json",
			"content-length":    "13",
			"user-agent":        "test-agent",
			"x-multi":           "one,two",
			"host":              "localhost:3000",
			"x-forwarded-for":   "192.0.2.7",
			"x-forwarded-proto": "http",
			"x-forwarded-port":  "3000",
		},
		QueryStringParameters: map[string]string{"after": "3", "tag": "a,b"},
		PathParameters:        map[string]string{"id": "c1"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     "POST /widget/conversations/{id}/messages",
			AccountID:    "123456789012",
			Stage:        "$default",
			APIID:        "api1",
			DomainName:   "localhost:3000",
			DomainPrefix: "localhost",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "POST", Path: "/widget/conversations/c1/messages", Protocol: "HTTP/1.1",
				SourceIP: "192.0.2.7", UserAgent: "test-agent",
			},
		},
		Body: `{"body":"hi"}`,
	}
	opts := cmp.Options{
		cmpopts.IgnoreFields(events.APIGatewayV2HTTPRequestContext{}, "RequestID", "Time", "TimeEpoch"),
		cmpopts.IgnoreMapEntries(func(k, _ string) bool { return k == "x-amzn-trace-id" }),
	}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	if len(got.RequestContext.RequestID) != 16 || got.RequestContext.TimeEpoch == 0 || got.RequestContext.Time == "" {
		t.Errorf("requestId/time not set: %+v", got.RequestContext)
	}
	if !strings.HasPrefix(got.Headers["x-amzn-trace-id"], "Root=1-") {
		t.Errorf("x-amzn-trace-id = %q", got.Headers["x-amzn-trace-id"])
	}
}

func TestBinaryBodyAndLimit(t *testing.T) {
	inv := &fakeInvoker{}
	g := newGateway(t, &template.HTTPAPI{ID: "api1", Routes: []template.HTTPRoute{{Method: "POST", Path: "/up", Function: "F"}}}, inv)

	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantStatus  int
		wantBase64  bool
	}{
		{"json is text", "application/json; charset=utf-8", []byte(`{"a":1}`), 200, false},
		{"text is text", "text/plain", []byte("hello"), 200, false},
		{"form posts are base64", "application/x-www-form-urlencoded", []byte("a=1"), 200, true},
		{"octets are base64", "application/octet-stream", []byte{0, 1, 2, 255}, 200, true},
		{"too large", "application/octet-stream", bytes.Repeat([]byte("x"), maxBodyBytes+1), 413, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := inv.count()
			req := httptest.NewRequestWithContext(t.Context(), "POST", "/up", bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.contentType)
			resp := serve(g, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if inv.count() != before {
					t.Error("function invoked for a refused request")
				}
				return
			}
			ev := inv.last(t).event
			if ev.IsBase64Encoded != tt.wantBase64 {
				t.Errorf("isBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.wantBase64)
			}
			got := []byte(ev.Body)
			if ev.IsBase64Encoded {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
		})
	}
}

func TestResponseMapping(t *testing.T) {
	tests := []struct {
		name        string
		out         string
		err         error
		wantStatus  int
		wantHeaders http.Header
		wantBody    string
	}{
		{
			name:        "full response",
			out:         `{"statusCode":201,"headers":{"content-type":"text/plain","x-a":"1"},"multiValueHeaders":{"x-b":["1","2"]},"cookies":["s=1; Path=/","t=2"],"body":"created"}`,
			wantStatus:  201,
			wantHeaders: http.Header{"Content-Type": {"text/plain"}, "X-A": {"1"}, "X-B": {"1,2"}, "Set-Cookie": {"s=1; Path=/", "t=2"}},
			wantBody:    "created",
		},
		{
			name:        "no statusCode is a 200 JSON body",
			out:         `{"hello":"world"}`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `{"hello":"world"}`,
		},
		{
			name:        "bare string is a 200 JSON body",
			out:         `"hi"`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `"hi"`,
		},
		{
			name:        "base64 body is decoded",
			out:         `{"statusCode":200,"headers":{"content-type":"image/png"},"isBase64Encoded":true,"body":"AAEC/w=="}`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"image/png"}},
			wantBody:    "\x00\x01\x02\xff",
		},
		{
			name:        "status without body",
			out:         `{"statusCode":204}`,
			wantStatus:  204,
			wantHeaders: http.Header{},
			wantBody:    "",
		},
		{
			name:        "function error",
			err:         errors.New("boom"),
			wantStatus:  502,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `{"message":"Internal Server Error"}`,
		},
		{
			name:        "not JSON",
			out:         `not json`,
			wantStatus:  502,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `{"message":"Internal Server Error"}`,
		},
		{
			name:        "invalid statusCode",
			out:         `{"statusCode":0,"body":"x"}`,
			wantStatus:  502,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `{"message":"Internal Server Error"}`,
		},
		{
			name:        "bad base64",
			out:         `{"statusCode":200,"isBase64Encoded":true,"body":"%%%"}`,
			wantStatus:  502,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `{"message":"Internal Server Error"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{out: []byte(tt.out), err: tt.err}
			g := newGateway(t, &template.HTTPAPI{ID: "api1", Routes: []template.HTTPRoute{{Method: "GET", Path: "/r", Function: "F"}}}, inv)
			resp := serve(g, httptest.NewRequestWithContext(t.Context(), "GET", "/r", nil))
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			got := resp.Header.Clone()
			got.Del("Apigw-Requestid")
			for k, v := range got {
				if v == nil { // net/http's "send no Content-Type" marker
					delete(got, k)
				}
			}
			if diff := cmp.Diff(tt.wantHeaders, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	routes := []template.HTTPRoute{{Method: "GET", Path: "/r", Function: "F"}}
	cors := &template.CORS{
		AllowOrigins: []string{"https://a.example"},
		AllowHeaders: []string{"authorization", "content-type"},
		AllowMethods: []string{"GET", "POST"},
		MaxAge:       600,
	}
	tests := []struct {
		name        string
		cors        *template.CORS
		method      string
		headers     map[string]string
		backendCORS bool
		wantStatus  int
		wantHeaders map[string]string // "" means absent
		wantInvoked bool
	}{
		{
			name: "preflight answered by the gateway", cors: cors, method: "OPTIONS",
			headers:    map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
			wantStatus: 204,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin":  "https://a.example",
				"Access-Control-Allow-Methods": "GET,POST",
				"Access-Control-Allow-Headers": "authorization,content-type",
				"Access-Control-Max-Age":       "600",
			},
		},
		{
			name: "preflight from another origin", cors: cors, method: "OPTIONS",
			headers:     map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			wantStatus:  204,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name: "wildcard origin", cors: &template.CORS{AllowOrigins: []string{"*"}}, method: "OPTIONS",
			headers:     map[string]string{"Origin": "https://b.example", "Access-Control-Request-Method": "GET"},
			wantStatus:  204,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": "*"},
		},
		{
			name: "simple request gets allow-origin, backend's is ignored", cors: cors, method: "GET",
			headers: map[string]string{"Origin": "https://a.example"}, backendCORS: true,
			wantStatus: 200, wantInvoked: true,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": "https://a.example"},
		},
		{
			name: "without CORS configuration OPTIONS is routed", cors: nil, method: "OPTIONS",
			headers:     map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
			wantStatus:  404,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			if tt.backendCORS {
				inv.out = []byte(`{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"https://backend.example"},"body":""}`)
			}
			g := newGateway(t, &template.HTTPAPI{ID: "api1", Routes: routes, CORS: tt.cors}, inv)
			req := httptest.NewRequestWithContext(t.Context(), tt.method, "/r", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp := serve(g, req)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for k, v := range tt.wantHeaders {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := inv.count() > 0; got != tt.wantInvoked {
				t.Errorf("invoked = %v, want %v", got, tt.wantInvoked)
			}
		})
	}
}
