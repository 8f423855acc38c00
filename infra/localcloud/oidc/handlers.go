package oidc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// defaultScope is what a request without scope gets, and all it may ask for.
const defaultScope = "openid email profile"

var supportedScopes = strings.Fields(defaultScope)

// Bounds on client-chosen values, so nothing unbounded is stored or echoed.
const (
	maxStateLen = 1024
	maxNonceLen = 512
)

type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, oauthError{Code: code, Description: description})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// allowCORS lets the inbox, served from another local origin, call the
// token, userinfo and discovery endpoints from the browser, as Cognito's
// endpoints allow. No credentials are involved, so any origin is fine.
func allowCORS(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Headers", "authorization, content-type")
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
}

func (i *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	allowCORS(w)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                i.issuer,
		"authorization_endpoint":                i.issuer + "/authorize",
		"token_endpoint":                        i.issuer + "/token",
		"userinfo_endpoint":                     i.issuer + "/userinfo",
		"jwks_uri":                              i.issuer + "/jwks.json",
		"end_session_endpoint":                  i.issuer + "/logout",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      supportedScopes,
		"token_endpoint_auth_methods_supported": []string{"none"},
		"code_challenge_methods_supported":      []string{"S256"},
		"claims_supported": []string{
			"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified", "name",
			"cognito:groups", "cognito:username", "token_use",
		},
	})
}

func (i *Issuer) jwks(w http.ResponseWriter, _ *http.Request) {
	allowCORS(w)
	pub := i.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": i.kid,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// authRequest is a validated authorization request.
type authRequest struct {
	ClientID, RedirectURI, ResponseType, Scope, State, Nonce, Challenge, Method string
}

// fields are the request's parameters, carried through the sign-in form.
func (a authRequest) fields() []field {
	return []field{
		{"client_id", a.ClientID}, {"redirect_uri", a.RedirectURI}, {"response_type", a.ResponseType},
		{"scope", a.Scope}, {"state", a.State}, {"nonce", a.Nonce},
		{"code_challenge", a.Challenge}, {"code_challenge_method", a.Method},
	}
}

type field struct{ Name, Value string }

// authError is a refused authorization request. Until client and redirect
// URI are known good it is shown to the user; after that it goes back to
// the client on the redirect URI, as OAuth 2 requires.
type authError struct {
	oauthError
	redirect bool
}

func (i *Issuer) parseAuthRequest(v url.Values) (authRequest, *authError) {
	a := authRequest{
		ClientID:     v.Get("client_id"),
		RedirectURI:  v.Get("redirect_uri"),
		ResponseType: v.Get("response_type"),
		Scope:        strings.Join(strings.Fields(v.Get("scope")), " "),
		State:        v.Get("state"),
		Nonce:        v.Get("nonce"),
		Challenge:    v.Get("code_challenge"),
		Method:       v.Get("code_challenge_method"),
	}
	fail := func(redirect bool, code, desc string) (authRequest, *authError) {
		return a, &authError{oauthError{code, desc}, redirect}
	}
	if a.ClientID != i.clientID {
		return fail(false, "invalid_client", "unknown client_id")
	}
	if !localRedirect(a.RedirectURI) {
		return fail(false, "invalid_request", "redirect_uri must be an http URL on localhost or 127.0.0.1")
	}
	if len(a.State) > maxStateLen {
		return fail(false, "invalid_request", "state is too long")
	}
	if a.ResponseType != "code" {
		return fail(true, "unsupported_response_type", "response_type must be code")
	}
	if a.Method != "S256" {
		return fail(true, "invalid_request", "code_challenge_method must be S256 (PKCE is required)")
	}
	if !pkceValue(a.Challenge) {
		return fail(true, "invalid_request", "code_challenge must be 43 to 128 unreserved characters")
	}
	if len(a.Nonce) > maxNonceLen {
		return fail(true, "invalid_request", "nonce is too long")
	}
	if a.Scope == "" {
		a.Scope = defaultScope
	}
	scopes := strings.Fields(a.Scope)
	for _, s := range scopes {
		if !slices.Contains(supportedScopes, s) {
			return fail(true, "invalid_scope", "unsupported scope "+s)
		}
	}
	if !slices.Contains(scopes, "openid") {
		return fail(true, "invalid_scope", "scope must include openid")
	}
	return a, nil
}

// localRedirect allows any http URL on the loopback host names: the local
// cloud's inbox and any dev server on another port.
func localRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// pkceValue checks RFC 7636's syntax for verifiers and S256 challenges.
func pkceValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~", c)) {
			return false
		}
	}
	return true
}

