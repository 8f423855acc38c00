package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/identity"
)

// lookAlikes are origins that resemble the chat window's origin but are
// not it: each must be refused everywhere that origin is allowed.
func lookAlikes(t *testing.T) map[string]string {
	t.Helper()
	site, err := url.Parse(widgetOrigin())
	if err != nil {
		t.Fatal(err)
	}
	host, port := site.Hostname(), site.Port()
	return map[string]string{
		"no origin":        "",
		"null":             "null",
		"suffix":           "http://" + host + ".evil.io:" + port,
		"prefix":           "http://evil-" + host + ":" + port,
		"https for http":   "https://" + host + ":" + port,
		"other port":       "http://" + host + ":1",
		"trailing dot":     "http://" + host + ".:" + port,
		"trailing slash":   widgetOrigin() + "/",
		"userinfo":         "http://" + host + ":" + port + "@evil.io",
		"userinfo on site": "http://evil.io@" + host + ":" + port,
		"uppercase":        strings.ToUpper("http://"+host) + ":" + port,
	}
}

// widgetCall sends a widget route request with the given Origin and
// returns the status and the error code of the answer.
func widgetCall(t *testing.T, method, path, origin, token string, body any) (int, string) {
	t.Helper()
	var in io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(wait(t), method, endpoints().HTTPAPI+path, in)
	if err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error.Code
}

func TestOriginsOnWidgetRoutes(t *testing.T) {
	v := newVisitor(t)
	_, convID, _ := startConversation(t, v, "origins")
	user := "origins-" + uuid.NewString()
	routes := []struct {
		name, method, path, token string
		body                      any
	}{
		{"session", http.MethodPost, "/widget/session", "", map[string]string{"channelId": "main"}},
		{"ticket", http.MethodPost, "/widget/ticket", v.Token, nil},
		{"history", http.MethodGet, "/widget/conversations/" + convID + "/messages", v.Token, nil},
		{"identify", http.MethodPost, "/widget/identify", v.Token, map[string]string{"externalId": user, "signature": identity.Sign(identitySecret(t), user)}},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			if status, code := widgetCall(t, r.method, r.path, widgetOrigin(), r.token, r.body); status != http.StatusOK {
				t.Fatalf("allowed origin: %d %s", status, code)
			}
			for name, origin := range lookAlikes(t) {
				if status, code := widgetCall(t, r.method, r.path, origin, r.token, r.body); status != http.StatusUnauthorized || code != "unauthorized" {
					t.Errorf("%s origin %q: %d %s, want 401 unauthorized", name, origin, status, code)
				}
			}
		})
	}
	// A channel that does not exist has no allowed origin.
	if status, _ := widgetCall(t, http.MethodPost, "/widget/session", widgetOrigin(), "", map[string]string{"channelId": "elsewhere"}); status != http.StatusUnauthorized {
		t.Errorf("unknown channel: %d, want 401", status)
	}
}

// $connect checks the Origin of the upgrade against the list of the
// ticket's channel (visitors) or the inbox's origins (agents).
func TestOriginsOnConnect(t *testing.T) {
	ws := cloud.Endpoints().WebSocket
	v := newVisitor(t)
	agent := newAgent(t, "ben")
	refused := func(t *testing.T, ticket, origin string) {
		t.Helper()
		s, err := chatclient.DialTicket(wait(t), ws, ticket, origin)
		if err == nil {
			s.Close()
			t.Fatalf("origin %q: socket opened", origin)
		}
		var apiErr *chatclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
			t.Fatalf("origin %q: %v, want HTTP 401", origin, err)
		}
	}
	visitorTicket := func() string {
		tk, err := v.Ticket(wait(t))
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	agentTicket := func() string {
		var out struct{ Ticket string }
		if err := agent.Call(wait(t), http.MethodPost, "/agent/ticket", nil, &out); err != nil {
			t.Fatal(err)
		}
		return out.Ticket
	}

	t.Run("visitor", func(t *testing.T) {
		for name, origin := range lookAlikes(t) {
			t.Run(name, func(t *testing.T) { refused(t, visitorTicket(), origin) })
		}
		s, err := chatclient.DialTicket(wait(t), ws, visitorTicket(), widgetOrigin())
		if err != nil {
			t.Fatalf("allowed origin: %v", err)
		}
		s.Close()
	})
	t.Run("agent", func(t *testing.T) {
		// The site embedding the widget is no place for an agent's socket.
		refused(t, agentTicket(), siteOrigin())
		refused(t, agentTicket(), "")
		refused(t, agentTicket(), "null")
		s, err := chatclient.DialTicket(wait(t), ws, agentTicket(), cloud.URL())
		if err != nil {
			t.Fatalf("inbox origin: %v", err)
		}
		s.Close()
	})
}

