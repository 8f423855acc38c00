package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/chat"
)

// boss is an admin through the admin group: disabling in its name needs
// only that it is not disabled itself.
var boss = access.Admin{ID: "boss", ByGroup: true}

func TestAgentAccess(t *testing.T) {
	s, db := newStore(t)
	ctx := t.Context()
	got, err := s.AgentAccess(ctx, "agent-1")
	if err != nil || got != (access.State{}) {
		t.Fatalf("never touched: %+v, %v; want the zero state", got, err)
	}
	steps := []struct {
		name string
		do   func() error
		want access.State
	}{
		{"signed out", func() error { return s.SetAgentSignedOut(ctx, "agent-1", t0) }, access.State{SignedOutAt: t0}},
		{"an older sign-out is ignored", func() error { return s.SetAgentSignedOut(ctx, "agent-1", t0.Add(-time.Hour)) }, access.State{SignedOutAt: t0}},
		{"disabled", func() error { return s.SetAgentDisabled(ctx, "agent-1", true, boss) }, access.State{Disabled: true, SignedOutAt: t0}},
		{"enabled, still signed out", func() error { return s.SetAgentDisabled(ctx, "agent-1", false, boss) }, access.State{SignedOutAt: t0}},
		{"signed out again", func() error { return s.SetAgentSignedOut(ctx, "agent-1", t0.Add(time.Minute)) }, access.State{SignedOutAt: t0.Add(time.Minute)}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		db.Calls()
		got, err := s.AgentAccess(ctx, "agent-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		if diff := cmp.Diff(map[string]int{"GetItem": 1}, db.Calls()); diff != "" {
			t.Errorf("%s: a check costs one GetItem (-want +got):\n%s", st.name, diff)
		}
	}
	// The profile is another item: writing it keeps the access state.
	if _, err := s.EnsureAgent(ctx, chat.Agent{ID: "agent-1", DisplayName: "A", Inboxes: []string{"main"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateProfile(ctx, chat.Agent{ID: "agent-1", DisplayName: "B"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AgentAccess(ctx, "agent-1"); got.SignedOutAt.IsZero() {
		t.Error("profile write lost the sign-out")
	}
}

func TestAgentConnections(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	agent := func(id string) chat.Principal { return chat.Principal{Role: chat.RoleAgent, ID: id} }
	for conn, p := range map[string]chat.Principal{"c1": agent("a1"), "c2": agent("a1"), "c3": agent("a2")} {
		if err := s.SaveConnection(ctx, chat.Connection{ID: conn, Principal: p, Inboxes: []string{"main"}, ConnectedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveConnection(ctx, chat.Connection{ID: "v1", Principal: visitorP("a1"), ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := s.AgentConnections(ctx, "main", "a1")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"c1", "c2"}, got); diff != "" {
		t.Errorf("connections of a1 (-want +got):\n%s", diff)
	}
}

// TestAgentRecord: one consistent Query reads the access state, the
// memberships and the profile, each absent until written.
func TestAgentRecord(t *testing.T) {
	s, db := newStore(t)
	ctx := t.Context()
	profile := chat.Agent{ID: "agent-1", DisplayName: "Ann", Inboxes: []string{"main", "sales"}, Role: chat.TeamAgent, Granted: chat.TeamAgent}
	steps := []struct {
		name string
		do   func() error
		want access.Record
	}{
		{"never touched", func() error { return nil }, access.Record{}},
		{"signed out", func() error { return s.SetAgentSignedOut(ctx, "agent-1", t0) }, access.Record{State: access.State{SignedOutAt: t0}}},
		{"with a profile", func() error { _, err := s.EnsureAgent(ctx, profile); return err }, access.Record{State: access.State{SignedOutAt: t0}, Profile: &profile}},
		{"disabled", func() error { return s.SetAgentDisabled(ctx, "agent-1", true, boss) }, access.Record{State: access.State{Disabled: true, SignedOutAt: t0}, Profile: &profile}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		db.Calls()
		got, err := s.AgentRecord(ctx, "agent-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		if diff := cmp.Diff(map[string]int{"Query": 1}, db.Calls()); diff != "" {
			t.Errorf("%s: the record costs one Query (-want +got):\n%s", st.name, diff)
		}
	}
}
