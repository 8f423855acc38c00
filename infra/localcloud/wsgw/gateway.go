// Package wsgw serves a WebSocket API from the SAM template the way API
// Gateway does: $connect/$disconnect/message routes chosen by the route
// selection expression, Lambda proxy events, API Gateway's limits and error
// frames, and the @connections management API that functions push through.
package wsgw

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// Invoker runs a function of the template by logical id. An error means the
// function failed (crash, timeout, handler error).
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// Options configure a Gateway. Zero limits take API Gateway's quotas
// ("Quotas for configuring and running a WebSocket API",
// apigateway-execution-service-websocket-limits-table.html).
type Options struct {
	Region, AccountID     string
	DomainName            string        // host:port clients connect to, for requestContext.domainName
	IdleTimeout           time.Duration // default 10 minutes
	MaxConnectionDuration time.Duration // default 2 hours
	MaxMessageBytes       int           // default 128 KiB
	MaxFrameBytes         int           // default 32 KiB
	Logger                *slog.Logger
}

// Stats counts what the gateway did.
type Stats struct {
	ConnectionsOpen int   // sockets open now
	FramesIn        int64 // data messages received from clients
	PushesPosted    int64 // @connections POSTs delivered
	GoneAnswers     int64 // @connections answers 410 Gone
}

// Gateway is one stage of a WebSocket API.
type Gateway struct {
	api  *template.WebSocketAPI
	inv  Invoker
	opts Options
	log  *slog.Logger
	// selectPath is the JSON path of $request.body.<path>; nil when the
	// expression cannot select from the body, so every message goes to $default.
	selectPath []string

	mu     sync.Mutex
	conns  map[string]*connection
	closed bool
	wg     sync.WaitGroup // connection handlers and message invocations

	framesIn, pushes, gone atomic.Int64

	// Fault injection (faults.go).
	dropDisconnect atomic.Bool
	dropped        atomic.Int64
	// viewerCountry: see SetViewerCountry.
	viewerCountry atomic.Value
}

// New prepares the gateway for the API's routes.
func New(api *template.WebSocketAPI, inv Invoker, opts Options) (*Gateway, error) {
	if api == nil || inv == nil {
		return nil, errors.New("wsgw: api and invoker are required")
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 10 * time.Minute
	}
	if opts.MaxConnectionDuration <= 0 {
		opts.MaxConnectionDuration = 2 * time.Hour
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 128 << 10
	}
	if opts.MaxFrameBytes <= 0 {
		opts.MaxFrameBytes = 32 << 10
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{
		api:   api,
		inv:   inv,
		opts:  opts,
		log:   log.With("api", api.LogicalID),
		conns: map[string]*connection{},
	}
	expr := api.RouteSelectionExpression
	if path, ok := strings.CutPrefix(expr, "$request.body."); ok && path != "" {
		g.selectPath = strings.Split(path, ".")
	} else if expr != "" && expr != "${request.body.action}" {
		return nil, fmt.Errorf("wsgw: api %s: unsupported route selection expression %q", api.LogicalID, expr)
	}
	if expr == "${request.body.action}" {
		g.selectPath = []string{"action"}
	}
	return g, nil
}

// Stats returns the counters.
func (g *Gateway) Stats() Stats {
	g.mu.Lock()
	open := len(g.conns)
	g.mu.Unlock()
	return Stats{
		ConnectionsOpen: open,
		FramesIn:        g.framesIn.Load(),
		PushesPosted:    g.pushes.Load(),
		GoneAnswers:     g.gone.Load(),
	}
}

// Close closes every socket with 1001 "Going away", as API Gateway does when
// it ends a connection, and returns once each connection's $disconnect
// invocation and every running message invocation finished. New connections
// are refused from then on.
func (g *Gateway) Close() {
	g.mu.Lock()
	g.closed = true
	conns := make([]*connection, 0, len(g.conns))
	for _, c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.closeWith(websocket.StatusGoingAway, "Going away")
	}
	g.wg.Wait()
}

func (g *Gateway) lookup(id string) *connection {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conns[id]
}