// TestChannelSitesAtRuntime: the sites a channel lists are those its chat
// window works on, as stored now. A site the admin takes off the list gets
// no session and no ticket (403, for a visitor who started there before
// too) once the functions' settings cache has passed, without a redeploy;
// put back, it works again. A site never listed is refused all along; the
// channel's other site is not touched.
func TestChannelSitesAtRuntime(t *testing.T) {
	admin := newAgent(t, "alice")
	shop := "https://shop-" + strings.ReplaceAll(uuid.NewString()[:8], "-", "") + ".example.com"
	ch := newChannel(t, admin, "Sites")
	id := ch["id"].(string)
	ch["allowedOrigins"] = []string{siteOrigin(), shop}
	ch = putChannel(t, admin, ch)
	pastTheCaches(t)

	caller := chatclient.NewVisitorWithToken(endpoints(), widgetOrigin(), "", "")
	session := func(embedder, token string) (string, int) {
		t.Helper()
		var s struct{ VisitorToken string }
		err := caller.Call(wait(t), http.MethodPost, "/widget/session", map[string]string{"channelId": id, "embedder": embedder, "visitorToken": token}, &s)
		return s.VisitorToken, status(t, err)
	}
	ticket := func(embedder, token string) int {
		t.Helper()
		v := chatclient.NewVisitorWithToken(endpoints(), widgetOrigin(), "", token)
		return status(t, v.Call(wait(t), http.MethodPost, "/widget/ticket", map[string]string{"embedder": embedder}, nil))
	}

	token, code := session(shop, "")
	if code != http.StatusOK {
		t.Fatalf("a session on a listed site = %d, want 200", code)
	}
	if code := ticket(shop, token); code != http.StatusOK {
		t.Fatalf("a ticket on a listed site = %d, want 200", code)
	}
	if _, code := session("https://evil.example", ""); code != http.StatusForbidden {
		t.Errorf("a session on a site never listed = %d, want 403", code)
	}

	// Taken off the list: refused, the visitor who started there too.
	ch["allowedOrigins"] = []string{siteOrigin()}
	ch = putChannel(t, admin, ch)
	pastTheCaches(t)
	if _, code := session(shop, token); code != http.StatusForbidden {
		t.Errorf("a session on a site taken off the list = %d, want 403", code)
	}
	if code := ticket(shop, token); code != http.StatusForbidden {
		t.Errorf("a ticket on a site taken off the list = %d, want 403", code)
	}
	if _, code := session(siteOrigin(), token); code != http.StatusOK {
		t.Errorf("a session on the site still listed = %d, want 200", code)
	}

	// Put back: it works again.
	ch["allowedOrigins"] = []string{siteOrigin(), shop}
	putChannel(t, admin, ch)
	pastTheCaches(t)
	if _, code := session(shop, token); code != http.StatusOK {
		t.Errorf("a session on a site put back = %d, want 200", code)
	}
	if code := ticket(shop, token); code != http.StatusOK {
		t.Errorf("a ticket on a site put back = %d, want 200", code)
	}
}

// status is the HTTP status an API call answered with.
func status(t *testing.T, err error) int {
	t.Helper()
	var apiErr *chatclient.APIError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &apiErr):
		return apiErr.Status
	}
	t.Fatal(err)
	return 0
}
