package httpgw

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// clockSkew is the tolerance for exp, nbf and iat. API Gateway documents the
// checks ("exp must be after the current time", "nbf/iat before it") without a
// number; a small allowance keeps local runs with slightly drifting clocks sane.
const clockSkew = 30 * time.Second

// errUnauthorized is any reason a JWT authorizer refuses a request. The reason
// is logged and put into www-authenticate, never into the body, like API
// Gateway's {"message":"Unauthorized"}.
var errUnauthorized = errors.New("unauthorized")

// jwtAuthorizer emulates an HTTP API JWT authorizer, following "Control access
// to HTTP APIs with JWT authorizers" (docs.aws.amazon.com/apigateway/latest/
// developerguide/http-api-jwt-authorizer.html): the token comes from the
// identity source with or without a "Bearer " prefix; keys come from the
// issuer's OIDC discovery document's jwks_uri; kid must name a key there; iss
// must equal the issuer; aud, or client_id when aud is absent, must match an
// audience; exp, nbf and iat are checked against the current time.
type jwtAuthorizer struct {
	name      string
	header    string // identity source header
	issuer    string
	audiences []string
	client    *http.Client

	mu   sync.Mutex // serializes key fetches and guards keys
	keys map[string]*rsa.PublicKey
}

func newJWTAuthorizer(a template.JWTAuthorizer, client *http.Client) (*jwtAuthorizer, error) {
	src := a.IdentitySource
	if src == "" {
		src = "$request.header.Authorization"
	}
	// A JWT authorizer takes exactly one identity source, a request header.
	header, ok := strings.CutPrefix(src, "$request.header.")
	if !ok || header == "" || strings.Contains(header, ",") {
		return nil, fmt.Errorf("authorizer %s: unsupported identity source %q", a.Name, src)
	}
	if a.Issuer == "" {
		return nil, fmt.Errorf("authorizer %s: no issuer", a.Name)
	}
	return &jwtAuthorizer{
		name:      a.Name,
		header:    header,
		issuer:    a.Issuer,
		audiences: a.Audience,
		client:    client,
	}, nil
}

// authorize validates the request's token and returns what API Gateway puts
// into requestContext.authorizer.jwt.
func (a *jwtAuthorizer) authorize(ctx context.Context, r *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription, error) {
	raw := strings.TrimSpace(r.Header.Get(a.header))
	if raw == "" {
		return nil, fmt.Errorf("%w: no token in header %s", errUnauthorized, a.header)
	}
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}

	claims := jwt.MapClaims{}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithJSONNumber(),
		jwt.WithoutClaimsValidation(),
	)
	_, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		return a.key(ctx, kid)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	if err := a.validateClaims(claims, time.Now()); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	return &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
		Claims: stringClaims(claims),
		Scopes: scopes(claims),
	}, nil
}

func (a *jwtAuthorizer) validateClaims(c jwt.MapClaims, now time.Time) error {
	if iss, _ := c["iss"].(string); iss != a.issuer {
		return fmt.Errorf("invalid issuer %q", iss)
	}
	// "API Gateway validates client_id only if aud is not present. When both
	// aud and client_id are present, API Gateway evaluates aud."
	// (http-api-troubleshooting-jwt.html)
	if _, hasAud := c["aud"]; hasAud {
		aud, err := c.GetAudience()
		if err != nil || !slices.ContainsFunc(aud, func(s string) bool { return slices.Contains(a.audiences, s) }) {
			return errors.New("the token does not have a valid audience")
		}
	} else {
		cid, _ := c["client_id"].(string)
		if !slices.Contains(a.audiences, cid) {
			return errors.New("the token does not have a valid audience")
		}
	}
	exp, err := c.GetExpirationTime()
	if err != nil || exp == nil {
		return errors.New("the token has no valid exp")
	}
	if !now.Before(exp.Add(clockSkew)) {
		return errors.New("the token is expired")
	}
	if nbf, err := c.GetNotBefore(); err != nil {
		return errors.New("the token has an invalid nbf")
	} else if nbf != nil && now.Add(clockSkew).Before(nbf.Time) {
		return errors.New("the token is not valid yet")
	}
	if iat, err := c.GetIssuedAt(); err != nil {
		return errors.New("the token has an invalid iat")
	} else if iat != nil && now.Add(clockSkew).Before(iat.Time) {
		return errors.New("the token was issued in the future")
	}
	return nil
}

// key returns the public key named kid, fetching the issuer's key set when
// the key is not known yet, so that key rotation at the issuer is picked up.
func (a *jwtAuthorizer) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k, ok := a.keys[kid]; ok {
		return k, nil
	}
	keys, err := a.fetchKeys(ctx)
	if err != nil {
		return nil, err
	}
	a.keys = keys
	k, ok := keys[kid]
	if !ok {
		return nil, fmt.Errorf("no key %q in the issuer's key set", kid)
	}
	return k, nil
}

func (a *jwtAuthorizer) fetchKeys(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	var discovery struct {
		JWKSURI string `json:"jwks_uri"`
	}
	discoveryURL := strings.TrimSuffix(a.issuer, "/") + "/.well-known/openid-configuration"
	if err := a.getJSON(ctx, discoveryURL, &discovery); err != nil {
		return nil, err
	}
	if discovery.JWKSURI == "" {
		return nil, fmt.Errorf("discovery document %s has no jwks_uri", discoveryURL)
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Kty string `json:"kty"`
			Use string `json:"use"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := a.getJSON(ctx, discovery.JWKSURI, &set); err != nil {
		return nil, err
	}
	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, errN := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.N, "="))
		e, errE := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.E, "="))
		if errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

func (a *jwtAuthorizer) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", url, err)
	}
	return nil
}

// stringClaims renders every claim as a string, as API Gateway does in
// requestContext.authorizer.jwt.claims: numbers keep their JSON digits, arrays
// become "[a b]" (the form the cognito:groups claim arrives in), objects
// "map[k:v]".
func stringClaims(c jwt.MapClaims) map[string]string {
	out := make(map[string]string, len(c))
	for k, v := range c {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		// fmt prints json.Number as its digits, []any as "[a b]" and maps
		// with sorted keys.
		out[k] = fmt.Sprint(v)
	}
	return out
}

// scopes reads OAuth scopes from "scope" (space separated, Cognito access
// tokens) or "scp" (an array), the two claims API Gateway evaluates.
func scopes(c jwt.MapClaims) []string {
	if s, ok := c["scope"].(string); ok {
		return strings.Fields(s)
	}
	if arr, ok := c["scp"].([]any); ok {
		var out []string
		for _, v := range arr {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
