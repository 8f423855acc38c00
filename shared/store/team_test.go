package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
	"github.com/parleychat/parley/shared/team"
)

func agent(id, name string, role chat.TeamRole, inboxes ...string) chat.Agent {
	if inboxes == nil {
		inboxes = []string{}
	}
	return chat.Agent{ID: id, DisplayName: name, Inboxes: inboxes, Role: role, Granted: role}
}

// TestMemberships: an agent's memberships are items of their own, read
// with its profile, with its access state (one Query), by inbox and with
// the whole team; changing them changes every one of these reads.
func TestMemberships(t *testing.T) {
	s, db := newStore(t)
	ctx := t.Context()
	ann := agent("ann", "Ann", chat.TeamAgent, "main", "sales")
	bob := agent("bob", "Bob", chat.TeamAgent, "main")
	for _, a := range []chat.Agent{ann, bob} {
		if _, err := s.EnsureAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	members := func(inbox string) []string {
		t.Helper()
		ids, err := s.InboxMembers(ctx, inbox)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	check := func(step string, want map[string][]string, wantAgents ...chat.Agent) {
		t.Helper()
		for inbox, ids := range want {
			if diff := cmp.Diff(ids, members(inbox)); diff != "" {
				t.Errorf("%s: members of %s (-want +got):\n%s", step, inbox, diff)
			}
		}
		for _, a := range wantAgents {
			db.Calls()
			rec, err := s.AgentRecord(ctx, a.ID)
			if err != nil || rec.Profile == nil {
				t.Fatalf("%s: record of %s: %+v, %v", step, a.ID, rec, err)
			}
			if diff := cmp.Diff(a, *rec.Profile); diff != "" {
				t.Errorf("%s: %s as admitted (-want +got):\n%s", step, a.ID, diff)
			}
			if diff := cmp.Diff(map[string]int{"Query": 1}, db.Calls()); diff != "" {
				t.Errorf("%s: admission reads (-want +got):\n%s", step, diff)
			}
		}
		all, err := s.Agents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantAgents, all); diff != "" {
			t.Errorf("%s: the team (-want +got):\n%s", step, diff)
		}
	}
	check("created", map[string][]string{"main": {"ann", "bob"}, "sales": {"ann"}}, ann, bob)

	boss := access.Admin{ID: "boss", ByGroup: true}
	if err := s.UpdateMember(ctx, "ann", chat.TeamAdmin, []string{"support"}, []string{"sales"}, []access.Admin{boss}); err != nil {
		t.Fatal(err)
	}
	ann = agent("ann", "Ann", chat.TeamAdmin, "main", "support")
	check("ann moved from sales to support, made admin", map[string][]string{"main": {"ann", "bob"}, "sales": nil, "support": {"ann"}}, ann, bob)

	if err := s.SetMemberships(ctx, "main", []string{"carl"}, []string{"ann", "bob"}); err != nil {
		t.Fatal(err)
	}
	ann.Inboxes, bob.Inboxes = []string{"support"}, []string{}
	check("main's members replaced", map[string][]string{"main": {"carl"}}, ann, bob)

	if err := s.UpdateMember(ctx, "nobody", chat.TeamAgent, []string{"main"}, nil, []access.Admin{boss}); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("an agent without a profile: %v, want ErrNotFound", err)
	}
	if got := members("main"); !cmp.Equal([]string{"carl"}, got) {
		t.Errorf("a refused change added members: %v", got)
	}
}

