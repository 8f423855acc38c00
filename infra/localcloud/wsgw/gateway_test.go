package wsgw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// recorded is one invocation seen by the fake invoker.
type recorded struct {
	function string
	event    events.APIGatewayWebsocketProxyRequest
}

// fakeInvoker records invocations; answer decides the output per function.
type fakeInvoker struct {
	mu     sync.Mutex
	calls  []recorded
	answer func(function string, ev events.APIGatewayWebsocketProxyRequest) ([]byte, error)
}

func (f *fakeInvoker) Invoke(_ context.Context, function string, payload []byte) ([]byte, error) {
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.calls = append(f.calls, recorded{function, ev})
	answer := f.answer
	f.mu.Unlock()
	if answer != nil {
		return answer(function, ev)
	}
	return []byte(`{"statusCode":200}`), nil
}

// find returns the invocations of eventType for a connection.
func (f *fakeInvoker) find(eventType, connectionID string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, c := range f.calls {
		if c.event.RequestContext.EventType == eventType && (connectionID == "" || c.event.RequestContext.ConnectionID == connectionID) {
			out = append(out, c)
		}
	}
	return out
}

// waitFor polls until n invocations of eventType exist for the connection.
func (f *fakeInvoker) waitFor(t *testing.T, eventType, connectionID string, n int) []recorded {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if got := f.find(eventType, connectionID); len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %d %s invocations for %q; have %d", n, eventType, connectionID, len(f.find(eventType, connectionID)))
	return nil
}

var defaultRoutes = map[string]string{
	"$connect":    "WsConnectFunction",
	"$disconnect": "WsDisconnectFunction",
	"$default":    "WsMessageFunction",
	"sendMessage": "WsMessageFunction",
	"typing":      "WsTypingFunction",
}

type harness struct {
	gw  *Gateway
	inv *fakeInvoker
	srv *httptest.Server
}

func newHarness(t *testing.T, routes map[string]string, inv *fakeInvoker, opts Options) *harness {
	t.Helper()
	if inv == nil {
		inv = &fakeInvoker{}
	}
	opts.Region, opts.AccountID, opts.DomainName = "us-east-1", "123456789012", "localhost:3000"
	g, err := New(&template.WebSocketAPI{
		LogicalID:                "ChatWebSocketApi",
		ID:                       "wsapi1",
		RouteSelectionExpression: "$request.body.action",
		StageName:                "dev",
		Routes:                   routes,
	}, inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ws/dev", http.StripPrefix("/ws/dev", g))
	mux.Handle("/_aws/execute-api/wsapi1/dev/", http.StripPrefix("/_aws/execute-api/wsapi1/dev", g.ConnectionsHandler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		g.Close()
		srv.Close()
	})
	return &harness{gw: g, inv: inv, srv: srv}
}

func (h *harness) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/ws/dev" + query
}

// dial connects and returns the socket and its connection id (from $connect).
func (h *harness) dial(t *testing.T) (*websocket.Conn, string) {
	t.Helper()
	before := len(h.inv.find("CONNECT", ""))
	ws, _, err := websocket.Dial(t.Context(), h.wsURL("?ticket=t1"), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	connects := h.inv.find("CONNECT", "")
	if len(connects) != before+1 {
		t.Fatalf("want one more $connect, have %d", len(connects))
	}
	return ws, connects[len(connects)-1].event.RequestContext.ConnectionID
}

func readText(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	typ, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message type %v, want text", typ)
	}
	return string(b)
}

// readClose reads until the server closes and returns its close status.
func readClose(t *testing.T, ws *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("read ended without a close frame: %v", err)
		}
		return ce
	}
}

