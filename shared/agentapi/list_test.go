package agentapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
)

// TestListOfOneInbox: the inbox switcher asks for one inbox's list
// (?inboxId=); an inbox the agent is not a member of lists nothing, as an
// unknown one does, and without the parameter every inbox of the agent is
// listed.
func TestListOfOneInbox(t *testing.T) {
	f := newFixture(t)
	dee := map[string]string{"sub": "dee-sub", "name": "Dee"}
	if _, err := f.st.EnsureAgent(t.Context(), chat.Agent{ID: dee["sub"], DisplayName: "Dee", Inboxes: []string{"sales", "main"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{"every inbox", "", []string{f.cid}},
		{"main", "main", []string{f.cid}},
		{"sales", "sales", []string{}},
		{"not a member", "support", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(t, "GET /agent/conversations", "", "", dee)
			if tt.query != "" {
				req.QueryStringParameters = map[string]string{"inboxId": tt.query}
			}
			res, err := f.h.Handle(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			var page struct{ Conversations []chat.Summary }
			if err := json.Unmarshal([]byte(res.Body), &page); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("list = %d %s", res.StatusCode, res.Body)
			}
			got := []string{}
			for _, c := range page.Conversations {
				got = append(got, c.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
		})
	}
}