// TestTeamRecords: the team list carries who is disabled and who has not
// signed in since its invitation; the first sign-in clears the mark.
func TestTeamRecords(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	boss := access.Admin{ID: "boss", ByGroup: true}
	noor := agent("noor", "Noor", chat.TeamAgent, "main")
	noor.Email, noor.Invited = "noor@example.com", true
	if err := s.CreateInvited(ctx, noor, boss); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateInvited(ctx, noor, boss); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("inviting the same id again: %v, want ErrConflict", err)
	}
	if _, err := s.EnsureAgent(ctx, agent("ben", "Ben", chat.TeamAgent, "main")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAgentDisabled(ctx, "ben", true, boss); err != nil {
		t.Fatal(err)
	}
	team := func() map[string]string {
		t.Helper()
		recs, err := s.Team(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range recs {
			out[r.Agent.ID] = map[bool]string{true: "disabled", false: "enabled"}[r.Disabled]
			if r.Agent.Invited {
				out[r.Agent.ID] += ", invited"
			}
		}
		return out
	}
	if diff := cmp.Diff(map[string]string{"noor": "enabled, invited", "ben": "disabled"}, team()); diff != "" {
		t.Errorf("team (-want +got):\n%s", diff)
	}
	got, err := s.EnsureAgent(ctx, agent("noor", "claims name", chat.TeamAgent))
	if err != nil {
		t.Fatal(err)
	}
	noor.Invited = false
	if diff := cmp.Diff(noor, got); diff != "" {
		t.Errorf("first sign-in (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"noor": "enabled", "ben": "disabled"}, team()); diff != "" {
		t.Errorf("team after the sign-in (-want +got):\n%s", diff)
	}
}

// TestAdminMustRemain: a change that could leave the team without an
// admin commits only while its keeper is still an enabled admin, and
// changes nothing otherwise.
func TestAdminMustRemain(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	bob := access.Admin{ID: "bob"}
	for _, a := range []chat.Agent{agent("bob", "Bob", chat.TeamAdmin), agent("carol", "Carol", chat.TeamAdmin)} {
		if _, err := s.EnsureAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// Bob loses his role (Carol's change), then tries to act as an admin.
	if err := s.UpdateMember(ctx, "bob", chat.TeamAgent, nil, nil, []access.Admin{{ID: "carol"}}); err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name string
		do   func() error
	}{
		{"demote", func() error {
			return s.UpdateMember(ctx, "carol", chat.TeamAgent, []string{"x"}, nil, []access.Admin{bob})
		}},
		{"disable", func() error { return s.SetAgentDisabled(ctx, "carol", true, bob) }},
		{"invite", func() error { return s.CreateInvited(ctx, agent("dan", "Dan", chat.TeamAdmin, "main"), bob) }},
	}
	for _, tt := range refused {
		if err := tt.do(); !errors.Is(err, access.ErrNoLongerAdmin) {
			t.Errorf("%s by a former admin: %v, want ErrNoLongerAdmin", tt.name, err)
		}
	}
	recs, err := s.Team(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]team.Record{}
	for _, r := range recs {
		got[r.Agent.ID] = r
	}
	want := map[string]team.Record{
		"bob":   {Agent: agent("bob", "Bob", chat.TeamAgent)},
		"carol": {Agent: agent("carol", "Carol", chat.TeamAdmin)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the refused changes (-want +got):\n%s", diff)
	}

	// A disabled admin keeps nothing either; through the admin group, the
	// profile need not hold the role.
	if err := s.SetAgentDisabled(ctx, "bob", true, access.Admin{ID: "carol"}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateMember(ctx, "carol", chat.TeamAgent, nil, nil, []access.Admin{{ID: "bob", ByGroup: true}}); !errors.Is(err, access.ErrNoLongerAdmin) {
		t.Errorf("kept by a disabled group admin: %v, want ErrNoLongerAdmin", err)
	}
	if err := s.SetAgentDisabled(ctx, "bob", false, access.Admin{ID: "carol"}); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateMember(ctx, "carol", chat.TeamAgent, nil, nil, []access.Admin{{ID: "bob", ByGroup: true}}); err != nil {
		t.Errorf("kept by an enabled group admin: %v", err)
	}
}

// TestProfileListingItsInboxes: a profile written when it listed its
// inboxes itself still tells them, and its first sign-in moves them to
// membership items and into the team.
func TestProfileListingItsInboxes(t *testing.T) {
	db := storetest.NewCounting(ddb.Client())
	table := ddb.NewTable(t)
	s := store.New(db, table, nil)
	ctx := t.Context()
	_, err := ddb.Client().PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "AGENT#old"}, "sk": &types.AttributeValueMemberS{Value: "PROFILE"},
		"agentId": &types.AttributeValueMemberS{Value: "old"}, "displayName": &types.AttributeValueMemberS{Value: "Olga"},
		"inboxes": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "main"}}},
		"gsi1pk":  &types.AttributeValueMemberS{Value: "MEMBERS#main"}, "gsi1sk": &types.AttributeValueMemberS{Value: "old"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := agent("old", "Olga", chat.TeamAgent, "main")
	rec, err := s.AgentRecord(ctx, "old")
	if err != nil || rec.Profile == nil || !cmp.Equal(want, *rec.Profile) {
		t.Fatalf("admitted = %+v, %v; want %+v", rec.Profile, err, want)
	}
	got, err := s.EnsureAgent(ctx, agent("old", "claims", chat.TeamAgent, "main"))
	if err != nil || !cmp.Equal(want, got) {
		t.Fatalf("first sign-in = %+v, %v", got, err)
	}
	all, err := s.Agents(ctx)
	if err != nil || !cmp.Equal([]chat.Agent{want}, all) {
		t.Errorf("team = %+v, %v; want Olga", all, err)
	}
	if ids, err := s.InboxMembers(ctx, "main"); err != nil || !cmp.Equal([]string{"old"}, ids) {
		t.Errorf("members of main = %v, %v; want [old] once", ids, err)
	}
}

// TestUpdateMemberPastOneTransaction: moving an agent between 50 inboxes
// and 50 others is 100 membership writes beside the role and the admins'
// checks, more than one transaction holds; they follow the first, which
// alone decides whether anything is written.
func TestUpdateMemberPastOneTransaction(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	var olds, news []string
	for i := range 50 {
		olds = append(olds, fmt.Sprintf("a%02d", i))
		news = append(news, fmt.Sprintf("b%02d", i))
	}
	for _, a := range []chat.Agent{agent("ann", "Ann", chat.TeamAgent, olds...), agent("boss", "Boss", chat.TeamAdmin), agent("old", "Old", chat.TeamAgent)} {
		if _, err := s.EnsureAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	inboxes := func() []string {
		t.Helper()
		rec, err := s.AgentRecord(ctx, "ann")
		if err != nil || rec.Profile == nil {
			t.Fatalf("record of ann: %+v, %v", rec, err)
		}
		return rec.Profile.Inboxes
	}
	// Kept by an agent who is no admin: refused whole.
	if err := s.UpdateMember(ctx, "ann", chat.TeamAgent, news, olds, []access.Admin{{ID: "old"}}); !errors.Is(err, access.ErrNoLongerAdmin) {
		t.Errorf("kept by a non-admin: %v, want ErrNoLongerAdmin", err)
	}
	if got := inboxes(); !cmp.Equal(olds, got) {
		t.Errorf("a refused change moved memberships: %v", got)
	}
	if err := s.UpdateMember(ctx, "ann", chat.TeamAdmin, news, olds, []access.Admin{{ID: "boss"}}); err != nil {
		t.Fatal(err)
	}
	if got := inboxes(); !cmp.Equal(news, got) {
		t.Errorf("inboxes after the move = %v, want %v", got, news)
	}
}
