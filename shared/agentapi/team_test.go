package agentapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/agentapi"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
)

// directory is a team.Directory that remembers its users.
type directory struct {
	mu       sync.Mutex
	subs     map[string]string // email -> sub
	disabled map[string]bool
	invites  int
}

func (d *directory) Invite(_ context.Context, email, _ string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.subs == nil {
		d.subs, d.disabled = map[string]string{}, map[string]bool{}
	}
	if _, ok := d.subs[email]; ok {
		return "", team.ErrAddressTaken
	}
	d.invites++
	d.subs[email] = uuid.NewString()
	return d.subs[email], nil
}

func (d *directory) Remove(_ context.Context, sub string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for email, s := range d.subs {
		if s == sub {
			delete(d.subs, email)
		}
	}
	return nil
}

func (d *directory) SetEnabled(_ context.Context, sub string, enabled bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.disabled == nil {
		d.disabled = map[string]bool{}
	}
	d.disabled[sub] = !enabled
	return nil
}

// The fixture's agent (no claims given) is Ann, an admin through the
// admin group; Bob and Cat are agents.
var (
	annSub = "9f8e7d6c-5b4a-4321-8fed-cba987654321"
	boss   = map[string]string{"sub": annSub, "name": "Ann Agent", "email": "ann@example.com", "cognito:groups": "[admins]"}
)

// call sends one request and decodes the answer into out (when given).
func (f *fixture) call(t *testing.T, route, id, body string, claims map[string]string, out any) (int, string) {
	t.Helper()
	res, err := f.h.Handle(t.Context(), request(t, route, id, body, claims))
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal([]byte(res.Body), out); err != nil {
			t.Fatalf("%s: %v in %s", route, err, res.Body)
		}
	}
	return res.StatusCode, res.Body
}

// signIn makes the agent's profile (its first request).
func (f *fixture) signIn(t *testing.T, claims map[string]string) {
	t.Helper()
	if status, body := f.call(t, "GET /agent/me", "", "", claims, nil); status != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", claims["sub"], status, body)
	}
}

// TestAdminRoutesRefuseAgents: every route whose rule is admins answers an
// agent 403 forbidden, with the same body whatever the id, saying what
// only admins may do there, and writes nothing; a route added with the
// admins rule and no row here fails this test.
func TestAdminRoutesRefuseAgents(t *testing.T) {
	f := newFixture(t)
	f.signIn(t, bob)
	const (
		changeSettings = "change settings"
		team           = "manage the team"
		replies        = "change the team's saved replies"
	)
	rows := map[string]struct{ id, body, what string }{
		"PUT /agent/agents/{id}/access":           {annSub, `{"disabled":true}`, "turn an agent's access on or off"},
		"GET /agent/team":                         {"", "", team},
		"POST /agent/team":                        {"", `{"email":"x@example.com","name":"X","role":"admin","inboxIds":["main"]}`, team},
		"PUT /agent/team/{id}":                    {"bob-sub", `{"role":"admin","inboxIds":["main"]}`, team},
		"GET /agent/settings/channels":            {"", "", changeSettings},
		"POST /agent/settings/channels":           {"", `{"inboxId":"main","name":"Mine"}`, changeSettings},
		"GET /agent/settings/channels/{id}":       {"main", "", changeSettings},
		"PUT /agent/settings/channels/{id}":       {"main", `{"name":"Mine"}`, changeSettings},
		"GET /agent/settings/inboxes":             {"", "", changeSettings},
		"POST /agent/settings/inboxes":            {"", `{"name":"Mine"}`, changeSettings},
		"PUT /agent/settings/inboxes/{id}":        {"main", `{"name":"Mine","memberIds":[],"routing":{"mode":"manual","capacity":5}}`, changeSettings},
		"POST /agent/saved-replies/shared":        {"", `{"title":"Hi","body":"Hello"}`, replies},
		"PUT /agent/saved-replies/shared/{id}":    {"r-1", `{"title":"Hi","body":"Hello"}`, replies},
		"DELETE /agent/saved-replies/shared/{id}": {"r-1", "", replies},
		"GET /agent/reports":                      {"", "", "read the reports"},
		"GET /agent/contacts/{id}/export":         {"ann@example.com", "", "export or erase a contact"},
		"DELETE /agent/contacts/{id}":             {"ann@example.com", "", "export or erase a contact"},
	}
	for _, route := range agentapi.AdminRoutes(f.h) {
		row, ok := rows[route]
		if !ok {
			t.Errorf("%s is an admins' route without a row in this test", route)
			continue
		}
		t.Run(route, func(t *testing.T) {
			f.db.Calls()
			status, body := f.call(t, route, row.id, row.body, bob, nil)
			want := `{"error":{"code":"forbidden","message":"only admins can ` + row.what + `"}}`
			if status != http.StatusForbidden || body != want {
				t.Errorf("agent = %d %s; want 403 %s", status, body, want)
			}
			if calls := f.db.Calls(); writes(calls) != 0 {
				t.Errorf("refused request wrote: %v", calls)
			}
		})
	}
}

