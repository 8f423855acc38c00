package oidc

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

const (
	clientID    = "parley-inbox"
	redirectURI = "http://localhost:3000/inbox/"
	verifier    = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-local-test"
)

var alice = DemoAgents()[0]

type harness struct {
	issuer *Issuer
	base   string // issuer URL
	client *http.Client
}

// newHarness mounts an issuer below /oidc, as the local cloud does.
func newHarness(t *testing.T) *harness {
	t.Helper()
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	iss, err := New(srv.URL+"/oidc", clientID, DemoAgents(), DefaultPasswordPolicy())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/oidc/", http.StripPrefix("/oidc", iss))
	h = mux
	return &harness{
		issuer: iss,
		base:   srv.URL + "/oidc",
		// A browser would follow the redirect to the client; the test reads it.
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

func challengeOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func authParams() url.Values {
	return url.Values{
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"response_type":         {"code"},
		"scope":                 {"openid email profile"},
		"state":                 {"state-123"},
		"nonce":                 {"nonce-456"},
		"code_challenge":        {challengeOf(verifier)},
		"code_challenge_method": {"S256"},
	}
}

func (h *harness) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

func (h *harness) get(t *testing.T, rawURL string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h.do(t, req)
}

func (h *harness) postForm(t *testing.T, rawURL string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(t, req)
}

// signIn posts the sign-in form with the given credentials and returns the
// redirect it answers with.
func (h *harness) signIn(t *testing.T, params, creds url.Values) *url.URL {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	for k, v := range creds {
		form[k] = v
	}
	resp, body := h.postForm(t, h.base+"/authorize", form)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST /authorize: status %d, body %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("Location: %v", err)
	}
	return loc
}

// code runs the browser part of the flow for alice and returns the code.
func (h *harness) code(t *testing.T) string {
	t.Helper()
	loc := h.signIn(t, authParams(), url.Values{"agent": {alice.Sub}})
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("redirect %s carries no code", loc)
	}
	return code
}

func (h *harness) exchange(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, body := h.postForm(t, h.base+"/token", form)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("token response %q: %v", body, err)
	}
	return resp.StatusCode, out
}

func codeForm(code, v string) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "client_id": {clientID}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {v},
	}
}

// keyfunc verifies tokens against the issuer's published JWKS, as an
// independent relying party would.
func (h *harness) keyfunc(t *testing.T) jwt.Keyfunc {
	t.Helper()
	_, body := h.get(t, h.base+"/jwks.json")
	var set struct {
		Keys []struct{ Kty, Kid, Alg, Use, N, E string }
	}
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %s: %v", body, err)
	}
	k := set.Keys[0]
	n, errN := base64.RawURLEncoding.DecodeString(k.N)
	e, errE := base64.RawURLEncoding.DecodeString(k.E)
	if errN != nil || errE != nil || k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Kid == "" {
		t.Fatalf("jwks key %+v unusable", k)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	return func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != k.Kid {
			return nil, fmt.Errorf("unknown kid %v", tok.Header["kid"])
		}
		return pub, nil
	}
}

func (h *harness) verify(t *testing.T, raw string, opts ...jwt.ParserOption) jwt.MapClaims {
	t.Helper()
	opts = append(opts, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(h.base), jwt.WithExpirationRequired())
	tok, err := jwt.Parse(raw, h.keyfunc(t), opts...)
	if err != nil {
		t.Fatalf("verify token: %v", err)
	}
	return tok.Claims.(jwt.MapClaims)
}

