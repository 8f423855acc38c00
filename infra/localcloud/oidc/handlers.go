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

// Messages of the sign-in page, in the words of Cognito's hosted UI where
// it has them.
const (
	msgIncorrect     = "Incorrect email or password."
	msgDisabled      = "User is disabled."
	msgTempExpired   = "Temporary password has expired and must be reset by an administrator."
	msgSessionEnded  = "Your sign-in session has expired. Please sign in again."
	msgPasswordsDiff = "The passwords do not match."
)

// challengeTTL bounds the new-password step, as Cognito's sign-in session.
const challengeTTL = 3 * time.Minute

// challenge is a sign-in half done: the user gave the right temporary
// password and must now choose a password of their own.
type challenge struct {
	sub     string
	gen     int // the user's password generation when it started
	expires time.Time
}

// authorizeSubmit handles the sign-in form in its three shapes: a demo
// agent's button, email and password, and the new password an invited
// user chooses after signing in with the temporary one.
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
	form := r.PostForm
	var user *account
	switch {
	case form.Has("session"):
		user = i.completeNewPassword(w, a, form)
	case form.Get("agent") != "":
		user = i.demoSignIn(w, a, form.Get("agent"))
	default:
		user = i.passwordSignIn(w, a, form.Get("email"), form.Get("password"))
	}
	if user == nil {
		return // the page has been answered
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
		sub: user.sub(), redirectURI: a.RedirectURI, challenge: a.Challenge, nonce: a.Nonce, scope: a.Scope,
		authTime: now, expires: now.Add(codeTTL),
	}
	i.mu.Unlock()

	params := url.Values{"code": {code}}
	if a.State != "" {
		params.Set("state", a.State)
	}
	http.Redirect(w, r, withQuery(a.RedirectURI, params), http.StatusFound)
}

// demoSignIn signs in a seeded agent without a password (the buttons).
func (i *Issuer) demoSignIn(w http.ResponseWriter, a authRequest, sub string) *account {
	user := i.snapshot(sub)
	switch {
	case user == nil || !user.demo || user.sub() != sub:
		i.renderSignIn(w, http.StatusUnauthorized, a, "", msgIncorrect)
		return nil
	case !user.enabled:
		i.renderSignIn(w, http.StatusUnauthorized, a, "", msgDisabled)
		return nil
	}
	return user
}

// passwordSignIn checks email and password; a user who signs in with a
// temporary password is shown the page to choose a new one instead.
func (i *Issuer) passwordSignIn(w http.ResponseWriter, a authRequest, email, password string) *account {
	user := i.checkPassword(email, password)
	switch {
	case user == nil:
		i.renderSignIn(w, http.StatusUnauthorized, a, email, msgIncorrect)
		return nil
	case !user.enabled:
		i.renderSignIn(w, http.StatusUnauthorized, a, email, msgDisabled)
		return nil
	case user.status == StatusForceChangePassword && !i.now().Before(user.tempExpires):
		i.renderSignIn(w, http.StatusUnauthorized, a, email, msgTempExpired)
		return nil
	case user.status == StatusForceChangePassword:
		session := rand.Text() + rand.Text()
		now := i.now()
		i.mu.Lock()
		for s, c := range i.challenges {
			if now.After(c.expires) {
				delete(i.challenges, s)
			}
		}
		i.challenges[session] = &challenge{sub: user.sub(), gen: user.passwordGen, expires: now.Add(challengeTTL)}
		i.mu.Unlock()
		i.renderNewPassword(w, http.StatusOK, a, session, user.email(), "")
		return nil
	}
	return user
}

// completeNewPassword takes the password an invited user chose. The
// session stays usable until it expires or succeeds, so a refused
// password can be corrected.
func (i *Issuer) completeNewPassword(w http.ResponseWriter, a authRequest, form url.Values) *account {
	session := form.Get("session")
	i.mu.Lock()
	c, ok := i.challenges[session]
	i.mu.Unlock()
	if !ok || i.now().After(c.expires) {
		i.renderSignIn(w, http.StatusUnauthorized, a, "", msgSessionEnded)
		return nil
	}
	email := ""
	if u := i.snapshot(c.sub); u != nil {
		email = u.email()
	}
	password := form.Get("new_password")
	if password != form.Get("confirm_password") {
		i.renderNewPassword(w, http.StatusBadRequest, a, session, email, msgPasswordsDiff)
		return nil
	}
	if err := i.policy.Check(password); err != nil {
		i.renderNewPassword(w, http.StatusBadRequest, a, session, email, err.Error()+".")
		return nil
	}
	user, err := i.choosePassword(c.sub, c.gen, password)
	i.mu.Lock()
	delete(i.challenges, session)
	i.mu.Unlock()
	if err != nil {
		// Disabled, deleted or sent a new temporary password meanwhile.
		i.renderSignIn(w, http.StatusUnauthorized, a, email, msgSessionEnded)
		return nil
	}
	return user
}

// checkPassword compares in constant time, and hashes first so that the
// comparison does not leak the password's length either. The email may
// also be the username (the sub), as Cognito accepts either.
func (i *Issuer) checkPassword(email, password string) *account {
	a := i.snapshot(email)
	want := sha256.Sum256([]byte(""))
	if a != nil {
		want = sha256.Sum256([]byte(a.password))
	}
	got := sha256.Sum256([]byte(password))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || a == nil || a.password == "" {
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
	agent := i.signedIn(code.sub)
	if agent == nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the user is disabled or no longer exists")
		return
	}

	refresh := rand.Text() + rand.Text()
	i.mu.Lock()
	for t, g := range i.refreshs {
		if now.After(g.expires) {
			delete(i.refreshs, t)
		}
	}
	i.refreshs[refresh] = &refreshGrant{sub: agent.sub(), scope: code.scope, authTime: code.authTime, expires: now.Add(refreshTTL)}
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
	agent := i.signedIn(g.sub)
	if agent == nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "the user is disabled or no longer exists")
		return
	}
	i.issueTokens(w, agent, g.scope, "", g.authTime, "")
}

func (i *Issuer) issueTokens(w http.ResponseWriter, a *account, scope, nonce string, authTime time.Time, refresh string) {
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
	var agent *account
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
		"sub": agent.sub(), "email": agent.email(), "email_verified": agent.attrs["email_verified"] == "true",
		"name": agent.name(), "username": agent.sub(),
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