func TestConnect(t *testing.T) {
	tests := []struct {
		name        string
		answer      func(string, events.APIGatewayWebsocketProxyRequest) ([]byte, error)
		protocols   []string
		wantStatus  int // 0: accepted
		wantSubprot string
	}{
		{name: "accepted", answer: nil},
		{
			name: "refused with the function's status",
			answer: func(string, events.APIGatewayWebsocketProxyRequest) ([]byte, error) {
				return []byte(`{"statusCode":401,"body":"no ticket"}`), nil
			},
			wantStatus: 401,
		},
		{
			name: "function failure is 500",
			answer: func(string, events.APIGatewayWebsocketProxyRequest) ([]byte, error) {
				return nil, errors.New("function not reachable")
			},
			wantStatus: 500,
		},
		{
			name: "malformed response is 500",
			answer: func(string, events.APIGatewayWebsocketProxyRequest) ([]byte, error) {
				return []byte(`{}`), nil
			},
			wantStatus: 500,
		},
		{
			name: "subprotocol echoed when the function returns it",
			answer: func(string, events.APIGatewayWebsocketProxyRequest) ([]byte, error) {
				return []byte(`{"statusCode":200,"headers":{"Sec-WebSocket-Protocol":"parley.v1"}}`), nil
			},
			protocols:   []string{"parley.v1"},
			wantSubprot: "parley.v1",
		},
		{
			name:      "subprotocol not echoed by default",
			protocols: []string{"parley.v1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, defaultRoutes, &fakeInvoker{answer: tt.answer}, Options{})
			ws, resp, err := websocket.Dial(t.Context(), h.wsURL(""), &websocket.DialOptions{Subprotocols: tt.protocols})
			if tt.wantStatus != 0 {
				if err == nil {
					_ = ws.CloseNow()
					t.Fatal("dial succeeded, want refusal")
				}
				if resp == nil || resp.StatusCode != tt.wantStatus {
					t.Fatalf("response %v, want status %d", resp, tt.wantStatus)
				}
				if n := len(h.inv.find("DISCONNECT", "")); n != 0 {
					t.Errorf("$disconnect invoked %d times for a refused connection", n)
				}
				if h.gw.Stats().ConnectionsOpen != 0 {
					t.Error("refused connection counted as open")
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer ws.CloseNow()
			if ws.Subprotocol() != tt.wantSubprot {
				t.Errorf("subprotocol = %q, want %q", ws.Subprotocol(), tt.wantSubprot)
			}
			if h.gw.Stats().ConnectionsOpen != 1 {
				t.Errorf("ConnectionsOpen = %d, want 1", h.gw.Stats().ConnectionsOpen)
			}
		})
	}
}

func TestNotAnUpgrade(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{})
	resp, err := http.Get(h.srv.URL + "/ws/dev")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("status = %d", resp.StatusCode)
	}
	if len(h.inv.find("CONNECT", "")) != 0 {
		t.Error("$connect invoked for a plain GET")
	}
}

