package agentapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// cat is an agent whose profile lists another inbox than main, where the
// fixture's conversation is.
var cat = map[string]string{"sub": "cat-sub", "name": "Cat"}

func (f *fixture) outsider(t *testing.T) {
	t.Helper()
	if _, err := f.st.EnsureAgent(t.Context(), chat.Agent{ID: cat["sub"], DisplayName: "Cat", Inboxes: []string{"sales"}}); err != nil {
		t.Fatal(err)
	}
}

// TestOutsiderGetsTheUnknownIDAnswer: over HTTP, an agent outside the
// conversation's inbox gets byte for byte the answer an unknown id gets,
// on every conversation route, and stores nothing.
func TestOutsiderGetsTheUnknownIDAnswer(t *testing.T) {
	f := newFixture(t)
	f.outsider(t)
	reply := `{"clientId":"` + uuid.NewString() + `","body":"psst"}`
	tests := []struct{ route, body string }{
		{"GET /agent/conversations/{id}", ""},
		{"GET /agent/conversations/{id}/messages", ""},
		{"POST /agent/conversations/{id}/messages", reply},
		{"POST /agent/conversations/{id}/assign", `{"agentId":"cat-sub"}`},
		{"POST /agent/conversations/{id}/takeover", `{"expectedAssigneeId":""}`},
		{"POST /agent/conversations/{id}/unassign", `{}`},
		{"POST /agent/conversations/{id}/close", ""},
		{"POST /agent/conversations/{id}/reopen", ""},
		{"POST /agent/conversations/{id}/read", `{"seq":1}`},
		{"POST /agent/conversations/{id}/transcript", `{}`},
		{"PUT /agent/conversations/{id}/contact", `{"email":"someone@example.com"}`},
		{"GET /agent/conversations/{id}/attachments", ""},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			unknown, err := f.h.Handle(t.Context(), request(t, tt.route, uuid.NewString(), tt.body, cat))
			if err != nil {
				t.Fatal(err)
			}
			f.db.Calls()
			got, err := f.h.Handle(t.Context(), request(t, tt.route, f.cid, tt.body, cat))
			if err != nil {
				t.Fatal(err)
			}
			if unknown.StatusCode != http.StatusNotFound {
				t.Fatalf("unknown id = %d %s, want 404", unknown.StatusCode, unknown.Body)
			}
			if got.StatusCode != unknown.StatusCode || got.Body != unknown.Body {
				t.Errorf("outsider = %d %s; unknown id = %d %s", got.StatusCode, got.Body, unknown.StatusCode, unknown.Body)
			}
			if calls := f.db.Calls(); writes(calls) != 0 {
				t.Errorf("outsider's request wrote: %v", calls)
			}
		})
	}
}

// TestListsFollowTheAgentsInboxes: the list, the agents and the
// quarantine show what is in the caller's inboxes only.
func TestListsFollowTheAgentsInboxes(t *testing.T) {
	f := newFixture(t)
	f.outsider(t)
	list := func(claims map[string]string) []string {
		t.Helper()
		res, _ := f.h.Handle(t.Context(), request(t, "GET /agent/conversations", "", "", claims))
		var page struct{ Conversations []chat.Summary }
		if err := json.Unmarshal([]byte(res.Body), &page); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("list = %d %s", res.StatusCode, res.Body)
		}
		ids := []string{}
		for _, c := range page.Conversations {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if diff := cmp.Diff([]string{f.cid}, list(nil)); diff != "" {
		t.Errorf("member's list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{}, list(cat)); diff != "" {
		t.Errorf("outsider's list (-want +got):\n%s", diff)
	}

	// The fixture's agent has no profile yet: it is a member of main.
	if res, _ := f.h.Handle(t.Context(), request(t, "GET /agent/me", "", "", nil)); res.StatusCode != http.StatusOK {
		t.Fatalf("me = %d %s", res.StatusCode, res.Body)
	}
	agents := func(claims map[string]string) []string {
		t.Helper()
		res, _ := f.h.Handle(t.Context(), request(t, "GET /agent/agents", "", "", claims))
		var body struct{ Agents []chat.Agent }
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("agents = %d %s", res.StatusCode, res.Body)
		}
		var names []string
		for _, a := range body.Agents {
			names = append(names, a.DisplayName)
		}
		return names
	}
	if diff := cmp.Diff([]string{"Ann Agent"}, agents(nil)); diff != "" {
		t.Errorf("agents of main (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Cat"}, agents(cat)); diff != "" {
		t.Errorf("agents of sales (-want +got):\n%s", diff)
	}
}

// TestAssignOnlyToWhoCanOpenIt: a conversation is assigned only to an
// agent who could open it, a member of its inbox whose access is on;
// anyone else would hold it where nobody sees it.
func TestAssignOnlyToWhoCanOpenIt(t *testing.T) {
	f := newFixture(t)
	f.outsider(t)
	f.signIn(t, bob)
	if st, body := f.call(t, "PUT /agent/agents/{id}/access", "bob-sub", `{"disabled":true}`, boss, nil); st != http.StatusOK {
		t.Fatalf("disable bob = %d %s", st, body)
	}
	for _, tt := range []struct{ agent, want string }{
		{"cat-sub", "that agent is not a member of this conversation's inbox"},
		{"bob-sub", "that agent's access is turned off"},
		{"nobody-sub", "unknown agent"},
	} {
		f.db.Calls()
		st, body := f.call(t, "POST /agent/conversations/{id}/assign", f.cid, `{"agentId":"`+tt.agent+`"}`, boss, nil)
		if st != http.StatusBadRequest || !strings.Contains(body, tt.want) {
			t.Errorf("assign to %s = %d %s; want 400 %q", tt.agent, st, body, tt.want)
		}
		if calls := f.db.Calls(); writes(calls) != 0 {
			t.Errorf("refused assignment to %s wrote: %v", tt.agent, calls)
		}
	}
	if st, body := f.call(t, "PUT /agent/agents/{id}/access", "bob-sub", `{"disabled":false}`, boss, nil); st != http.StatusOK {
		t.Fatalf("enable bob = %d %s", st, body)
	}
	var out struct{ Conversation chat.Summary }
	if st, body := f.call(t, "POST /agent/conversations/{id}/assign", f.cid, `{"agentId":"bob-sub"}`, boss, &out); st != http.StatusOK || out.Conversation.AssigneeID != "bob-sub" {
		t.Errorf("assign to bob, a member again allowed in = %d %s", st, body)
	}
}
