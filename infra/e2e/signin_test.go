package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parleychat/parley/infra/chatclient"
)

// An agent signs in the way the inbox does (authorization code + PKCE at the
// issuer the template's JWT authorizer trusts) and uses the ID token on the
// agent API and the WebSocket.
func TestAgentSignInWithPKCE(t *testing.T) {
	e := cloud.Endpoints()
	var discovery struct {
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
	}
	getJSON(t, e.OIDCIssuer+"/.well-known/openid-configuration", &discovery)

	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	redirect := e.DemoSite + "inbox/"
	form := url.Values{
		"client_id":             {e.OIDCClientID},
		"redirect_uri":          {redirect},
		"response_type":         {"code"},
		"scope":                 {"openid email profile"},
		"state":                 {"s1"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"email":                 {"ben@demo.parley.local"},
		"password":              {"demo"},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(discovery.AuthorizationEndpoint, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("sign-in answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.PostForm(discovery.TokenEndpoint, url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {e.OIDCClientID},
		"code":          {loc.Query().Get("code")},
		"redirect_uri":  {redirect},
		"code_verifier": {verifier},
	})
	if err != nil {
		t.Fatal(err)
	}
	var tokens struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tokens)
	resp.Body.Close()
	if err != nil || tokens.IDToken == "" {
		t.Fatalf("token exchange: %d %v", resp.StatusCode, err)
	}

	for name, tok := range map[string]string{"ID token": tokens.IDToken, "access token": tokens.AccessToken} {
		t.Run(name, func(t *testing.T) {
			ben := chatclient.NewAgent(endpoints(), tok)
			var me struct {
				DisplayName string `json:"displayName"`
			}
			if err := ben.Call(wait(t), http.MethodGet, "/agent/me", nil, &me); err != nil {
				t.Fatalf("GET /agent/me: %v", err)
			}
			if me.DisplayName == "" {
				t.Errorf("agent profile has no display name")
			}
			if _, err := ben.List(wait(t), "open", "all", "", 10); err != nil {
				t.Fatalf("list conversations: %v", err)
			}
			s, err := ben.Connect(wait(t))
			if err != nil {
				t.Fatalf("agent socket: %v", err)
			}
			s.Close()
		})
	}
}

func getJSON(t *testing.T, u string, out any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