// TestRoleGrantAndRevoke: a role an admin grants in the product is in
// force from the agent's next request, and so is its revocation.
func TestRoleGrantAndRevoke(t *testing.T) {
	f := newFixture(t)
	f.signIn(t, boss)
	f.signIn(t, bob)
	var me chat.Agent
	if f.call(t, "GET /agent/me", "", "", bob, &me); me.Role != chat.TeamAgent {
		t.Errorf("bob's role = %q, want agent", me.Role)
	}
	if f.call(t, "GET /agent/me", "", "", boss, &me); me.Role != chat.TeamAdmin {
		t.Errorf("the group admin's role = %q, want admin", me.Role)
	}
	if status, _ := f.call(t, "GET /agent/team", "", "", bob, nil); status != http.StatusForbidden {
		t.Fatalf("agent on the team = %d, want 403", status)
	}

	var m team.Member
	if status, body := f.call(t, "PUT /agent/team/{id}", "bob-sub", `{"role":"admin","inboxIds":["main"]}`, boss, &m); status != http.StatusOK || m.Role != chat.TeamAdmin {
		t.Fatalf("grant = %d %s", status, body)
	}
	if status, body := f.call(t, "GET /agent/team", "", "", bob, nil); status != http.StatusOK {
		t.Errorf("granted admin on the team = %d %s, want 200", status, body)
	}
	if f.call(t, "GET /agent/me", "", "", bob, &me); me.Role != chat.TeamAdmin {
		t.Errorf("bob's role after the grant = %q, want admin", me.Role)
	}

	if status, body := f.call(t, "PUT /agent/team/{id}", "bob-sub", `{"role":"agent","inboxIds":["main"]}`, boss, &m); status != http.StatusOK || m.Role != chat.TeamAgent {
		t.Fatalf("revoke = %d %s", status, body)
	}
	if status, _ := f.call(t, "GET /agent/team", "", "", bob, nil); status != http.StatusForbidden {
		t.Errorf("revoked admin on the team = %d, want 403", status)
	}

	// The group makes Ann an admin: the product cannot take it back.
	status, body := f.call(t, "PUT /agent/team/{id}", annSub, `{"role":"agent","inboxIds":["main"]}`, boss, nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "admin group") {
		t.Errorf("revoking a group admin = %d %s, want 400", status, body)
	}
	var list struct{ Members []team.Member }
	f.call(t, "GET /agent/team", "", "", boss, &list)
	roles := map[string]string{}
	for _, m := range list.Members {
		roles[m.ID] = string(m.Role)
		if m.RoleFromGroup {
			roles[m.ID] += " (group)"
		}
	}
	if diff := cmp.Diff(map[string]string{annSub: "admin (group)", "bob-sub": "agent"}, roles); diff != "" {
		t.Errorf("team roles (-want +got):\n%s", diff)
	}
}