// withQuery appends parameters to a redirect URI, keeping its own query.
func withQuery(raw string, params url.Values) string {
	u, _ := url.Parse(raw) // validated by localRedirect
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (i *Issuer) refuseAuth(w http.ResponseWriter, r *http.Request, a authRequest, e *authError) {
	if !e.redirect {
		writeOAuthError(w, http.StatusBadRequest, e.Code, e.Description)
		return
	}
	params := url.Values{"error": {e.Code}, "error_description": {e.Description}}
	if a.State != "" {
		params.Set("state", a.State)
	}
	http.Redirect(w, r, withQuery(a.RedirectURI, params), http.StatusFound)
}

func (i *Issuer) authorizePage(w http.ResponseWriter, r *http.Request) {
	a, aerr := i.parseAuthRequest(r.URL.Query())
	if aerr != nil {
		i.refuseAuth(w, r, a, aerr)
		return
	}
	i.renderSignIn(w, http.StatusOK, a, "", "")
}

func (i *Issuer) authorizeSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	a, aerr := i.parseAuthRequest(r.PostForm)
	if aerr != nil {
		i.refuseAuth(w, r, a, aerr)
		return
	}
	var agent *Agent
	if sub := r.PostForm.Get("agent"); sub != "" {
		agent = i.bySub[sub]
	} else {
		agent = i.checkPassword(r.PostForm.Get("email"), r.PostForm.Get("password"))
	}
	if agent == nil {
		i.renderSignIn(w, http.StatusUnauthorized, a, r.PostForm.Get("email"), "Incorrect email or password.")
		return
	}

	code := rand.Text() + rand.Text()
	now := i.now()
	i.mu.Lock()
	for c, ac := range i.codes {
		if now.After(ac.expires) {
			delete(i.codes, c)
		}
	}
	i.codes[code] = &authCode{
		sub: agent.Sub, redirectURI: a.RedirectURI, challenge: a.Challenge, nonce: a.Nonce, scope: a.Scope,
		authTime: now, expires: now.Add(codeTTL),
	}
	i.mu.Unlock()

	params := url.Values{"code": {code}}
	if a.State != "" {
		params.Set("state", a.State)
	}
	http.Redirect(w, r, withQuery(a.RedirectURI, params), http.StatusFound)
}

// checkPassword compares in constant time, and hashes first so that the
// comparison does not leak the password's length either.
func (i *Issuer) checkPassword(email, password string) *Agent {
	a := i.byEmail[strings.ToLower(strings.TrimSpace(email))]
	want := sha256.Sum256([]byte(""))
	if a != nil {
		want = sha256.Sum256([]byte(a.Password))
	}
	got := sha256.Sum256([]byte(password))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || a == nil || a.Password == "" {
		return nil
	}
	return a
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func (i *Issuer) token(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	form := r.PostForm
	clientID := form.Get("client_id")
	if user, _, ok := r.BasicAuth(); ok && clientID == "" {
		clientID = user
	}
	if clientID != i.clientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "unknown client_id")
		return
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		i.redeemCode(w, form)
	case "refresh_token":
		i.refresh(w, form)
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

func (i *Issuer) redeemCode(w http.ResponseWriter, form url.Values) {
	now := i.now()
	i.mu.Lock()
	code, ok := i.codes[form.Get("code")]
	// A code works once, whatever the outcome of this attempt.
	delete(i.codes, form.Get("code"))
	i.mu.Unlock()
	switch {
	case !ok || now.After(code.expires):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code is invalid, expired or already used")
		return
	case form.Get("redirect_uri") != code.redirectURI:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	}
	verifier := form.Get("code_verifier")
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	if !pkceValue(verifier) || subtle.ConstantTimeCompare([]byte(challenge), []byte(code.challenge)) != 1 {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	agent := i.bySub[code.sub]

	refresh := rand.Text() + rand.Text()
	i.mu.Lock()
	for t, g := range i.refreshs {
		if now.After(g.expires) {
			delete(i.refreshs, t)
		}
	}
	i.refreshs[refresh] = &refreshGrant{sub: agent.Sub, scope: code.scope, authTime: code.authTime, expires: now.Add(refreshTTL)}
	i.mu.Unlock()

	i.issueTokens(w, agent, code.scope, code.nonce, code.authTime, refresh)
}

// refresh answers as Cognito does: new ID and access tokens, and no new
// refresh token; the one presented stays valid until it expires.
func (i *Issuer) refresh(w http.ResponseWriter, form url.Values) {
	now := i.now()
	i.mu.Lock()
	g, ok := i.refreshs[form.Get("refresh_token")]
	i.mu.Unlock()
	if !ok || now.After(g.expires) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "refresh_token is invalid or expired")
		return
	}
	i.issueTokens(w, i.bySub[g.sub], g.scope, "", g.authTime, "")
}

func (i *Issuer) issueTokens(w http.ResponseWriter, a *Agent, scope, nonce string, authTime time.Time, refresh string) {
	now := i.now()
	id, err := i.idToken(a, nonce, authTime, now, tokenTTL)
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
		return
	}
	access, err := i.accessToken(a, scope, authTime, now, tokenTTL)
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: access, IDToken: id, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(tokenTTL.Seconds()),
	})
}

func (i *Issuer) userinfo(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var agent *Agent
	var err error
	if ok {
		agent, err = i.verifyAccess(strings.TrimSpace(raw))
	}
	if !ok || err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_token", "a valid access token is required")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": agent.Sub, "email": agent.Email, "email_verified": true, "name": agent.Name, "username": agent.Sub,
	})
}

// logout mirrors Cognito's /logout: there is no session to end here (the
// sign-in page shows every time), so it only sends the browser back.
func (i *Issuer) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != i.clientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_client", "unknown client_id")
		return
	}
	target := q.Get("logout_uri")
	if target == "" {
		target = q.Get("post_logout_redirect_uri")
	}
	if !localRedirect(target) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "logout_uri must be an http URL on localhost or 127.0.0.1")
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// preflight answers CORS preflight requests for the browser-called endpoints.
func preflight(w http.ResponseWriter, _ *http.Request) {
	allowCORS(w)
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
