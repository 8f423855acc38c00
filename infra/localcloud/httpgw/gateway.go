// Package httpgw serves an HTTP API from the SAM template the way API Gateway
// does: route selection, Lambda proxy payload format 2.0 in and out, JWT
// authorizers and CORS, so the functions run locally against the same event
// shapes they get in AWS.
package httpgw

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// Invoker runs a function of the template by logical id. An error means the
// function failed (crash, timeout, handler error).
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// Options configure a Gateway.
type Options struct {
	Region, AccountID string
	DomainName        string       // host:port clients use, for requestContext.domainName
	HTTPClient        *http.Client // fetches OIDC discovery documents and JWKS; http.DefaultClient when nil
	Logger            *slog.Logger
}

// Stats counts what the gateway answered.
type Stats struct {
	Requests     map[string]int64 // by route key ("GET /agent/me", "$default")
	NotFound     int64            // requests no route matched
	Unauthorized int64            // 401s from JWT authorizers
}

// maxBodyBytes is the HTTP API payload quota, 10 MB
// (http-api-quotas.html: "Payload size 10 MB").
const maxBodyBytes = 10 << 20

// Gateway is one HTTP API. It is an http.Handler that expects request paths as
// the API's route paths (mount it behind http.StripPrefix).
type Gateway struct {
	api         *template.HTTPAPI
	inv         Invoker
	opts        Options
	log         *slog.Logger
	router      *router
	authorizers map[string]*jwtAuthorizer

	mu    sync.Mutex
	stats Stats
}

// New compiles the API's routes and authorizers.
func New(api *template.HTTPAPI, inv Invoker, opts Options) (*Gateway, error) {
	if api == nil || inv == nil {
		return nil, errors.New("httpgw: api and invoker are required")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rr, err := newRouter(api.Routes)
	if err != nil {
		return nil, fmt.Errorf("httpgw: api %s: %w", api.LogicalID, err)
	}
	g := &Gateway{
		api:         api,
		inv:         inv,
		opts:        opts,
		log:         log.With("api", api.LogicalID),
		router:      rr,
		authorizers: map[string]*jwtAuthorizer{},
		stats:       Stats{Requests: map[string]int64{}},
	}
	for name, a := range api.Authorizers {
		if a.Name == "" {
			a.Name = name
		}
		ja, err := newJWTAuthorizer(a, opts.HTTPClient)
		if err != nil {
			return nil, fmt.Errorf("httpgw: api %s: %w", api.LogicalID, err)
		}
		g.authorizers[name] = ja
	}
	for _, rt := range rr.routes {
		if !public(rt.Authorizer) && g.authorizers[rt.Authorizer] == nil {
			return nil, fmt.Errorf("httpgw: api %s: route %s names unknown authorizer %q", api.LogicalID, rt.key, rt.Authorizer)
		}
	}
	return g, nil
}

func public(authorizer string) bool { return authorizer == "" || authorizer == "NONE" }

// Stats returns a copy of the counters.
func (g *Gateway) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Requests = maps.Clone(g.stats.Requests)
	return s
}

