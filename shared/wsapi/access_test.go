package wsapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
)

// agentState is an access.Store for one agent's state; the socket parts
// are not used by Check.
type agentState struct{ access.State }

func (a *agentState) AgentAccess(context.Context, string) (access.State, error) { return a.State, nil }
func (a *agentState) AgentRecord(context.Context, string) (access.Record, error) {
	return access.Record{State: a.State}, nil
}
func (a *agentState) SetAgentDisabled(context.Context, string, bool, access.Admin) error { return nil }
func (a *agentState) SetAgentSignedOut(context.Context, string, time.Time) error {
	return nil
}
func (a *agentState) AgentConnections(context.Context, string, string) ([]string, error) {
	return nil, nil
}

func TestConnectAccess(t *testing.T) {
	h := newHarness(t)
	chatWindow, _ := auth.ParseOrigins([]string{"https://www.example.com"})
	inbox, _ := auth.ParseOrigins([]string{"https://inbox.example.net"})
	state := &agentState{}
	limiter := ratelimit.New(h.store, ratelimit.Limits{PerIP: chat.RateLimit{Limit: 2, Window: time.Hour}}, func() time.Time { return h.now })
	allow, err := auth.NewAllowlist(auth.StaticOrigins{"main": nil}, chatWindow, inbox)
	if err != nil {
		t.Fatal(err)
	}
	h.connect = h.newConnect(t, allow, limiter, access.New(state, nil, nil, nil))

	visitor := chat.Principal{Role: chat.RoleVisitor, ID: "v-1"}
	agent := chat.Principal{Role: chat.RoleAgent, ID: "a-1"}
	connect := func(ticket, origin, ip string) (int, string) {
		req := fixture(t, "connect.json")
		req.RequestContext.ConnectionID = "c-" + ticket[len(ticket)-8:]
		req.RequestContext.Identity.SourceIP = ip
		req.QueryStringParameters["ticket"] = ticket
		req.Headers = map[string]string{"Origin": origin}
		res, err := h.connect.Handle(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Headers["Retry-After"]
	}
	ticket := func(p chat.Principal, channel string) string {
		tk, _ := h.signer.ChannelTicket(p, channel)
		return tk
	}
	tests := []struct {
		name, ticket, origin, ip string
		signedOut                bool
		want                     int
	}{
		{"visitor from the site", ticket(visitor, "main"), "https://www.example.com", "192.0.2.1", false, http.StatusOK},
		{"visitor from elsewhere", ticket(visitor, "main"), "https://evil.example", "192.0.2.1", false, http.StatusUnauthorized},
		{"visitor of another channel", ticket(visitor, "shop"), "https://www.example.com", "192.0.2.2", false, http.StatusUnauthorized},
		{"agent from the site", ticket(agent, ""), "https://www.example.com", "192.0.2.2", false, http.StatusUnauthorized},
		{"agent from the inbox", ticket(agent, ""), "https://inbox.example.net", "192.0.2.3", false, http.StatusOK},
		{"agent signed out since the ticket", ticket(agent, ""), "https://inbox.example.net", "192.0.2.3", true, http.StatusUnauthorized},
		// 192.0.2.1's third attempt: refused ones count too.
		{"third from one address", ticket(visitor, "main"), "https://www.example.com", "192.0.2.1", false, http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state.SignedOutAt = time.Time{}
			if tt.signedOut {
				state.SignedOutAt = h.now.Add(time.Second)
			}
			status, retry := connect(tt.ticket, tt.origin, tt.ip)
			if status != tt.want {
				t.Fatalf("status %d, want %d", status, tt.want)
			}
			if (status == http.StatusTooManyRequests) != (retry != "") {
				t.Errorf("Retry-After %q with status %d", retry, status)
			}
		})
	}
}

// signedOutMeanwhile lets the agent in at the first check (Admit, before
// the connection is stored) and refuses it at the one after (Check): a
// sign-out between the two.
type signedOutMeanwhile struct{ agentState }

func (*signedOutMeanwhile) AgentAccess(context.Context, string) (access.State, error) {
	return access.State{SignedOutAt: time.Now().Add(time.Hour)}, nil
}

// TestConnectRacingASignOut: a socket stored as its agent signs out is
// refused and forgotten, and leaves the agent away at once, not counted
// as a reload's close.
func TestConnectRacingASignOut(t *testing.T) {
	h := newHarness(t)
	inbox, _ := auth.ParseOrigins([]string{"https://inbox.example.net"})
	allow, err := auth.NewAllowlist(auth.StaticOrigins{"main": nil}, nil, inbox)
	if err != nil {
		t.Fatal(err)
	}
	h.connect = h.newConnect(t, allow, ratelimit.New(h.store, ratelimit.Limits{}, nil), access.New(&signedOutMeanwhile{}, nil, nil, nil))
	agent := chat.Principal{Role: chat.RoleAgent, ID: "a-1", Inboxes: []string{"main"}}
	req := fixture(t, "connect.json")
	req.QueryStringParameters["ticket"] = h.ticket(agent)
	req.Headers = map[string]string{"Origin": "https://inbox.example.net"}
	res, err := h.connect.Handle(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", res.StatusCode)
	}
	p, err := h.store.AgentPresence(t.Context(), agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sockets) != 0 || p.Effective(h.now) != chat.AgentAway {
		t.Errorf("presence %+v is %s; want no socket and away", p, p.Effective(h.now))
	}
}
