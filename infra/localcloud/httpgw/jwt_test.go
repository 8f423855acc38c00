package httpgw

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// issuer is an OIDC discovery + JWKS server holding one signing key.
type issuer struct {
	srv       *httptest.Server
	mu        sync.Mutex // guards key and kid, which rotation changes
	key       *rsa.PrivateKey
	kid       string
	jwksCalls atomic.Int64
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key, kid: "key-1"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/jwks.json"})
	})
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		is.jwksCalls.Add(1)
		is.mu.Lock()
		pub, kid := is.key.PublicKey, is.kid
		is.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) sign(t *testing.T, claims jwt.MapClaims, kid string, key *rsa.PrivateKey) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWTAuthorizer(t *testing.T) {
	is := newIssuer(t)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	base := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": is.srv.URL, "aud": "client-1", "sub": "agent-7", "name": "Ada",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix(),
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	signed := func(mod func(jwt.MapClaims)) string { return is.sign(t, base(mod), is.kid, is.key) }
	unsigned := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, base(nil))
		tok.Header["kid"] = is.kid
		s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	tests := []struct {
		name       string
		header     string // Authorization value; "" sends none
		wantStatus int
	}{
		{"valid with Bearer", "Bearer " + signed(nil), 200},
		{"valid without Bearer", signed(nil), 200},
		{"audience in a list", "Bearer " + signed(func(c jwt.MapClaims) { c["aud"] = []string{"x", "client-1"} }), 200},
		{"client_id accepted without aud", "Bearer " + signed(func(c jwt.MapClaims) { delete(c, "aud"); c["client_id"] = "client-1" }), 200},
		{"aud wins over client_id", "Bearer " + signed(func(c jwt.MapClaims) { c["aud"] = "other"; c["client_id"] = "client-1" }), 401},
		{"wrong issuer", "Bearer " + signed(func(c jwt.MapClaims) { c["iss"] = is.srv.URL + "/" }), 401},
		{"wrong audience", "Bearer " + signed(func(c jwt.MapClaims) { c["aud"] = "client-2" }), 401},
		{"expired", "Bearer " + signed(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }), 401},
		{"no exp", "Bearer " + signed(func(c jwt.MapClaims) { delete(c, "exp") }), 401},
		{"not yet valid", "Bearer " + signed(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() }), 401},
		{"issued in the future", "Bearer " + signed(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() }), 401},
		{"bad signature", "Bearer " + is.sign(t, base(nil), is.kid, otherKey), 401},
		{"alg none", "Bearer " + unsigned(), 401},
		{"unknown kid", "Bearer " + is.sign(t, base(nil), "key-2", is.key), 401},
		{"garbage", "Bearer not.a.jwt", 401},
		{"missing header", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			g := newGateway(t, &template.HTTPAPI{
				ID: "api1",
				Routes: []template.HTTPRoute{
					{Method: "GET", Path: "/agent/me", Function: "Agent", Authorizer: "AgentJwt"},
				},
				Authorizers: map[string]template.JWTAuthorizer{
					"AgentJwt": {Name: "AgentJwt", IdentitySource: "$request.header.Authorization", Issuer: is.srv.URL, Audience: []string{"client-1"}},
				},
			}, inv)
			req := httptest.NewRequestWithContext(t.Context(), "GET", "/agent/me", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp := serve(g, req)
			body := readBody(t, resp)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d (www-authenticate %q)", resp.StatusCode, tt.wantStatus, resp.Header.Get("Www-Authenticate"))
			}
			if tt.wantStatus == 401 {
				if body != `{"message":"Unauthorized"}` {
					t.Errorf("body = %s", body)
				}
				if inv.count() != 0 {
					t.Error("function invoked for an unauthorized request")
				}
				if got := g.Stats().Unauthorized; got != 1 {
					t.Errorf("Stats().Unauthorized = %d, want 1", got)
				}
				return
			}
			jwtDesc := inv.last(t).event.RequestContext.Authorizer.JWT
			if jwtDesc.Claims["sub"] != "agent-7" || jwtDesc.Claims["name"] != "Ada" {
				t.Errorf("claims = %v", jwtDesc.Claims)
			}
		})
	}
}

