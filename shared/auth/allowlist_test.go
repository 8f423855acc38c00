package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

func mustOrigins(t *testing.T, list ...string) auth.Origins {
	t.Helper()
	o, err := auth.ParseOrigins(list)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestOriginMatcher is the allowlist against what attackers send: only
// the exact origin a browser running the chat window serialises passes,
// on a channel that exists; the sites that embed the widget and the
// inbox do not.
func TestOriginMatcher(t *testing.T) {
	allow, err := auth.NewAllowlist(auth.StaticOrigins{
		"main":   mustOrigins(t, "https://example.com", "http://localhost:3000"),
		"shop":   mustOrigins(t, "https://shop.example.org/"),
		"closed": mustOrigins(t),
	}, mustOrigins(t, "https://chat.example.net", "https://[::1]:8443"), mustOrigins(t, "https://inbox.example.net"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, channel, origin string
		want                  bool
	}{
		{"the chat window", "main", "https://chat.example.net", true},
		{"the chat window, ipv6 with port", "main", "https://[::1]:8443", true},
		{"the chat window, any channel", "shop", "https://chat.example.net", true},
		{"the chat window, channel with no sites", "closed", "https://chat.example.net", true},
		{"the chat window, unknown channel", "nope", "https://chat.example.net", false},
		{"a site of the channel", "main", "https://example.com", false},
		{"a local site of the channel", "main", "http://localhost:3000", false},
		{"the inbox", "main", "https://inbox.example.net", false},
		{"null (sandboxed frame, file:)", "main", "null", false},
		{"no origin", "main", "", false},
		{"suffix look-alike", "main", "https://chat.example.net.evil.io", false},
		{"prefix look-alike", "main", "https://evil-chat.example.net", false},
		{"subdomain", "main", "https://www.chat.example.net", false},
		{"http instead of https", "main", "http://chat.example.net", false},
		{"other port", "main", "https://chat.example.net:8443", false},
		{"default port spelled out", "main", "https://chat.example.net:443", false},
		{"trailing dot", "main", "https://chat.example.net.", false},
		{"trailing slash", "main", "https://chat.example.net/", false},
		{"path", "main", "https://chat.example.net/widget/frame.html", false},
		{"userinfo naming the host", "main", "https://chat.example.net@evil.io", false},
		{"userinfo before the host", "main", "https://evil.io@chat.example.net", false},
		{"uppercase host", "main", "https://CHAT.example.net", false},
		{"uppercase scheme", "main", "HTTPS://chat.example.net", false},
		{"space around", "main", " https://chat.example.net", false},
		{"other scheme", "main", "ws://chat.example.net", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := allow.Channel(t.Context(), tt.channel, tt.origin)
			if got := err == nil; got != tt.want || (err != nil && !errors.Is(err, auth.ErrOrigin)) {
				t.Errorf("Channel(%q, %q) = %v, want allowed %v", tt.channel, tt.origin, err, tt.want)
			}
		})
	}
}

// TestAllowlistFailsClosed: a channel's list that cannot be read allows
// nothing, and no allowlist is built without the channels' lists.
func TestAllowlistFailsClosed(t *testing.T) {
	if _, err := auth.NewAllowlist(nil, nil, nil); err == nil {
		t.Error("NewAllowlist built an allowlist without the channels' origins")
	}
	down := errors.New("dynamodb: throttled")
	allow, err := auth.NewAllowlist(failingOrigins{down}, mustOrigins(t, "https://chat.example.net"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := allow.Channel(t.Context(), "main", "https://chat.example.net"); !errors.Is(err, down) {
		t.Errorf("Channel with the lists unreadable = %v, want the read's error", err)
	}
}

type failingOrigins struct{ err error }

func (f failingOrigins) ChannelOrigins(context.Context, string) (auth.Origins, error) {
	return nil, f.err
}

func TestCheckSocket(t *testing.T) {
	appOrigins, err := auth.ParseAppOrigins([]string{"https://d1.cloudfront.net/", "http://localhost:3000/inbox/"})
	if err != nil {
		t.Fatal(err)
	}
	allow, err := auth.NewAllowlist(auth.StaticOrigins{"main": mustOrigins(t, "https://example.com")}, mustOrigins(t, "https://chat.example.net"), appOrigins)
	if err != nil {
		t.Fatal(err)
	}
	visitor := chat.Ticket{Principal: chat.Principal{Role: chat.RoleVisitor, ID: "v"}, ChannelID: "main"}
	agent := chat.Ticket{Principal: chat.Principal{Role: chat.RoleAgent, ID: "a"}}
	tests := []struct {
		name   string
		ticket chat.Ticket
		origin string
		want   error
	}{
		{"visitor from the chat window", visitor, "https://chat.example.net", nil},
		{"visitor from its channel's site", visitor, "https://example.com", auth.ErrOrigin},
		{"visitor from the inbox", visitor, "https://d1.cloudfront.net", auth.ErrOrigin},
		{"visitor ticket without channel", chat.Ticket{Principal: visitor.Principal}, "https://chat.example.net", auth.ErrOrigin},
		{"agent from the chat window", agent, "https://chat.example.net", auth.ErrOrigin},
		{"agent from the inbox", agent, "https://d1.cloudfront.net", nil},
		{"agent from a callback URL's origin", agent, "http://localhost:3000", nil},
		{"agent from a site", agent, "https://example.com", auth.ErrOrigin},
		{"agent without origin", agent, "", auth.ErrOrigin},
		{"unknown role", chat.Ticket{Principal: chat.Principal{Role: "bot", ID: "b"}}, "https://example.com", auth.ErrOrigin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := allow.CheckSocket(t.Context(), tt.ticket, tt.origin); !errors.Is(err, tt.want) {
				t.Errorf("CheckSocket = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := auth.ParseAppOrigins([]string{"/inbox/"}); err == nil {
		t.Error("ParseAppOrigins accepted a URL without host")
	}
}

func TestChannelTicket(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, err := auth.NewSigner(secret, clockAt(&now))
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := s.ChannelTicket(chat.Principal{Role: chat.RoleVisitor, ID: "v-1"}, "main")
	got, err := s.VerifyTicket(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.ChannelID != "main" || !got.IssuedAt.Equal(now) {
		t.Errorf("ticket channel %q issued %v, want main at %v", got.ChannelID, got.IssuedAt, now)
	}
}

func TestClaims(t *testing.T) {
	req := func(claims map[string]string) events.APIGatewayV2HTTPRequest {
		var r events.APIGatewayV2HTTPRequest
		r.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
		return r
	}
	groups := []struct {
		claim string
		want  bool
	}{
		{"[admins]", true},
		{"[editors admins]", true},
		{`["editors","admins"]`, true},
		{"[admins-readonly]", false},
		{"[superadmins]", false},
		{"", false},
	}
	for _, g := range groups {
		if got := auth.InGroup(req(map[string]string{"cognito:groups": g.claim}), "admins"); got != g.want {
			t.Errorf("InGroup(%q) = %v, want %v", g.claim, got, g.want)
		}
	}
	if got := auth.IssuedAt(req(map[string]string{"iat": "1700000000"})); !got.Equal(time.Unix(1_700_000_000, 0)) {
		t.Errorf("IssuedAt = %v", got)
	}
	if got := auth.IssuedAt(req(map[string]string{})); !got.IsZero() {
		t.Errorf("IssuedAt without iat = %v, want zero", got)
	}
}

// TestSite: the site a chat window is embedded in must be on its channel's
// list, matched exactly; an unknown channel allows no site.
func TestSite(t *testing.T) {
	allow, err := auth.NewAllowlist(auth.StaticOrigins{"main": mustOrigins(t, "https://example.com", "https://shop.example.com")},
		mustOrigins(t, "https://chat.example.net"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		channel, embedder string
		want              error
	}{
		{"main", "https://example.com", nil},
		{"main", "https://shop.example.com", nil},
		{"main", "", nil},
		{"main", "https://evil.example", auth.ErrSite},
		{"main", "https://example.com.evil.io", auth.ErrSite},
		{"main", "http://example.com", auth.ErrSite},
		{"main", "https://chat.example.net", auth.ErrSite},
		{"main", "null", auth.ErrSite},
		{"nope", "https://example.com", auth.ErrOrigin},
	}
	for _, tt := range tests {
		if err := allow.Site(t.Context(), tt.channel, tt.embedder); !errors.Is(err, tt.want) {
			t.Errorf("Site(%s, %q) = %v, want %v", tt.channel, tt.embedder, err, tt.want)
		}
	}
}
