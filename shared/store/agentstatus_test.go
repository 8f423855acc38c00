package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
)

// TestAgentPresence: an agent's inbox sockets are recorded as they open
// (in the connection's own transaction) and forgotten as they close, with
// the instant of the close; entries of sockets whose $disconnect was lost
// go once they are past their 2 hours; the chosen status stays apart.
func TestAgentPresence(t *testing.T) {
	s, db := newStore(t)
	ctx := t.Context()
	agent := chat.Principal{Role: chat.RoleAgent, ID: "agent-1", Inboxes: []string{"main"}}
	conn := func(id string, at time.Time) chat.Connection {
		return chat.Connection{ID: id, Principal: agent, Inboxes: agent.Inboxes, ConnectedAt: at}
	}
	lost, a, b := conn("lost", t0.Add(-3*time.Hour)), conn("a", t0), conn("b", t0.Add(time.Minute))
	db.Calls()
	for _, c := range []chat.Connection{lost, a, b} {
		if err := s.SaveConnection(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if calls := db.Calls(); calls["TransactWriteItems"] != 3 || len(calls) != 1 {
		t.Errorf("saving three sockets called %v, want their three transactions alone", calls)
	}
	p, err := s.AgentPresence(ctx, agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := chat.Presence{Sockets: []chat.AgentSocket{
		{ConnectionID: "lost", ExpiresAt: t0.Add(-time.Hour)}, {ConnectionID: "a", ExpiresAt: t0.Add(store.ConnectionTTL)},
		{ConnectionID: "b", ExpiresAt: t0.Add(time.Minute + store.ConnectionTTL)},
	}}
	if diff := cmp.Diff(want, p, sockets()); diff != "" {
		t.Errorf("presence (-want +got):\n%s", diff)
	}
	for _, s := range p.Sockets {
		if !s.OpenedAt.Equal(s.ExpiresAt.Add(-store.ConnectionTTL)) {
			t.Errorf("socket %s opened %s, expires %s: want the connection's lifetime apart", s.ConnectionID, s.OpenedAt, s.ExpiresAt)
		}
	}

	if _, err := s.SetAgentStatus(ctx, agent.ID, chat.AgentAway); err != nil {
		t.Fatal(err)
	}
	closed := t0.Add(5 * time.Minute)
	if err := s.AgentSocketClosed(ctx, a, closed); err != nil {
		t.Fatal(err)
	}
	got, err := s.AgentPresences(ctx, []string{agent.ID, "nobody", agent.ID})
	if err != nil {
		t.Fatal(err)
	}
	want = chat.Presence{Status: chat.AgentAway, LastClosedAt: closed, LastClosedOpenedAt: t0, Sockets: []chat.AgentSocket{{ConnectionID: "b", ExpiresAt: t0.Add(time.Minute + store.ConnectionTTL)}}}
	if diff := cmp.Diff(map[string]chat.Presence{agent.ID: want}, got, sockets()); diff != "" {
		t.Errorf("presences after a close (-want +got):\n%s", diff)
	}
}

func sockets() cmp.Option {
	return cmp.Transformer("sortSockets", func(in []chat.AgentSocket) map[string]time.Time {
		out := map[string]time.Time{}
		for _, s := range in {
			out[s.ConnectionID] = s.ExpiresAt.UTC()
		}
		return out
	})
}