func (g *Gateway) count(f func(*Stats)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(&g.stats)
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	requestID := newID()
	// API Gateway names the request in every answer.
	w.Header().Set("Apigw-Requestid", requestID)

	if g.preflight(w, r) {
		return
	}
	g.corsHeaders(w.Header(), r)

	rt, params := g.router.find(r.Method, r.URL.EscapedPath())
	if rt == nil {
		g.count(func(s *Stats) { s.NotFound++ })
		writeMessage(w, http.StatusNotFound, "Not Found")
		return
	}
	g.count(func(s *Stats) { s.Requests[rt.key]++ })
	log := g.log.With("routeKey", rt.key, "requestId", requestID)

	var authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	if !public(rt.Authorizer) {
		jwtDesc, err := g.authorizers[rt.Authorizer].authorize(r.Context(), r)
		if err != nil {
			g.count(func(s *Stats) { s.Unauthorized++ })
			log.Info("jwt authorizer refused request", "authorizer", rt.Authorizer, "reason", err.Error())
			// The troubleshooting guide shows this header on every refusal
			// (http-api-troubleshooting-jwt.html).
			w.Header().Set("Www-Authenticate", fmt.Sprintf(`Bearer scope="" error="invalid_token" error_description=%q`, reasonOf(err)))
			writeMessage(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		authz = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: jwtDesc}
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		log.Info("read request body", "err", err)
		writeMessage(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > maxBodyBytes {
		writeMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}

	ev := g.event(r, rt, params, authz, body, requestID, now)
	payload, err := json.Marshal(ev)
	if err != nil {
		log.Error("encode event", "err", err)
		writeMessage(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	// A function that fails (error, crash, timeout) or answers in the wrong
	// shape is a bad gateway: 502, with API Gateway's generic body
	// (services-apigateway-errors.html in the Lambda guide).
	out, err := g.inv.Invoke(r.Context(), rt.Function, payload)
	if err != nil {
		log.Error("function failed", "function", rt.Function, "err", err)
		writeMessage(w, http.StatusBadGateway, "Internal Server Error")
		return
	}
	resp, err := parseResponse(out)
	if err != nil {
		log.Error("malformed function response", "function", rt.Function, "err", err)
		writeMessage(w, http.StatusBadGateway, "Internal Server Error")
		return
	}
	g.writeResponse(w, r, resp)
}

// reasonOf strips the sentinel from an authorizer error for www-authenticate.
func reasonOf(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, errUnauthorized.Error()+": ")
}

// event builds the payload format 2.0 request, following the structure in
// "Create AWS Lambda proxy integrations for HTTP APIs"
// (http-api-develop-integrations-lambda.html).
func (g *Gateway) event(r *http.Request, rt *route, params map[string]string,
	authz *events.APIGatewayV2HTTPRequestContextAuthorizerDescription, body []byte, requestID string, now time.Time,
) events.APIGatewayV2HTTPRequest {
	sourceIP := clientIP(r)
	headers := map[string]string{}
	var cookies []string
	for name, values := range r.Header {
		lname := strings.ToLower(name)
		if lname == "cookie" {
			// "All cookie headers in the request are combined with commas and
			// added to the cookies field"; they are not repeated in headers.
			for _, v := range values {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		// "Duplicate headers are combined with commas."
		headers[lname] = strings.Join(values, ",")
	}
	headers["host"] = r.Host
	if len(body) > 0 || r.ContentLength > 0 {
		headers["content-length"] = fmt.Sprint(len(body))
	}
	headers["x-forwarded-for"] = sourceIP
	headers["x-forwarded-proto"] = scheme(r)
	headers["x-forwarded-port"] = port(r)
	headers["x-amzn-trace-id"] = traceID(now)

	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = make(map[string]string, len(q))
		for k, vs := range q {
			// "Duplicate query strings are combined with commas."
			query[k] = strings.Join(vs, ",")
		}
	}

	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.key,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.key,
			AccountID:    g.opts.AccountID,
			Stage:        "$default",
			RequestID:    requestID,
			Authorizer:   authz,
			APIID:        g.api.ID,
			DomainName:   g.opts.DomainName,
			DomainPrefix: domainPrefix(g.opts.DomainName),
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.EscapedPath(),
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// isText reports whether API Gateway passes a body of this content type as
// text. HTTP APIs base64-encode everything else, including form posts and
// requests without a content type.
func isText(contentType string) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	switch {
	case ct == "":
		return false
	case strings.HasPrefix(ct, "text/"),
		ct == "application/json", strings.HasSuffix(ct, "+json"),
		ct == "application/xml", strings.HasSuffix(ct, "+xml"),
		ct == "application/javascript", ct == "application/graphql":
		return true
	}
	return false
}

// response is a format 2.0 Lambda response after API Gateway's defaults.
type response struct {
	status  int
	headers http.Header
	cookies []string
	body    []byte
}

// parseResponse interprets a function's output as API Gateway does for
// payload format 2.0: "If your Lambda function returns valid JSON and doesn't
// return a statusCode, API Gateway assumes: isBase64Encoded is false,
// statusCode is 200, content-type is application/json, body is the function's
// response." (http-api-develop-integrations-lambda.html).
func parseResponse(out []byte) (*response, error) {
	if !json.Valid(out) {
		return nil, errors.New("output is not JSON")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(out, &fields); err != nil || fields["statusCode"] == nil {
		return &response{
			status:  http.StatusOK,
			headers: http.Header{"Content-Type": {"application/json"}},
			body:    out,
		}, nil
	}
	var v struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              *string             `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
		Cookies           []string            `json:"cookies"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	if v.StatusCode < 100 || v.StatusCode > 599 {
		return nil, fmt.Errorf("invalid statusCode %d", v.StatusCode)
	}
	resp := &response{status: v.StatusCode, headers: http.Header{}, cookies: v.Cookies}
	for k, vs := range v.MultiValueHeaders {
		resp.headers.Set(k, strings.Join(vs, ","))
	}
	for k, val := range v.Headers {
		if prev := resp.headers.Get(k); prev != "" {
			val = prev + "," + val
		}
		resp.headers.Set(k, val)
	}
	if v.Body != nil {
		if v.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*v.Body)
			if err != nil {
				return nil, fmt.Errorf("decode base64 body: %w", err)
			}
			resp.body = b
		} else {
			resp.body = []byte(*v.Body)
		}
	}
	return resp, nil
}

func (g *Gateway) writeResponse(w http.ResponseWriter, r *http.Request, resp *response) {
	h := w.Header()
	for k, vs := range resp.headers {
		// With CORS configured, "API Gateway ignores CORS headers returned
		// from your backend integration" (http-api-cors.html).
		if g.api.CORS != nil && strings.HasPrefix(strings.ToLower(k), "access-control-") {
			continue
		}
		h[k] = vs
	}
	// "In the response to the client, each cookie becomes a set-cookie header."
	for _, c := range resp.cookies {
		h.Add("Set-Cookie", c)
	}
	if h.Get("Content-Type") == "" {
		// API Gateway does not sniff; keep net/http from guessing one.
		h["Content-Type"] = nil
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"message": msg})
	_, _ = w.Write(b)
}

// newID makes an id shaped like API Gateway's request ids ("JKJaXmPLvHcESHA="):
// fifteen base64 characters and a pad.
func newID() string {
	b := make([]byte, 11)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// traceID is an X-Ray style trace header, as API Gateway adds to requests.
func traceID(now time.Time) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("Root=1-%08x-%x", now.Unix(), b)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func port(r *http.Request) string {
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		return p
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

// domainPrefix is the first label of the host, as in requestContext.domainPrefix.
func domainPrefix(domain string) string {
	host := domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return prefix
}
