package wsapi_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestOutsiderSocketGetsTheUnknownIDAnswer: an agent whose profile lists
// another inbox connects; it hears nothing of the default channel's
// conversations, and every frame it sends about one is answered exactly
// as a frame about an unknown id, storing nothing.
func TestOutsiderSocketGetsTheUnknownIDAnswer(t *testing.T) {
	h := newHarness(t)
	cat := chat.Principal{Role: chat.RoleAgent, ID: "cat-sub", Name: "Cat"}
	if _, err := h.store.EnsureAgent(t.Context(), chat.Agent{ID: cat.ID, DisplayName: "Cat", Inboxes: []string{"sales"}}); err != nil {
		t.Fatal(err)
	}
	h.open(t, "vis-1", visitor)
	h.open(t, "agent-1", agent)
	h.open(t, "cat-1", cat)
	h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","body":"Hello"}`)
	frames := h.gw.take()
	if diff := cmp.Diff([]string{"agent-1", "vis-1"}, slices.Sorted(maps.Keys(frames))); diff != "" {
		t.Fatalf("who heard of the new conversation (-want +got):\n%s", diff)
	}
	cid := frames["vis-1"][0]["conversationId"].(string)

	clientID := uuid.NewString()
	tests := []struct {
		name  string
		frame func(conversationID string) string
	}{
		{"sendMessage", func(id string) string {
			return `{"action":"sendMessage","clientId":"` + clientID + `","conversationId":"` + id + `","body":"psst"}`
		}},
		{"typing", func(id string) string { return `{"action":"typing","conversationId":"` + id + `","on":true}` }},
		{"read", func(id string) string { return `{"action":"read","conversationId":"` + id + `","seq":1}` }},
		{"resume", func(id string) string { return `{"action":"resume","conversationId":"` + id + `","afterSeq":0}` }},
		{"leave", func(id string) string {
			return `{"action":"leave","conversationId":"` + id + `","subscription":"` + clientID + `"}`
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.send(t, "cat-1", tt.frame(uuid.NewString()))
			unknown := h.gw.take()
			h.db.Calls()
			h.send(t, "cat-1", tt.frame(cid))
			if calls := h.db.Calls(); writes(calls) != 0 {
				t.Errorf("outsider's frame wrote: %v", calls)
			}
			if diff := cmp.Diff(unknown, h.gw.take()); diff != "" {
				t.Errorf("pushes: outsider's frame (+) against an unknown id's (-):\n%s", diff)
			}
			if unknown["cat-1"][0]["code"] != "not_found" {
				t.Errorf("unknown id answered %v, want not_found", unknown)
			}
		})
	}
	_, ls, err := h.store.ConversationListeners(t.Context(), cid)
	if err != nil || len(ls) != 1 || ls[0].ConnectionID != "vis-1" {
		t.Errorf("listeners = %+v, %v; want the visitor's tab only", ls, err)
	}
}