// ServeHTTP is the WebSocket endpoint: it runs $connect, upgrades when the
// function allows it, and serves the connection until it closes.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isUpgrade(r) {
		writeMessage(w, http.StatusUpgradeRequired, "Upgrade Required")
		return
	}
	g.mu.Lock()
	closed := g.closed
	if !closed {
		g.wg.Add(1)
	}
	g.mu.Unlock()
	if closed {
		writeMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	defer g.wg.Done()

	now := time.Now()
	c := &connection{
		gw:          g,
		id:          newID(),
		connectedAt: now,
		sourceIP:    clientIP(r),
		userAgent:   r.UserAgent(),
		ready:       make(chan struct{}),
		done:        make(chan struct{}),
	}
	c.touch()
	log := g.log.With("connectionId", c.id)
	// Invocations outlive the upgrade request, as they do in AWS.
	ctx := context.WithoutCancel(r.Context())

	var subprotocols []string
	if fn, ok := g.api.Routes["$connect"]; ok {
		status, sub, err := g.connect(ctx, fn, c, r, now)
		if err != nil {
			log.Error("$connect failed", "function", fn, "err", err)
			// A failing $connect integration refuses the handshake with 500.
			writeMessage(w, http.StatusInternalServerError, "Internal server error")
			return
		}
		if status < 200 || status > 299 {
			log.Info("$connect refused", "status", status)
			w.WriteHeader(status)
			return
		}
		if sub != "" {
			subprotocols = []string{sub}
		}
	}

	// The connection is registered before the handshake completes: a client
	// that has seen the 101 can be pushed to at once. Until the socket
	// exists, pushes and closes wait on c.ready.
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		writeMessage(w, http.StatusGone, "Gone")
		g.disconnect(ctx, c, int(websocket.StatusGoingAway), "Going away")
		return
	}
	g.conns[c.id] = c
	g.mu.Unlock()

	guard := &frameGuard{
		maxFrame:   int64(g.opts.MaxFrameBytes),
		maxMessage: int64(g.opts.MaxMessageBytes),
		onFrame:    c.touch,
	}
	ws, err := websocket.Accept(&guardedWriter{ResponseWriter: w, guard: guard}, r, &websocket.AcceptOptions{
		// API Gateway echoes the subprotocol only when $connect returns a
		// Sec-WebSocket-Protocol header, and it checks no Origin.
		Subprotocols:       subprotocols,
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		c.closing.Store(true)
		close(c.ready)
		g.mu.Lock()
		delete(g.conns, c.id)
		g.mu.Unlock()
		log.Info("websocket upgrade failed", "err", err)
		g.disconnect(ctx, c, int(websocket.StatusAbnormalClosure), "Connection closed abnormally")
		return
	}
	// The guard enforces the message limit with API Gateway's close reason;
	// the library's own limit stays as a backstop just above it.
	ws.SetReadLimit(int64(g.opts.MaxMessageBytes) + 1)
	c.ws = ws
	c.guard = guard
	close(c.ready)
	log.Info("connected")

	code, reason := c.serve(ctx)

	g.mu.Lock()
	delete(g.conns, c.id)
	g.mu.Unlock()
	log.Info("disconnected", "code", code, "reason", reason)
	g.disconnect(ctx, c, code, reason)
}

// connect invokes $connect and returns the status it answered and the
// subprotocol to echo.
func (g *Gateway) connect(ctx context.Context, fn string, c *connection, r *http.Request, now time.Time) (int, string, error) {
	ev := g.baseEvent(c, "$connect", "CONNECT", now)
	headers, multi := requestHeaders(r, c.sourceIP)
	if country := g.ViewerCountry(); country != "" {
		headers["CloudFront-Viewer-Country"], multi["CloudFront-Viewer-Country"] = country, []string{country}
	}
	ev.Headers, ev.MultiValueHeaders = headers, multi
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		ev.MultiValueQueryStringParameters = map[string][]string(q)
		for k, vs := range q {
			// Like REST proxy events, the single-value map keeps the last value.
			ev.QueryStringParameters[k] = vs[len(vs)-1]
		}
	}
	out, err := g.invoke(ctx, fn, ev)
	if err != nil {
		return 0, "", err
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return 0, "", fmt.Errorf("decode $connect response: %w", err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return 0, "", fmt.Errorf("$connect response has invalid statusCode %d", resp.StatusCode)
	}
	return resp.StatusCode, headerValue(resp, "Sec-WebSocket-Protocol"), nil
}