// TestTheLastAdminStays: an admin may give up its own role only while
// another enabled admin remains; two admins demoting each other at once
// leave one of them an admin.
func TestTheLastAdminStays(t *testing.T) {
	f := newFixture(t)
	carol := map[string]string{"sub": "carol-sub", "name": "Carol"}
	for _, c := range []map[string]string{boss, bob, carol} {
		f.signIn(t, c)
	}
	for _, id := range []string{"bob-sub", "carol-sub"} {
		if status, body := f.call(t, "PUT /agent/team/{id}", id, `{"role":"admin","inboxIds":["main"]}`, boss, nil); status != http.StatusOK {
			t.Fatalf("grant %s = %d %s", id, status, body)
		}
	}
	// Ann leaves the admin group: her token no longer carries it.
	ann := map[string]string{"sub": annSub, "name": "Ann Agent"}
	f.signIn(t, ann)

	// Bob and Carol demote each other at the same moment.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, pair := range [][2]map[string]string{{bob, carol}, {carol, bob}} {
		wg.Go(func() {
			statuses[i], _ = f.call(t, "PUT /agent/team/{id}", pair[1]["sub"], `{"role":"agent","inboxIds":["main"]}`, pair[0], nil)
		})
	}
	wg.Wait()
	slices.Sort(statuses)
	if diff := cmp.Diff([]int{http.StatusOK, http.StatusForbidden}, statuses); diff != "" {
		t.Fatalf("two admins demoting each other (-want +got):\n%s", diff)
	}
	var admins []map[string]string
	for _, c := range []map[string]string{bob, carol} {
		if status, _ := f.call(t, "GET /agent/team", "", "", c, nil); status == http.StatusOK {
			admins = append(admins, c)
		}
	}
	if len(admins) != 1 {
		t.Fatalf("%d admins left, want 1", len(admins))
	}
	last := admins[0]
	status, body := f.call(t, "PUT /agent/team/{id}", last["sub"], `{"role":"agent","inboxIds":["main"]}`, last, nil)
	if status != http.StatusConflict || !strings.Contains(body, "last admin") {
		t.Errorf("the last admin demoting itself = %d %s, want 409", status, body)
	}
	if status, body := f.call(t, "PUT /agent/team/{id}", annSub, `{"role":"admin","inboxIds":["main"]}`, last, nil); status != http.StatusOK {
		t.Fatalf("grant ann = %d %s", status, body)
	}
	if status, body := f.call(t, "PUT /agent/team/{id}", last["sub"], `{"role":"agent","inboxIds":["main"]}`, last, nil); status != http.StatusOK {
		t.Errorf("demoting itself beside another admin = %d %s, want 200", status, body)
	}
	if status, _ := f.call(t, "GET /agent/team", "", "", last, nil); status != http.StatusForbidden {
		t.Errorf("after demoting itself = %d, want 403", status)
	}
}

