// Package oidc is a local OpenID Connect issuer and the directory of the
// users who sign in with it: seeded demo agents and users created through
// the Cognito API (infra/localcloud/cognitoidp). It answers the
// authorization code flow with PKCE the way Cognito's hosted UI does,
// including the new password an invited user must choose, and signs
// tokens shaped like Cognito's, so agents sign in to the local inbox
// through the same code path as in production.
package oidc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Lifetimes, as Cognito's defaults.
const (
	codeTTL    = 60 * time.Second
	tokenTTL   = time.Hour
	refreshTTL = 30 * 24 * time.Hour
)

// Agent is a person who can sign in.
type Agent struct {
	Sub, Email, Name, Password string
	Groups                     []string
}

// DemoAgents are the agents the local cloud seeds. Their password is "demo":
// they exist only in the local issuer and never in a deployed stack.
func DemoAgents() []Agent {
	return []Agent{
		{Sub: "a11ce000-0000-4000-8000-000000000001", Email: "alice@demo.parley.local", Name: "Alice Moreau", Password: "demo", Groups: []string{"admins"}},
		{Sub: "be000000-0000-4000-8000-000000000002", Email: "ben@demo.parley.local", Name: "Ben Richter", Password: "demo"},
		{Sub: "c4000000-0000-4000-8000-000000000003", Email: "chiara@demo.parley.local", Name: "Chiara Bianchi", Password: "demo"},
	}
}

// Issuer is an OpenID Connect provider for one public client (the inbox),
// and the directory of the users who sign in with it: it stands in for the
// template's Cognito user pool (the Cognito API in front of it lives in
// infra/localcloud/cognitoidp). It is an http.Handler for the paths below
// the issuer URL.
type Issuer struct {
	issuer   string
	clientID string
	policy   PasswordPolicy
	key      *rsa.PrivateKey
	kid      string
	// skew moves the clock, in nanoseconds, so tests can expire codes.
	skew atomic.Int64
	mux  *http.ServeMux

	usersMu sync.RWMutex
	bySub   map[string]*account
	byEmail map[string]*account // by lower-case email address
	seq     int

	mu         sync.Mutex
	codes      map[string]*authCode
	refreshs   map[string]*refreshGrant
	challenges map[string]*challenge
}

// authCode is an issued, not yet redeemed authorization code.
type authCode struct {
	sub, redirectURI, challenge, nonce, scope string
	authTime, expires                         time.Time
}

type refreshGrant struct {
	sub, scope        string
	authTime, expires time.Time
}

// New starts an issuer at issuerURL (for example http://127.0.0.1:3000/oidc)
// for the client clientID, with a fresh RSA signing key. The agents are
// seeded as confirmed users, offered as buttons on the sign-in page; the
// policy applies to the passwords users choose.
func New(issuerURL, clientID string, agents []Agent, policy PasswordPolicy) (*Issuer, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("oidc: issuer URL %q must be an absolute http(s) URL without query or fragment", issuerURL)
	}
	if clientID == "" {
		return nil, errors.New("oidc: client id is empty")
	}
	i := &Issuer{
		issuer:     strings.TrimSuffix(issuerURL, "/"),
		clientID:   clientID,
		policy:     policy,
		bySub:      map[string]*account{},
		byEmail:    map[string]*account{},
		codes:      map[string]*authCode{},
		refreshs:   map[string]*refreshGrant{},
		challenges: map[string]*challenge{},
	}
	now := i.now()
	for n, ag := range agents {
		if ag.Sub == "" || ag.Email == "" {
			return nil, fmt.Errorf("oidc: agent %d needs a sub and an email", n)
		}
		a := &account{
			attrs:    map[string]string{"sub": ag.Sub, "email": ag.Email, "email_verified": "true", "name": ag.Name},
			password: ag.Password, groups: slices.Clone(ag.Groups), status: StatusConfirmed, enabled: true, demo: true,
			created: now, modified: now,
		}
		if err := i.addAccount(a); err != nil {
			return nil, fmt.Errorf("oidc: agent %s (%s) is listed twice", ag.Sub, ag.Email)
		}
	}

	i.key, err = rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("oidc: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&i.key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("oidc: encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	i.kid = base64.RawURLEncoding.EncodeToString(sum[:12])

	i.mux = http.NewServeMux()
	i.mux.HandleFunc("GET /.well-known/openid-configuration", i.discovery)
	i.mux.HandleFunc("GET /jwks.json", i.jwks)
	i.mux.HandleFunc("GET /authorize", i.authorizePage)
	i.mux.HandleFunc("POST /authorize", i.authorizeSubmit)
	i.mux.HandleFunc("POST /token", i.token)
	i.mux.HandleFunc("GET /userinfo", i.userinfo)
	i.mux.HandleFunc("POST /userinfo", i.userinfo)
	i.mux.HandleFunc("GET /logout", i.logout)
	i.mux.HandleFunc("OPTIONS /token", preflight)
	i.mux.HandleFunc("OPTIONS /userinfo", preflight)
	i.mux.HandleFunc("GET /signin.css", serveStylesheet)
	return i, nil
}

