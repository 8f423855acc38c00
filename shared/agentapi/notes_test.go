package agentapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/settings"
)

// TestNoteCalls pins what a note costs the table: as a reply, one Query
// to admit the agent, one to read the conversation with its listeners,
// one transaction, and (the first time it marks the visitor's message
// read) one Query of the inbox's listeners for the unread dot. An "@"
// reads the inbox's agents; each agent mentioned costs one conditional
// put (the notification) and one Query for its sockets; one with no
// socket, an email besides (a claim, its address's status, the channel's
// settings).
func TestNoteCalls(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ben := chat.Agent{ID: "ben", DisplayName: "Ben Richter", Email: "ben@example.com", Inboxes: []string{"main"}}
	cy := chat.Agent{ID: "cy", DisplayName: "Cy Away", Email: "cy@example.com", Inboxes: []string{"main"}}
	for _, a := range []chat.Agent{ben, cy} {
		if _, err := f.st.EnsureAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.SaveConnection(ctx, chat.Connection{ID: "ben-socket", Principal: chat.Principal{Role: chat.RoleAgent, ID: "ben"}, Inboxes: []string{"main"}, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// The deployment's first inbox and channel exist, as after its first
	// request: their seeding is no cost of a note.
	seeded, err := settings.NewCache(f.st, testSeed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := seeded.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	f.db.Calls()
	steps := []struct {
		name string
		body string
		want map[string]int
	}{
		{"a first note (marks the visitor's message read)", "checked the order", map[string]int{"Query": 3, "TransactWriteItems": 1}},
		{"another note", "and the invoice", map[string]int{"Query": 2, "TransactWriteItems": 1}},
		{"a note mentioning an agent whose inbox is open", "@Ben Richter look", map[string]int{"Query": 4, "TransactWriteItems": 1, "PutItem": 1}},
		// SES refuses here: the claim is released (a BatchWriteItem) for the
		// next attempt; sent, the email costs no more than the claim.
		{"a note mentioning an agent with no inbox open", "@Cy Away look", map[string]int{"Query": 4, "TransactWriteItems": 1, "PutItem": 2, "GetItem": 2, "BatchWriteItem": 1}},
	}
	for _, s := range steps {
		body, _ := json.Marshal(map[string]string{"clientId": uuid.NewString(), "body": s.body})
		res, err := f.h.Handle(ctx, request(t, "POST /agent/conversations/{id}/notes", f.cid, string(body), nil))
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s, %v", s.name, res.StatusCode, res.Body, err)
		}
		if diff := cmp.Diff(s.want, f.db.Calls()); diff != "" {
			t.Errorf("DynamoDB calls of %s (-want +got):\n%s", s.name, diff)
		}
	}
}