// TestInvitation: the invited agent is in the team at once, with its role
// and inboxes; its first sign-in (the directory's sub) finds them.
func TestInvitation(t *testing.T) {
	f := newFixture(t)
	f.signIn(t, boss)
	var invited team.Member
	status, body := f.call(t, "POST /agent/team", "", `{"email":"noor@Example.com","name":" Noor Haddad ","role":"agent","inboxIds":["sales","main","sales"]}`, boss, &invited)
	if status != http.StatusCreated {
		t.Fatalf("invite = %d %s", status, body)
	}
	want := team.Member{ID: invited.ID, DisplayName: "Noor Haddad", Email: "noor@example.com", Role: chat.TeamAgent, InboxIDs: []string{"main", "sales"}, Invited: true,
		Status: chat.AgentAvailable, Presence: chat.AgentAway}
	if diff := cmp.Diff(want, invited); diff != "" {
		t.Errorf("invited (-want +got):\n%s", diff)
	}
	var list struct{ Members []team.Member }
	f.call(t, "GET /agent/team", "", "", boss, &list)
	if !slices.ContainsFunc(list.Members, func(m team.Member) bool { return cmp.Equal(want, m) }) {
		t.Errorf("team = %+v, want the invited agent in it", list.Members)
	}

	noor := map[string]string{"sub": invited.ID, "name": "noor", "email": "noor@example.com"}
	var me chat.Agent
	f.call(t, "GET /agent/me", "", "", noor, &me)
	if me.DisplayName != "Noor Haddad" || !cmp.Equal([]string{"main", "sales"}, me.Inboxes) || me.Role != chat.TeamAgent {
		t.Errorf("first sign-in = %+v, want the invitation's name and inboxes", me)
	}
	f.call(t, "GET /agent/team", "", "", boss, &list)
	for _, m := range list.Members {
		if m.ID == invited.ID && m.Invited {
			t.Errorf("after the first sign-in the agent is still invited: %+v", m)
		}
	}

	tests := []struct {
		name, body string
		status     int
	}{
		{"the address again", `{"email":"noor@example.com","name":"Noor","role":"agent","inboxIds":[]}`, http.StatusConflict},
		{"no address", `{"email":"","name":"X","role":"agent","inboxIds":[]}`, http.StatusBadRequest},
		{"not an address", `{"email":"noor at example","name":"X","role":"agent","inboxIds":[]}`, http.StatusBadRequest},
		{"no name", `{"email":"y@example.com","name":"  ","role":"agent","inboxIds":[]}`, http.StatusBadRequest},
		{"unknown role", `{"email":"y@example.com","name":"Y","role":"owner","inboxIds":[]}`, http.StatusBadRequest},
		{"unknown inbox", `{"email":"y@example.com","name":"Y","role":"agent","inboxIds":["nope"]}`, http.StatusBadRequest},
		{"no inbox list", `{"email":"y@example.com","name":"Y","role":"agent"}`, http.StatusBadRequest},
		{"not json", `{"email":`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.db.Calls()
			if status, body := f.call(t, "POST /agent/team", "", tt.body, boss, nil); status != tt.status {
				t.Errorf("= %d %s, want %d", status, body, tt.status)
			}
			if calls := f.db.Calls(); writes(calls) != 0 {
				t.Errorf("refused invitation wrote: %v", calls)
			}
		})
	}
}

// TestInvitationWithoutUserPool: agents of an external identity provider
// cannot be invited; the answer says so.
func TestInvitationWithoutUserPool(t *testing.T) {
	f := newFixture(t)
	d := deps(t, f.svc, f.st, nil)
	members, err := team.New(f.st, d.Access, chat.ChannelInboxes{"main": "main"}, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	d.Team = members
	h, err := agentapi.New(d)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.Handle(t.Context(), request(t, "POST /agent/team", "", `{"email":"y@example.com","name":"Y","role":"agent","inboxIds":[]}`, boss))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "Cognito user pool") {
		t.Errorf("invite without a user pool = %d %s, want 409 saying why", res.StatusCode, res.Body)
	}
}

// TestMembershipsFollowTheTeamRoute: an agent moved to another inbox
// reaches that inbox's conversations, and no longer the old one's, from
// its next request.
func TestMembershipsFollowTheTeamRoute(t *testing.T) {
	f := newFixture(t)
	f.signIn(t, boss)
	f.signIn(t, bob)
	read := func() int {
		status, _ := f.call(t, "GET /agent/conversations/{id}", f.cid, "", bob, nil)
		return status
	}
	if got := read(); got != http.StatusOK {
		t.Fatalf("member of main = %d", got)
	}
	if status, body := f.call(t, "PUT /agent/team/{id}", "bob-sub", `{"role":"agent","inboxIds":["sales"]}`, boss, nil); status != http.StatusOK {
		t.Fatalf("move to sales = %d %s", status, body)
	}
	if got := read(); got != http.StatusNotFound {
		t.Errorf("moved to sales = %d, want 404", got)
	}
	var me chat.Agent
	if f.call(t, "GET /agent/me", "", "", bob, &me); !cmp.Equal([]string{"sales"}, me.Inboxes) {
		t.Errorf("bob's inboxes = %v, want [sales]", me.Inboxes)
	}
	for _, tt := range []struct{ name, id, body string }{
		{"unknown agent", "nobody", `{"role":"agent","inboxIds":["main"]}`},
		{"unknown inbox", "bob-sub", `{"role":"agent","inboxIds":["nope"]}`},
		{"no role", "bob-sub", `{"inboxIds":["main"]}`},
		{"malformed id", "a#b", `{"role":"agent","inboxIds":["main"]}`},
	} {
		if status, body := f.call(t, "PUT /agent/team/{id}", tt.id, tt.body, boss, nil); status < 400 {
			t.Errorf("%s = %d %s, want a refusal", tt.name, status, body)
		}
	}
}

