package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/chat"
)

// apiStatus is the status of an agent API call: 200 for success, the
// error's status otherwise.
func apiStatus(err error) int {
	var apiErr *chatclient.APIError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &apiErr):
		return apiErr.Status
	}
	return 0
}

func agentTicket(t *testing.T, a *chatclient.Agent) (string, error) {
	t.Helper()
	var out struct{ Ticket string }
	err := a.Call(wait(t), http.MethodPost, "/agent/ticket", nil, &out)
	return out.Ticket, err
}

// closedWithin waits for the server to close s.
func closedWithin(t *testing.T, s *chatclient.Socket, d time.Duration) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(d):
		t.Fatalf("socket still open %s later", d)
	}
}

// toldWhy checks that the server said why it closes s before it did, so
// the inbox can say it ("closing" frame; API Gateway closes sockets with
// code 1000 and no reason).
func toldWhy(t *testing.T, s *chatclient.Socket, reason string) {
	t.Helper()
	f, err := s.Next(wait(t), chatclient.IsType("closing"))
	if err != nil {
		t.Fatalf("no closing frame before the socket closed: %v", err)
	}
	var c struct {
		CloseCode int    `json:"closeCode"`
		Reason    string `json:"reason"`
	}
	if err := json.Unmarshal(f.Raw, &c); err != nil || c.Reason != reason || c.CloseCode < 4000 || c.CloseCode > 4999 {
		t.Errorf("closing frame %s, want reason %q and a 4xxx code", f.Raw, reason)
	}
}

// nextSecond waits until tokens minted now are issued after a sign-out
// made before the call (iat has whole seconds).
func nextSecond() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
}

func TestAgentSignOut(t *testing.T) {
	// Tokens minted later in this second would be refused as signed out.
	t.Cleanup(nextSecond)
	a := newAgent(t, "chiara")
	s1, s2 := connect(t, a), connect(t, a)
	spare, err := agentTicket(t, a)
	if err != nil {
		t.Fatal(err)
	}
	other := connect(t, newAgent(t, "ben"))

	start := time.Now()
	if err := a.Call(wait(t), http.MethodPost, "/agent/signout", nil, nil); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	// Both sockets left chiara's presence with the sign-out, whatever
	// their $disconnect finds when it comes, and she is away at once.
	if p, err := chatStore(t).AgentPresence(wait(t), mustSub(t, "chiara")); err != nil || len(p.Sockets) > 0 || p.Effective(cloud.Now()) != chat.AgentAway {
		t.Errorf("presence after the sign-out: %+v, %v; want no socket and away", p, err)
	}
	for _, s := range []*chatclient.Socket{s1, s2} {
		toldWhy(t, s, "signed_out")
		closedWithin(t, s, 5*time.Second)
	}
	t.Logf("sign-out to both sockets closed: %s", time.Since(start).Round(time.Millisecond))

	if _, err := a.List(wait(t), "open", "all", "", 0); apiStatus(err) != http.StatusUnauthorized {
		t.Errorf("agent API with the old token: %v, want 401", err)
	}
	if _, err := agentTicket(t, a); apiStatus(err) != http.StatusUnauthorized {
		t.Errorf("ticket with the old token: %v, want 401", err)
	}
	if s, err := chatclient.DialTicket(wait(t), cloud.Endpoints().WebSocket, spare, cloud.URL()); apiStatus(err) != http.StatusUnauthorized {
		if s != nil {
			s.Close()
		}
		t.Errorf("socket with a ticket issued before the sign-out: %v, want 401", err)
	}

	// Another agent's socket stays open and live.
	if err := other.Send(wait(t), map[string]string{"action": "ping"}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Next(wait(t), chatclient.IsType("pong")); err != nil {
		t.Errorf("other agent's socket: %v", err)
	}

	// Signing in again gives a token issued after the sign-out.
	nextSecond()
	again := newAgent(t, "chiara")
	if _, err := again.List(wait(t), "open", "all", "", 0); err != nil {
		t.Errorf("after signing in again: %v", err)
	}
	connect(t, again)
}

func TestAdminDisablesAgent(t *testing.T) {
	admin := newAgent(t, "alice")
	// The admin's profile, as the inbox's first request makes it.
	if err := admin.Call(wait(t), http.MethodGet, "/agent/me", nil, nil); err != nil {
		t.Fatal(err)
	}
	ben := newAgent(t, "ben")
	benSub := mustSub(t, "ben")
	setAccessCtx := func(ctx context.Context, a *chatclient.Agent, sub string, disabled bool) error {
		return a.Call(ctx, http.MethodPut, "/agent/agents/"+sub+"/access", map[string]bool{"disabled": disabled}, nil)
	}
	setAccess := func(a *chatclient.Agent, sub string, disabled bool) error {
		return setAccessCtx(wait(t), a, sub, disabled)
	}
	// Ben is enabled again even when the test stops half way (the test's
	// context is over by then).
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := setAccessCtx(ctx, admin, benSub, false); err != nil {
			t.Errorf("enable ben again: %v", err)
		}
	})
	s := connect(t, ben)

	if err := setAccess(newAgent(t, "chiara"), benSub, true); apiStatus(err) != http.StatusForbidden {
		t.Errorf("a non-admin disabling: %v, want 403", err)
	}
	if err := setAccess(admin, mustSub(t, "alice"), true); apiStatus(err) != http.StatusBadRequest {
		t.Errorf("an admin disabling itself: %v, want 400", err)
	}
	if err := admin.Call(wait(t), http.MethodPut, "/agent/agents/"+benSub+"/access", map[string]string{}, nil); apiStatus(err) != http.StatusBadRequest {
		t.Errorf("no disabled field: %v, want 400", err)
	}

	if err := setAccess(admin, benSub, true); err != nil {
		t.Fatalf("disable: %v", err)
	}
	toldWhy(t, s, "disabled")
	closedWithin(t, s, 5*time.Second)
	// Ben's socket left his presence with the disabling, and its
	// $disconnect, which may come before or after, does not put it back;
	// he is away at once.
	if p, err := chatStore(t).AgentPresence(wait(t), benSub); err != nil || len(p.Sockets) > 0 || p.Effective(cloud.Now()) != chat.AgentAway {
		t.Errorf("presence after disabling: %+v, %v; want no socket and away", p, err)
	}
	if _, err := ben.List(wait(t), "open", "all", "", 0); apiStatus(err) != http.StatusUnauthorized {
		t.Errorf("disabled agent: %v, want 401", err)
	}
	if _, err := agentTicket(t, ben); apiStatus(err) != http.StatusUnauthorized {
		t.Errorf("disabled agent's ticket: %v, want 401", err)
	}
	// The user pool disabled the user too: no new sign-in.
	if _, err := cloud.Issuer().Mint(benSub, time.Hour); err == nil {
		t.Error("the user pool still signs the disabled agent in")
	}

	if err := setAccess(admin, benSub, false); err != nil {
		t.Fatalf("enable: %v", err)
	}
	if _, err := ben.List(wait(t), "open", "all", "", 0); err != nil {
		t.Errorf("enabled again: %v", err)
	}
	connect(t, ben)
}

func mustSub(t *testing.T, name string) string {
	t.Helper()
	sub, err := oidc.DemoSub(name)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