func TestCodeFlowWithPKCE(t *testing.T) {
	h := newHarness(t)

	_, body := h.get(t, h.base+"/.well-known/openid-configuration")
	var disc struct {
		Issuer          string   `json:"issuer"`
		Authorization   string   `json:"authorization_endpoint"`
		Token           string   `json:"token_endpoint"`
		JWKS            string   `json:"jwks_uri"`
		UserInfo        string   `json:"userinfo_endpoint"`
		ResponseTypes   []string `json:"response_types_supported"`
		ChallengeMethod []string `json:"code_challenge_methods_supported"`
		SigningAlgs     []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal(body, &disc); err != nil {
		t.Fatalf("discovery: %v", err)
	}
	wantDisc := disc
	wantDisc.Issuer, wantDisc.Authorization, wantDisc.Token = h.base, h.base+"/authorize", h.base+"/token"
	wantDisc.JWKS, wantDisc.UserInfo = h.base+"/jwks.json", h.base+"/userinfo"
	wantDisc.ResponseTypes, wantDisc.ChallengeMethod, wantDisc.SigningAlgs = []string{"code"}, []string{"S256"}, []string{"RS256"}
	if diff := cmp.Diff(wantDisc, disc); diff != "" {
		t.Errorf("discovery (-want +got):\n%s", diff)
	}

	resp, page := h.get(t, disc.Authorization+"?"+authParams().Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET authorize: status %d: %s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("sign-in page CSP = %q, want default-src 'none'", csp)
	}
	for _, want := range []string{"Alice Moreau", "ben@demo.parley.local", "Chiara Bianchi", `name="code_challenge" value="` + challengeOf(verifier) + `"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	if strings.Contains(string(page), "<script") || strings.Contains(string(page), "style=") {
		t.Error("sign-in page has inline script or style")
	}

	loc := h.signIn(t, authParams(), url.Values{"agent": {alice.Sub}})
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Errorf("redirected to %s, want %s", got, redirectURI)
	}
	if got := loc.Query().Get("state"); got != "state-123" {
		t.Errorf("state = %q, want state-123", got)
	}

	status, tokens := h.exchange(t, codeForm(loc.Query().Get("code"), verifier))
	if status != http.StatusOK {
		t.Fatalf("token exchange: %d %v", status, tokens)
	}
	if tokens["token_type"] != "Bearer" || tokens["expires_in"] != float64(3600) || tokens["refresh_token"] == "" {
		t.Errorf("token response = %v", tokens)
	}

	id := h.verify(t, tokens["id_token"].(string), jwt.WithAudience(clientID))
	gotID := map[string]any{}
	for _, k := range []string{"sub", "email", "name", "token_use", "nonce", "cognito:groups"} {
		gotID[k] = id[k]
	}
	wantID := map[string]any{
		"sub": alice.Sub, "email": "alice@demo.parley.local", "name": "Alice Moreau", "token_use": "id",
		"nonce": "nonce-456", "cognito:groups": []any{"admins"},
	}
	if diff := cmp.Diff(wantID, gotID); diff != "" {
		t.Errorf("ID token claims (-want +got):\n%s", diff)
	}
	for _, k := range []string{"auth_time", "iat", "exp"} {
		if _, ok := id[k].(float64); !ok {
			t.Errorf("ID token lacks numeric %s: %v", k, id[k])
		}
	}

	access := h.verify(t, tokens["access_token"].(string))
	gotAccess := map[string]any{"client_id": access["client_id"], "token_use": access["token_use"], "scope": access["scope"], "username": access["username"], "aud": access["aud"]}
	wantAccess := map[string]any{"client_id": clientID, "token_use": "access", "scope": "openid email profile", "username": alice.Sub, "aud": nil}
	if diff := cmp.Diff(wantAccess, gotAccess); diff != "" {
		t.Errorf("access token claims (-want +got):\n%s", diff)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, disc.UserInfo, nil)
	req.Header.Set("Authorization", "Bearer "+tokens["access_token"].(string))
	resp, body = h.do(t, req)
	var info map[string]any
	if err := json.Unmarshal(body, &info); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("userinfo: %d %s", resp.StatusCode, body)
	}
	if info["sub"] != alice.Sub || info["email"] != alice.Email {
		t.Errorf("userinfo = %v", info)
	}

	status, refreshed := h.exchange(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {tokens["refresh_token"].(string)}})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, refreshed)
	}
	if sub := h.verify(t, refreshed["id_token"].(string), jwt.WithAudience(clientID))["sub"]; sub != alice.Sub {
		t.Errorf("refreshed ID token sub = %v", sub)
	}
	if _, ok := refreshed["refresh_token"]; ok {
		t.Error("refresh answered a new refresh token; Cognito keeps the old one")
	}
}

func TestPasswordSignIn(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, email, password string
		wantSub               string // "" when refused
	}{
		{name: "right password", email: "ben@demo.parley.local", password: "demo", wantSub: DemoAgents()[1].Sub},
		{name: "email in another case", email: "Chiara@Demo.Parley.Local", password: "demo", wantSub: DemoAgents()[2].Sub},
		{name: "wrong password", email: "ben@demo.parley.local", password: "nope"},
		{name: "unknown email", email: "eve@demo.parley.local", password: "demo"},
		{name: "empty password", email: "ben@demo.parley.local", password: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := authParams()
			form.Set("email", tc.email)
			form.Set("password", tc.password)
			resp, body := h.postForm(t, h.base+"/authorize", form)
			if tc.wantSub == "" {
				if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Incorrect email or password") {
					t.Errorf("status %d, want 401 with the sign-in page and an error", resp.StatusCode)
				}
				return
			}
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			_, tokens := h.exchange(t, codeForm(loc.Query().Get("code"), verifier))
			if sub := h.verify(t, tokens["id_token"].(string))["sub"]; sub != tc.wantSub {
				t.Errorf("sub = %v, want %s", sub, tc.wantSub)
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name string
		form func(t *testing.T) url.Values
		want string
	}{
		{name: "wrong verifier", want: "invalid_grant", form: func(t *testing.T) url.Values {
			return codeForm(h.code(t), strings.Repeat("x", 43))
		}},
		{name: "reused code", want: "invalid_grant", form: func(t *testing.T) url.Values {
			code := h.code(t)
			if status, out := h.exchange(t, codeForm(code, verifier)); status != http.StatusOK {
				t.Fatalf("first use: %d %v", status, out)
			}
			return codeForm(code, verifier)
		}},
		{name: "code after a failed attempt", want: "invalid_grant", form: func(t *testing.T) url.Values {
			code := h.code(t)
			h.exchange(t, codeForm(code, strings.Repeat("y", 43)))
			return codeForm(code, verifier)
		}},
		{name: "expired code", want: "invalid_grant", form: func(t *testing.T) url.Values {
			code := h.code(t)
			h.issuer.skew.Store(int64(61 * time.Second))
			t.Cleanup(func() { h.issuer.skew.Store(0) })
			return codeForm(code, verifier)
		}},
		{name: "other redirect uri", want: "invalid_grant", form: func(t *testing.T) url.Values {
			f := codeForm(h.code(t), verifier)
			f.Set("redirect_uri", "http://localhost:3000/other/")
			return f
		}},
		{name: "unknown client", want: "invalid_client", form: func(t *testing.T) url.Values {
			f := codeForm(h.code(t), verifier)
			f.Set("client_id", "someone-else")
			return f
		}},
		{name: "unknown refresh token", want: "invalid_grant", form: func(*testing.T) url.Values {
			return url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "refresh_token": {"forged"}}
		}},
		{name: "password grant", want: "unsupported_grant_type", form: func(*testing.T) url.Values {
			return url.Values{"grant_type": {"password"}, "client_id": {clientID}, "username": {alice.Email}, "password": {"demo"}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := h.exchange(t, tc.form(t))
			if status != http.StatusBadRequest || out["error"] != tc.want || out["error_description"] == "" {
				t.Errorf("got %d %v, want 400 %s with a description", status, out, tc.want)
			}
		})
	}
}

func TestAuthorizeErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		change func(url.Values)
		// Errors before the redirect URI is trusted are shown (400);
		// later ones go back to the client (302 with error and state).
		wantStatus int
		wantError  string
	}{
		{name: "unknown client", change: func(v url.Values) { v.Set("client_id", "evil") }, wantStatus: 400, wantError: "invalid_client"},
		{name: "foreign redirect", change: func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, wantStatus: 400, wantError: "invalid_request"},
		{name: "https redirect on localhost", change: func(v url.Values) { v.Set("redirect_uri", "https://localhost/cb") }, wantStatus: 400, wantError: "invalid_request"},
		{name: "lookalike host", change: func(v url.Values) { v.Set("redirect_uri", "http://localhost.evil.example/cb") }, wantStatus: 400, wantError: "invalid_request"},
		{name: "token response type", change: func(v url.Values) { v.Set("response_type", "token") }, wantStatus: 302, wantError: "unsupported_response_type"},
		{name: "no PKCE", change: func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, wantStatus: 302, wantError: "invalid_request"},
		{name: "plain PKCE", change: func(v url.Values) { v.Set("code_challenge_method", "plain") }, wantStatus: 302, wantError: "invalid_request"},
		{name: "unknown scope", change: func(v url.Values) { v.Set("scope", "openid admin") }, wantStatus: 302, wantError: "invalid_scope"},
	}
	for _, tc := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				params := authParams()
				tc.change(params)
				var resp *http.Response
				var body []byte
				if method == http.MethodGet {
					resp, body = h.get(t, h.base+"/authorize?"+params.Encode())
				} else {
					params.Set("agent", alice.Sub)
					resp, body = h.postForm(t, h.base+"/authorize", params)
				}
				if resp.StatusCode != tc.wantStatus {
					t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.wantStatus, body)
				}
				var got oauthError
				if tc.wantStatus == http.StatusFound {
					loc, _ := url.Parse(resp.Header.Get("Location"))
					if !strings.HasPrefix(loc.String(), redirectURI) || loc.Query().Get("state") != "state-123" || loc.Query().Has("code") {
						t.Errorf("redirect %s, want the client's URI with state and no code", loc)
					}
					got = oauthError{Code: loc.Query().Get("error"), Description: loc.Query().Get("error_description")}
				} else {
					if resp.Header.Get("Location") != "" {
						t.Errorf("redirected to %s despite an untrusted request", resp.Header.Get("Location"))
					}
					if err := json.Unmarshal(body, &got); err != nil {
						t.Fatalf("error body %s: %v", body, err)
					}
				}
				if got.Code != tc.wantError || got.Description == "" {
					t.Errorf("error = %+v, want %s with a description", got, tc.wantError)
				}
			})
		}
	}
}

func TestSignInPageEscapesInput(t *testing.T) {
	h := newHarness(t)
	hostile := `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	params := authParams()
	params.Set("state", hostile)
	params.Set("nonce", `</title><script>`)
	resp, page := h.get(t, h.base+"/authorize?"+params.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, bad := range []string{"<script", "<img", "</title><"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("sign-in page contains unescaped %q", bad)
		}
	}
	if want := `name="state" value="&#34;&gt;&lt;script&gt;`; !strings.Contains(string(page), want) {
		t.Errorf("sign-in page lacks the escaped state %q", want)
	}
	// The value still round-trips intact to the client.
	loc := h.signIn(t, params, url.Values{"agent": {alice.Sub}})
	if got := loc.Query().Get("state"); got != hostile {
		t.Errorf("state after sign-in = %q, want %q", got, hostile)
	}
}

func TestMint(t *testing.T) {
	h := newHarness(t)
	id, err := h.issuer.Mint(alice.Sub, time.Minute)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	claims := h.verify(t, id, jwt.WithAudience(clientID))
	if claims["email"] != alice.Email || claims["token_use"] != "id" {
		t.Errorf("minted ID token claims = %v", claims)
	}
	access, err := h.issuer.MintAccess(alice.Sub, time.Minute)
	if err != nil {
		t.Fatalf("MintAccess: %v", err)
	}
	if claims := h.verify(t, access); claims["client_id"] != clientID || claims["token_use"] != "access" {
		t.Errorf("minted access token claims = %v", claims)
	}

	expired, err := h.issuer.Mint(alice.Sub, -time.Minute)
	if err != nil {
		t.Fatalf("Mint expired: %v", err)
	}
	if _, err := jwt.Parse(expired, h.keyfunc(t)); !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("token minted with a negative ttl: err = %v, want ErrTokenExpired", err)
	}
	if _, err := h.issuer.Mint("nobody", time.Minute); err == nil {
		t.Error("Mint for an unknown agent succeeded")
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, h.base+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+id) // an ID token is not an access token
	if resp, _ := h.do(t, req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("userinfo with an ID token: status %d, want 401", resp.StatusCode)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name, issuer, client string
		agents               []Agent
	}{
		{name: "relative issuer", issuer: "/oidc", client: clientID},
		{name: "issuer with query", issuer: "http://127.0.0.1:3000/oidc?x=1", client: clientID},
		{name: "no client", issuer: "http://127.0.0.1:3000/oidc"},
		{name: "duplicate email", issuer: "http://127.0.0.1:3000/oidc", client: clientID, agents: []Agent{
			{Sub: "1", Email: "a@x"}, {Sub: "2", Email: "A@x"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.issuer, tc.client, tc.agents, DefaultPasswordPolicy()); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}
