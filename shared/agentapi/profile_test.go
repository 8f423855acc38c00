package agentapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestHTTPRoutesSignWithTheProfile: what an agent does over HTTP carries
// the profile's display name and avatar, as socket replies do, not the
// identity provider's name.
func TestHTTPRoutesSignWithTheProfile(t *testing.T) {
	h, _, cid := setup(t)
	res, _ := h.Handle(t.Context(), request(t, "PUT /agent/me", "", `{"displayName":"Ann from Support","avatarUrl":"https://cdn.example.com/ann.png"}`, nil))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("put me = %d %s", res.StatusCode, res.Body)
	}
	var reply struct{ Message chat.Message }
	res, _ = h.Handle(t.Context(), request(t, "POST /agent/conversations/{id}/messages", cid, `{"clientId":"`+uuid.NewString()+`","body":"Hello"}`, nil))
	if err := json.Unmarshal([]byte(res.Body), &reply); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("reply = %d %s", res.StatusCode, res.Body)
	}
	want := chat.Author{Type: chat.RoleAgent, ID: "9f8e7d6c-5b4a-4321-8fed-cba987654321", Name: "Ann from Support", AvatarURL: "https://cdn.example.com/ann.png"}
	if reply.Message.Author != want {
		t.Errorf("reply author = %+v, want %+v", reply.Message.Author, want)
	}
	for _, route := range []string{"POST /agent/conversations/{id}/takeover", "POST /agent/conversations/{id}/close"} {
		if res, _ := h.Handle(t.Context(), request(t, route, cid, `{"expectedAssigneeId":""}`, nil)); res.StatusCode != http.StatusOK {
			t.Fatalf("%s = %d %s", route, res.StatusCode, res.Body)
		}
	}
	res, _ = h.Handle(t.Context(), request(t, "GET /agent/conversations/{id}", cid, "", nil))
	var d struct{ Messages []chat.Message }
	if err := json.Unmarshal([]byte(res.Body), &d); err != nil {
		t.Fatal(err)
	}
	for _, m := range d.Messages[1:] {
		if m.Author.Name != "Ann from Support" {
			t.Errorf("seq %d (%s) signed %q, want the profile's name", m.Seq, m.Kind, m.Author.Name)
		}
	}
}