// TestDisableReachesTheUserPool: disabling an agent also disables its
// sign-in in the user pool, and enabling enables it.
func TestDisableReachesTheUserPool(t *testing.T) {
	f := newFixture(t)
	f.signIn(t, boss)
	f.signIn(t, bob)
	for _, disabled := range []bool{true, false} {
		body := `{"disabled":false}`
		if disabled {
			body = `{"disabled":true}`
		}
		if status, got := f.call(t, "PUT /agent/agents/{id}/access", "bob-sub", body, boss, nil); status != http.StatusOK {
			t.Fatalf("access %v = %d %s", disabled, status, got)
		}
		if got := f.dir.disabled["bob-sub"]; got != disabled {
			t.Errorf("user pool: bob disabled = %v, want %v", got, disabled)
		}
	}
	if status, _ := f.call(t, "PUT /agent/agents/{id}/access", annSub, `{"disabled":true}`, boss, nil); status != http.StatusBadRequest {
		t.Errorf("an admin disabling itself = %d, want 400", status)
	}
}

// TestClosedSocketsLeaveThePresence: a socket closed by a sign-out, by
// disabling the agent or by a change of its inboxes leaves the agent's
// presence at once, as its $disconnect would have made it. That
// $disconnect, when it comes after the connection is forgotten, finds
// nothing to do; a socket still counted would keep the agent in the inbox
// (a team-mode channel available, the team's list) until its entry
// expired, two hours after it opened. An agent who signed out or was
// disabled is away at once; one whose inboxes changed gets the grace of a
// reload (its inbox connects again at once).
func TestClosedSocketsLeaveThePresence(t *testing.T) {
	for _, tt := range []struct {
		name, route, id, body string
		by                    map[string]string
		then                  chat.AgentStatus
	}{
		{"sign-out", "POST /agent/signout", "", "", bob, chat.AgentAway},
		{"disabled", "PUT /agent/agents/{id}/access", "bob-sub", `{"disabled":true}`, boss, chat.AgentAway},
		{"moved to another inbox", "PUT /agent/team/{id}", "bob-sub", `{"role":"agent","inboxIds":["sales"]}`, boss, chat.AgentAvailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.signIn(t, boss)
			f.signIn(t, bob)
			ctx := t.Context()
			tab := chat.Principal{Role: chat.RoleAgent, ID: "bob-sub", Inboxes: []string{"main"}}
			if err := f.svc.Connect(ctx, "bob-tab", chat.Ticket{ID: uuid.NewString(), Principal: tab, ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if p, err := f.st.AgentPresence(ctx, "bob-sub"); err != nil || len(p.Sockets) != 1 || !p.LastClosedAt.IsZero() {
				t.Fatalf("before: presence %+v, %v; want bob's one socket", p, err)
			}
			if status, body := f.call(t, tt.route, tt.id, tt.body, tt.by, nil); status != http.StatusOK {
				t.Fatalf("%s = %d %s", tt.route, status, body)
			}
			p, err := f.st.AgentPresence(ctx, "bob-sub")
			if err != nil || len(p.Sockets) != 0 || p.LastClosedAt.IsZero() {
				t.Errorf("after: presence %+v, %v; want no socket and the time it closed", p, err)
			}
			if got := p.Effective(time.Now()); got != tt.then {
				t.Errorf("after: bob is %s, want %s", got, tt.then)
			}
			if _, err := f.st.Connection(ctx, "bob-tab"); !errors.Is(err, chat.ErrNotFound) {
				t.Errorf("connection after = %v, want it forgotten", err)
			}
			// The gateway's $disconnect, late, finds nothing left to forget.
			if err := f.svc.Disconnect(ctx, "bob-tab"); err != nil {
				t.Errorf("late $disconnect: %v", err)
			}
			if p, err := f.st.AgentPresence(ctx, "bob-sub"); err != nil || p.Effective(time.Now()) != tt.then {
				t.Errorf("after the late $disconnect: presence %+v, %v; want bob %s", p, err, tt.then)
			}
		})
	}
}