func TestJWTClaimsAndScopes(t *testing.T) {
	is := newIssuer(t)
	inv := &fakeInvoker{}
	g := newGateway(t, &template.HTTPAPI{
		ID: "api1",
		Routes: []template.HTTPRoute{
			{Method: "GET", Path: "/agent/me", Function: "Agent", Authorizer: "AgentJwt"},
			{Method: "GET", Path: "/widget/config", Function: "Widget", Authorizer: "NONE"},
		},
		Authorizers: map[string]template.JWTAuthorizer{
			"AgentJwt": {Name: "AgentJwt", Issuer: is.srv.URL, Audience: []string{"client-1"}},
		},
	}, inv)
	exp := time.Now().Add(time.Hour).Unix()
	tok := is.sign(t, jwt.MapClaims{
		"iss": is.srv.URL, "client_id": "client-1", "sub": "agent-7", "exp": exp,
		"cognito:groups": []string{"admins", "agents"}, "email_verified": true,
		"scope": "openid profile",
	}, is.kid, is.key)

	req := httptest.NewRequestWithContext(t.Context(), "GET", "/agent/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp := serve(g, req); resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	got := inv.last(t).event.RequestContext.Authorizer.JWT
	wantClaims := map[string]string{
		"iss": is.srv.URL, "client_id": "client-1", "sub": "agent-7", "exp": big.NewInt(exp).String(),
		"cognito:groups": "[admins agents]", "email_verified": "true", "scope": "openid profile",
	}
	if diff := cmp.Diff(wantClaims, got.Claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"openid", "profile"}, got.Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}

	// Keys are cached: a second request does not fetch the key set again.
	req = httptest.NewRequestWithContext(t.Context(), "GET", "/agent/me", nil)
	req.Header.Set("Authorization", tok)
	serve(g, req)
	if n := is.jwksCalls.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}

	// A public route takes no token and carries no authorizer.
	serve(g, httptest.NewRequestWithContext(t.Context(), "GET", "/widget/config", nil))
	if c := inv.last(t); c.function != "Widget" || c.event.RequestContext.Authorizer != nil {
		t.Errorf("public route: function %s, authorizer %+v", c.function, c.event.RequestContext.Authorizer)
	}
}

func TestJWTKeyRotation(t *testing.T) {
	is := newIssuer(t)
	inv := &fakeInvoker{}
	g := newGateway(t, &template.HTTPAPI{
		ID:     "api1",
		Routes: []template.HTTPRoute{{Method: "GET", Path: "/a", Function: "F", Authorizer: "A"}},
		Authorizers: map[string]template.JWTAuthorizer{
			"A": {Issuer: is.srv.URL, Audience: []string{"c"}},
		},
	}, inv)
	claims := jwt.MapClaims{"iss": is.srv.URL, "aud": "c", "exp": time.Now().Add(time.Hour).Unix()}
	do := func() int {
		req := httptest.NewRequestWithContext(t.Context(), "GET", "/a", nil)
		req.Header.Set("Authorization", "Bearer "+is.sign(t, claims, is.kid, is.key))
		return serve(g, req).StatusCode
	}
	if s := do(); s != 200 {
		t.Fatalf("before rotation: %d", s)
	}
	newKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is.mu.Lock()
	is.key, is.kid = newKey, "key-rotated"
	is.mu.Unlock()
	if s := do(); s != 200 {
		t.Fatalf("after rotation: %d, want the new kid fetched", s)
	}
	if n := is.jwksCalls.Load(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
	if !strings.Contains(inv.last(t).event.RequestContext.Authorizer.JWT.Claims["iss"], "127.0.0.1") {
		t.Error("claims missing after rotation")
	}
}