func (i *Issuer) now() time.Time { return time.Now().Add(time.Duration(i.skew.Load())) }

// ServeHTTP serves the issuer's endpoints; mount it with http.StripPrefix
// at the issuer URL's path.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i.mux.ServeHTTP(w, r)
}

// URL is the issuer identifier, the iss of every token.
func (i *Issuer) URL() string { return i.issuer }

// PublicKey is the key tokens are signed with, for in-process verifiers.
func (i *Issuer) PublicKey() *rsa.PublicKey { return &i.key.PublicKey }

// Mint signs an ID token for the agent sub, valid for ttl, through the same
// path as the token endpoint. Tests and benchmarks use it to skip the
// sign-in page.
func (i *Issuer) Mint(sub string, ttl time.Duration) (string, error) {
	a := i.signedIn(sub)
	if a == nil {
		return "", fmt.Errorf("oidc: mint: unknown or disabled agent %q", sub)
	}
	now := i.now()
	return i.idToken(a, "", now, now, ttl)
}

// MintAccess signs an access token for the agent sub, valid for ttl, with
// the scopes the inbox asks for.
func (i *Issuer) MintAccess(sub string, ttl time.Duration) (string, error) {
	a := i.signedIn(sub)
	if a == nil {
		return "", fmt.Errorf("oidc: mint access: unknown or disabled agent %q", sub)
	}
	now := i.now()
	return i.accessToken(a, defaultScope, now, now, ttl)
}

// signedIn returns the user sub as it is now if it may hold tokens: it
// exists and is enabled.
func (i *Issuer) signedIn(sub string) *account {
	i.usersMu.RLock()
	defer i.usersMu.RUnlock()
	a := i.bySub[sub]
	if a == nil || !a.enabled {
		return nil
	}
	c := *a
	return &c
}

// idToken is shaped like a Cognito ID token.
func (i *Issuer) idToken(a *account, nonce string, authTime, now time.Time, ttl time.Duration) (string, error) {
	claims := jwt.MapClaims{
		"iss":              i.issuer,
		"sub":              a.sub(),
		"aud":              i.clientID,
		"email":            a.email(),
		"email_verified":   a.attrs["email_verified"] == "true",
		"cognito:username": a.sub(),
		"token_use":        "id",
		"auth_time":        authTime.Unix(),
		"iat":              now.Unix(),
		"exp":              now.Add(ttl).Unix(),
		"jti":              rand.Text(),
	}
	if a.name() != "" {
		claims["name"] = a.name()
	}
	if len(a.groups) > 0 {
		claims["cognito:groups"] = a.groups
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	return i.sign(claims)
}

// accessToken is shaped like a Cognito access token: no aud, the client in
// client_id, which is what API Gateway's JWT authorizer checks for it.
func (i *Issuer) accessToken(a *account, scope string, authTime, now time.Time, ttl time.Duration) (string, error) {
	claims := jwt.MapClaims{
		"iss":       i.issuer,
		"sub":       a.sub(),
		"client_id": i.clientID,
		"token_use": "access",
		"scope":     scope,
		"username":  a.sub(),
		"auth_time": authTime.Unix(),
		"iat":       now.Unix(),
		"exp":       now.Add(ttl).Unix(),
		"jti":       rand.Text(),
	}
	if len(a.groups) > 0 {
		claims["cognito:groups"] = a.groups
	}
	return i.sign(claims)
}

func (i *Issuer) sign(claims jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = i.kid
	s, err := tok.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("oidc: sign token: %w", err)
	}
	return s, nil
}

// verifyAccess checks an access token this issuer signed and returns its
// user, who must still exist and be enabled (Cognito revokes a disabled
// user's access tokens for its own endpoints).
func (i *Issuer) verifyAccess(raw string) (*account, error) {
	tok, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return &i.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(i.issuer), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(i.now))
	if err != nil {
		return nil, err
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	if claims["token_use"] != "access" || claims["client_id"] != i.clientID {
		return nil, errors.New("not an access token of this client")
	}
	sub, _ := claims["sub"].(string)
	a := i.signedIn(sub)
	if a == nil {
		return nil, errors.New("unknown or disabled subject")
	}
	return a, nil
}

// DemoSub returns the subject of the demo agent whose email begins with
// name + "@" (alice, ben, chiara), for tests and benchmarks.
func DemoSub(name string) (string, error) {
	for _, a := range DemoAgents() {
		if strings.HasPrefix(a.Email, name+"@") {
			return a.Sub, nil
		}
	}
	return "", fmt.Errorf("oidc: no demo agent called %q", name)
}