func TestEventShapes(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{})
	ws, id := h.dial(t)

	connect := h.inv.find("CONNECT", id)[0]
	if connect.function != "WsConnectFunction" {
		t.Errorf("$connect function = %s", connect.function)
	}
	rc := connect.event.RequestContext
	if len(id) != 16 || !strings.HasSuffix(id, "=") || strings.ContainsAny(id, "/+") {
		t.Errorf("connectionId %q is not shaped like API Gateway's", id)
	}
	gotCtx := events.APIGatewayWebsocketProxyRequestContext{
		RouteKey: rc.RouteKey, EventType: rc.EventType, MessageDirection: rc.MessageDirection,
		Stage: rc.Stage, DomainName: rc.DomainName, APIID: rc.APIID, ConnectionID: rc.ConnectionID,
		AccountID: rc.AccountID, Identity: rc.Identity,
	}
	wantCtx := events.APIGatewayWebsocketProxyRequestContext{
		RouteKey: "$connect", EventType: "CONNECT", MessageDirection: "IN",
		Stage: "dev", DomainName: "localhost:3000", APIID: "wsapi1", ConnectionID: id,
		AccountID: "123456789012",
		Identity:  events.APIGatewayRequestIdentity{SourceIP: "127.0.0.1", UserAgent: "Go-http-client/1.1"},
	}
	if diff := cmp.Diff(wantCtx, gotCtx); diff != "" {
		t.Errorf("$connect requestContext (-want +got):\n%s", diff)
	}
	if rc.RequestID == "" || rc.ExtendedRequestID == "" || rc.ConnectedAt == 0 || rc.RequestTimeEpoch == 0 || rc.RequestTime == "" {
		t.Errorf("ids and times missing: %+v", rc)
	}
	if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", rc.RequestTime); err != nil {
		t.Errorf("requestTime %q: %v", rc.RequestTime, err)
	}
	if diff := cmp.Diff(map[string]string{"ticket": "t1"}, connect.event.QueryStringParameters); diff != "" {
		t.Errorf("queryStringParameters (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"ticket": {"t1"}}, connect.event.MultiValueQueryStringParameters); diff != "" {
		t.Errorf("multiValueQueryStringParameters (-want +got):\n%s", diff)
	}
	if connect.event.Headers["Sec-Websocket-Key"] == "" || connect.event.Headers["X-Forwarded-For"] != "127.0.0.1" ||
		len(connect.event.MultiValueHeaders["Host"]) != 1 {
		t.Errorf("headers = %v / %v", connect.event.Headers, connect.event.MultiValueHeaders)
	}

	if err := ws.Write(t.Context(), websocket.MessageText, []byte(`{"action":"sendMessage","body":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	msg := h.inv.waitFor(t, "MESSAGE", id, 1)[0]
	mc := msg.event.RequestContext
	if mc.RouteKey != "sendMessage" || mc.ConnectedAt != rc.ConnectedAt || mc.MessageID == nil || mc.MessageDirection != "IN" || mc.Stage != "dev" {
		t.Errorf("message requestContext = %+v", mc)
	}
	if msg.event.Body != `{"action":"sendMessage","body":"hi"}` || msg.event.IsBase64Encoded || msg.event.Headers != nil {
		t.Errorf("message event = %+v", msg.event)
	}

	if err := ws.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	disc := h.inv.waitFor(t, "DISCONNECT", id, 1)[0]
	dc := disc.event.RequestContext
	if disc.function != "WsDisconnectFunction" || dc.RouteKey != "$disconnect" || dc.DisconnectStatusCode != 1000 ||
		dc.DisconnectReason == nil || *dc.DisconnectReason != "bye" || dc.ConnectedAt != rc.ConnectedAt {
		t.Errorf("$disconnect event = %+v", disc.event)
	}
}

func TestRouteSelection(t *testing.T) {
	noDefault := map[string]string{"$connect": "C", "sendMessage": "Send"}
	tests := []struct {
		name      string
		routes    map[string]string
		typ       websocket.MessageType
		data      string
		fails     bool
		wantRoute string // "" when nothing may be invoked
		wantFunc  string
		wantFrame string // error frame's message, "" when none
	}{
		{name: "action names a route", routes: defaultRoutes, data: `{"action":"typing","on":true}`, wantRoute: "typing", wantFunc: "WsTypingFunction"},
		{name: "unknown action goes to $default", routes: defaultRoutes, data: `{"action":"dance"}`, wantRoute: "$default", wantFunc: "WsMessageFunction"},
		{name: "non-string action goes to $default", routes: defaultRoutes, data: `{"action":5}`, wantRoute: "$default", wantFunc: "WsMessageFunction"},
		{name: "special route keys are not selectable", routes: defaultRoutes, data: `{"action":"$disconnect"}`, wantRoute: "$default", wantFunc: "WsMessageFunction"},
		{name: "non-JSON goes to $default", routes: defaultRoutes, data: `hello`, wantRoute: "$default", wantFunc: "WsMessageFunction"},
		{name: "binary goes to $default base64", routes: defaultRoutes, typ: websocket.MessageBinary, data: "\x00\x01", wantRoute: "$default", wantFunc: "WsMessageFunction"},
		{name: "no route and no $default", routes: noDefault, data: `{"action":"dance"}`, wantFrame: "Forbidden"},
		{name: "match without $default", routes: noDefault, data: `{"action":"sendMessage"}`, wantRoute: "sendMessage", wantFunc: "Send"},
		{name: "function failure", routes: defaultRoutes, data: `{"action":"sendMessage"}`, fails: true, wantRoute: "sendMessage", wantFunc: "WsMessageFunction", wantFrame: "Internal server error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{answer: func(fn string, ev events.APIGatewayWebsocketProxyRequest) ([]byte, error) {
				if tt.fails && ev.RequestContext.EventType == "MESSAGE" {
					return nil, errors.New("handler error")
				}
				// A function's result is never sent to the client.
				return []byte(`{"statusCode":200,"body":"result that must not reach the client"}`), nil
			}}
			h := newHarness(t, tt.routes, inv, Options{})
			ws, id := h.dial(t)
			typ := tt.typ
			if typ == 0 {
				typ = websocket.MessageText
			}
			if err := ws.Write(t.Context(), typ, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			if tt.wantFrame != "" {
				var frame struct{ Message, ConnectionID, RequestID string }
				raw := readText(t, ws)
				if err := json.Unmarshal([]byte(raw), &frame); err != nil {
					t.Fatalf("error frame %q: %v", raw, err)
				}
				if frame.Message != tt.wantFrame || frame.ConnectionID != id || frame.RequestID == "" {
					t.Errorf("error frame = %s", raw)
				}
			}
			if tt.wantRoute == "" {
				if n := len(inv.find("MESSAGE", id)); n != 0 {
					t.Errorf("%d functions invoked, want none", n)
				}
				return
			}
			got := inv.waitFor(t, "MESSAGE", id, 1)[0]
			if got.function != tt.wantFunc || got.event.RequestContext.RouteKey != tt.wantRoute {
				t.Errorf("invoked %s for %s, want %s for %s", got.function, got.event.RequestContext.RouteKey, tt.wantFunc, tt.wantRoute)
			}
			body := got.event.Body
			if typ == websocket.MessageBinary {
				if !got.event.IsBase64Encoded {
					t.Error("binary message not marked isBase64Encoded")
				}
				b, _ := base64.StdEncoding.DecodeString(body)
				body = string(b)
			}
			if body != tt.data {
				t.Errorf("body = %q, want %q", body, tt.data)
			}
			if tt.wantFrame == "" {
				// Nothing but the next push may arrive: the function's result stays server side.
				if err := h.gw.lookup(id).send(t.Context(), []byte("marker")); err != nil {
					t.Fatal(err)
				}
				if got := readText(t, ws); got != "marker" {
					t.Errorf("client received %q before the push", got)
				}
			}
			if h.gw.Stats().FramesIn != 1 {
				t.Errorf("FramesIn = %d, want 1", h.gw.Stats().FramesIn)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	opts := Options{MaxFrameBytes: 1024, MaxMessageBytes: 4096}
	tests := []struct {
		name      string
		frames    []int // sizes of the frames of one text message
		wantClose bool
	}{
		{"message within limits in several frames", []int{1024, 1024, 1024, 1024}, false},
		{"single frame at the frame limit", []int{1024}, false},
		{"frame over the limit", []int{1025}, true},
		{"message over the limit in small frames", []int{1024, 1024, 1024, 1024, 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, defaultRoutes, nil, opts)
			ws, id := h.dial(t)
			w, err := ws.Writer(t.Context(), websocket.MessageText)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, n := range tt.frames {
				total += n
				if _, err := w.Write([]byte(strings.Repeat("x", n))); err != nil && !tt.wantClose {
					t.Fatal(err)
				}
			}
			_ = w.Close()
			if !tt.wantClose {
				msg := h.inv.waitFor(t, "MESSAGE", id, 1)[0]
				if len(msg.event.Body) != total {
					t.Errorf("body has %d bytes, want %d", len(msg.event.Body), total)
				}
				return
			}
			ce := readClose(t, ws)
			if ce.Code != websocket.StatusMessageTooBig || ce.Reason != "Message too big" {
				t.Errorf("close = %v %q, want 1009 Message too big", ce.Code, ce.Reason)
			}
			disc := h.inv.waitFor(t, "DISCONNECT", id, 1)
			if disc[0].event.RequestContext.DisconnectStatusCode != 1009 {
				t.Errorf("disconnectStatusCode = %d", disc[0].event.RequestContext.DisconnectStatusCode)
			}
			if n := len(h.inv.find("MESSAGE", id)); n != 0 {
				t.Errorf("oversized message reached a function (%d invocations)", n)
			}
		})
	}
}

func TestPostTooLarge(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{MaxFrameBytes: 1024, MaxMessageBytes: 4096})
	ws, id := h.dial(t)
	client := sdkClient(h)
	// A push larger than a frame arrives whole, in several frames.
	big := strings.Repeat("y", 4096)
	if err := postTo(t, client, id, big); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, ws); got != big {
		t.Errorf("received %d bytes, want %d", len(got), len(big))
	}
	err := postTo(t, client, id, big+"!")
	if !isPayloadTooLarge(err) {
		t.Errorf("err = %v, want PayloadTooLargeException", err)
	}
}

// TestDisconnectOnce closes connections for every cause and checks that
// $disconnect runs exactly once with API Gateway's status.
func TestDisconnectOnce(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		close      func(t *testing.T, h *harness, ws *websocket.Conn, id string)
		wantCode   int64
		wantReason string
		wantClient websocket.StatusCode // close the client sees; 0 when it closed itself
	}{
		{
			name: "client closes",
			close: func(t *testing.T, h *harness, ws *websocket.Conn, id string) {
				_ = ws.Close(websocket.StatusNormalClosure, "bye")
			},
			wantCode: 1000, wantReason: "bye",
		},
		{
			name: "client drops the connection",
			close: func(t *testing.T, h *harness, ws *websocket.Conn, id string) {
				_ = ws.CloseNow()
			},
			wantCode: 1006, wantReason: "Connection closed abnormally",
		},
		{
			name: "idle timeout",
			opts: Options{IdleTimeout: 300 * time.Millisecond},
			close: func(t *testing.T, h *harness, ws *websocket.Conn, id string) {
				if ce := readClose(t, ws); ce.Code != websocket.StatusGoingAway {
					t.Errorf("client saw %v", ce.Code)
				}
			},
			wantCode: 1001, wantReason: "Going away",
		},
		{
			name: "maximum duration despite activity",
			opts: Options{MaxConnectionDuration: 400 * time.Millisecond, IdleTimeout: time.Minute},
			close: func(t *testing.T, h *harness, ws *websocket.Conn, id string) {
				ctx := ws.CloseRead(t.Context())
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
						_ = ws.Write(t.Context(), websocket.MessageText, []byte(`{"action":"ping"}`))
					}
				}
			},
			wantCode: 1001, wantReason: "Going away",
		},
		{
			name: "@connections DELETE",
			close: func(t *testing.T, h *harness, ws *websocket.Conn, id string) {
				if err := deleteConn(t, sdkClient(h), id); err != nil {
					t.Fatal(err)
				}
				if ce := readClose(t, ws); ce.Code != websocket.StatusNormalClosure {
					t.Errorf("client saw %v", ce.Code)
				}
			},
			wantCode: 1000, wantReason: "",
		},
		{
			name: "gateway Close",
			close: func(t *testing.T, h *harness, ws *websocket.Conn, id string) {
				go func() { _, _, _ = ws.Read(context.Background()) }() // answer the close handshake
				h.gw.Close()
				if n := len(h.inv.find("DISCONNECT", id)); n != 1 {
					t.Errorf("Close returned before $disconnect (%d)", n)
				}
			},
			wantCode: 1001, wantReason: "Going away",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, defaultRoutes, nil, tt.opts)
			ws, id := h.dial(t)
			tt.close(t, h, ws, id)
			h.inv.waitFor(t, "DISCONNECT", id, 1)
			// Give a duplicate a chance to show up.
			time.Sleep(100 * time.Millisecond)
			disc := h.inv.find("DISCONNECT", id)
			if len(disc) != 1 {
				t.Fatalf("$disconnect invoked %d times, want 1", len(disc))
			}
			rc := disc[0].event.RequestContext
			reason := ""
			if rc.DisconnectReason != nil {
				reason = *rc.DisconnectReason
			}
			if rc.DisconnectStatusCode != tt.wantCode || reason != tt.wantReason {
				t.Errorf("disconnect = %d %q, want %d %q", rc.DisconnectStatusCode, reason, tt.wantCode, tt.wantReason)
			}
			if h.gw.Stats().ConnectionsOpen != 0 {
				t.Errorf("ConnectionsOpen = %d after close", h.gw.Stats().ConnectionsOpen)
			}
		})
	}
}

func TestIdleTimeoutResetByActivity(t *testing.T) {
	// Generous margins: the machine running the tests may be busy, and a
	// late ping must not look like idleness.
	h := newHarness(t, defaultRoutes, nil, Options{IdleTimeout: time.Second})
	ws, id := h.dial(t)
	ctx := ws.CloseRead(t.Context())
	for range 10 { // 2 s of traffic, well past one idle timeout
		time.Sleep(200 * time.Millisecond)
		if err := ws.Ping(ctx); err != nil {
			t.Fatalf("connection closed despite activity: %v", err)
		}
	}
	if len(h.inv.find("DISCONNECT", id)) != 0 {
		t.Fatal("disconnected despite activity")
	}
	select {
	case <-ctx.Done(): // now idle: the gateway closes
	case <-time.After(5 * time.Second):
		t.Fatal("idle connection was not closed")
	}
	h.inv.waitFor(t, "DISCONNECT", id, 1)
}

func TestStats(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{})
	ws, id := h.dial(t)
	client := sdkClient(h)
	if err := postTo(t, client, id, "one"); err != nil {
		t.Fatal(err)
	}
	readText(t, ws)
	_ = postTo(t, client, "NoSuchConnect1=", "x")
	if err := ws.Write(t.Context(), websocket.MessageText, []byte(`{"action":"sendMessage"}`)); err != nil {
		t.Fatal(err)
	}
	h.inv.waitFor(t, "MESSAGE", id, 1)
	want := Stats{ConnectionsOpen: 1, FramesIn: 1, PushesPosted: 1, GoneAnswers: 1}
	if diff := cmp.Diff(want, h.gw.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestNewRejectsUnknownExpression(t *testing.T) {
	_, err := New(&template.WebSocketAPI{RouteSelectionExpression: "$request.header.x"}, &fakeInvoker{}, Options{})
	if err == nil {
		t.Error("New accepted an expression it cannot evaluate")
	}
}