// disconnect invokes $disconnect; API Gateway calls it once per connection,
// best effort, after the socket is gone.
func (g *Gateway) disconnect(ctx context.Context, c *connection, code int, reason string) {
	fn, ok := g.api.Routes["$disconnect"]
	if !ok {
		return
	}
	if g.dropDisconnect.Load() {
		g.dropped.Add(1)
		g.log.Info("$disconnect dropped (fault injection)", "connectionId", c.id)
		return
	}
	ev := g.baseEvent(c, "$disconnect", "DISCONNECT", time.Now())
	ev.Headers = map[string]string{"Host": g.opts.DomainName, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
	ev.MultiValueHeaders = map[string][]string{"Host": {g.opts.DomainName}, "x-api-key": {""}, "X-Forwarded-For": {""}, "x-restapi": {""}}
	ev.RequestContext.DisconnectStatusCode = int64(code)
	ev.RequestContext.DisconnectReason = &reason
	if _, err := g.invoke(ctx, fn, ev); err != nil {
		g.log.Error("$disconnect failed", "connectionId", c.id, "function", fn, "err", err)
	}
}

// message routes one client message and invokes its function. Routes have no
// route response, so the function's result is not sent back.
func (g *Gateway) message(ctx context.Context, c *connection, typ websocket.MessageType, data []byte) {
	now := time.Now()
	routeKey, fn, ok := g.selectRoute(typ, data)
	ev := g.baseEvent(c, routeKey, "MESSAGE", now)
	ev.RequestContext.MessageID = newID()
	if typ == websocket.MessageBinary {
		ev.Body = base64Std(data)
		ev.IsBase64Encoded = true
	} else {
		ev.Body = string(data)
	}
	log := g.log.With("connectionId", c.id, "routeKey", routeKey, "requestId", ev.RequestContext.RequestID)
	if !ok {
		// With no matching route and no $default, API Gateway answers the
		// sender with {"message": "Forbidden", ...} (see
		// aws-samples/simple-websockets-chat-app issue #24).
		log.Info("no route for message")
		c.sendErrorFrame(ctx, "Forbidden", ev.RequestContext.RequestID)
		return
	}
	if _, err := g.invoke(ctx, fn, ev); err != nil {
		log.Error("function failed", "function", fn, "err", err)
		c.sendErrorFrame(ctx, "Internal server error", ev.RequestContext.RequestID)
	}
}

// selectRoute evaluates $request.body.<path> as API Gateway does: "API
// Gateway calls the $default route if the route selection expression cannot
// be evaluated against the message or if no matching route is found"
// (websocket-api-develop-routes.html).
func (g *Gateway) selectRoute(typ websocket.MessageType, data []byte) (routeKey, fn string, ok bool) {
	if key := g.selectKey(typ, data); key != "" && !strings.HasPrefix(key, "$") {
		if fn, ok := g.api.Routes[key]; ok {
			return key, fn, true
		}
	}
	fn, ok = g.api.Routes["$default"]
	return "$default", fn, ok
}

func (g *Gateway) selectKey(typ websocket.MessageType, data []byte) string {
	if g.selectPath == nil || typ != websocket.MessageText {
		return ""
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return ""
	}
	for _, p := range g.selectPath {
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = obj[p]
	}
	s, _ := v.(string)
	return s
}

// baseEvent fills what every WebSocket proxy event carries.
func (g *Gateway) baseEvent(c *connection, routeKey, eventType string, now time.Time) events.APIGatewayWebsocketProxyRequest {
	return events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey:          routeKey,
			EventType:         eventType,
			ExtendedRequestID: newID(),
			RequestTime:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			MessageDirection:  "IN",
			Stage:             g.api.StageName,
			ConnectedAt:       c.connectedAt.UnixMilli(),
			RequestTimeEpoch:  now.UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  c.sourceIP,
				UserAgent: c.userAgent,
			},
			RequestID:    newID(),
			DomainName:   g.opts.DomainName,
			ConnectionID: c.id,
			APIID:        g.api.ID,
			AccountID:    g.opts.AccountID,
		},
	}
}

func (g *Gateway) invoke(ctx context.Context, fn string, ev events.APIGatewayWebsocketProxyRequest) ([]byte, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", ev.RequestContext.RouteKey, err)
	}
	out, err := g.inv.Invoke(ctx, fn, payload)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", fn, err)
	}
	return out, nil
}

// requestHeaders renders the upgrade request's headers as API Gateway does
// for $connect: canonical names, with the X-Forwarded-* headers it adds.
func requestHeaders(r *http.Request, sourceIP string) (map[string]string, map[string][]string) {
	multi := map[string][]string{}
	for k, vs := range r.Header {
		multi[k] = vs
	}
	multi["Host"] = []string{r.Host}
	multi["X-Forwarded-For"] = []string{sourceIP}
	multi["X-Forwarded-Proto"] = []string{"http"}
	if r.TLS != nil {
		multi["X-Forwarded-Proto"] = []string{"https"}
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		multi["X-Forwarded-Port"] = []string{p}
	}
	single := make(map[string]string, len(multi))
	for k, vs := range multi {
		single[k] = vs[len(vs)-1]
	}
	return single, multi
}

func headerValue(resp events.APIGatewayProxyResponse, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return strings.Join(vs, ", ")
		}
	}
	return ""
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(b)
}

// idAlphabet keeps ids shaped like API Gateway's ("L0SM9cOFvHcCIhw=") but
// without "/" and "+", so they survive unescaped in @connections paths.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func newID() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b) + "="
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
