package agentapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// TestProfileNameFromTheIdentityProvider: an access token (no name, no
// email) never makes an internal id the name visitors see; the first token
// that names the agent names its profile, and later ones never replace a
// name the agent chose.
func TestProfileNameFromTheIdentityProvider(t *testing.T) {
	f := newFixture(t)
	const sub = "5d1c0b2a-0000-4000-8000-00000000dana"
	access := map[string]string{"sub": sub, "username": sub, "cognito:username": sub, "token_use": "access", "client_id": "inbox"}
	named := map[string]string{"sub": sub, "name": "Dana Scully", "email": "dana@example.com", "token_use": "id"}
	me := func(claims map[string]string) chat.Agent {
		t.Helper()
		res, _ := f.h.Handle(t.Context(), request(t, "GET /agent/me", "", "", claims))
		var a chat.Agent
		if err := json.Unmarshal([]byte(res.Body), &a); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET /agent/me = %d %s", res.StatusCode, res.Body)
		}
		return a
	}
	if a := me(access); a.DisplayName == sub || a.DisplayName != "" {
		t.Errorf("first use with an access token named the agent %q, want no name rather than its id", a.DisplayName)
	}
	if a := me(named); a.DisplayName != "Dana Scully" {
		t.Errorf("after an ID token: %q, want the provider's name", a.DisplayName)
	}
	res, _ := f.h.Handle(t.Context(), request(t, "PUT /agent/me", "", `{"displayName":"Dana"}`, named))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PUT /agent/me = %d %s", res.StatusCode, res.Body)
	}
	for _, claims := range []map[string]string{named, access} {
		if a := me(claims); a.DisplayName != "Dana" {
			t.Errorf("the name the agent set became %q", a.DisplayName)
		}
	}

	// A profile named by its id (as an access token used to name it) is
	// put right by the next token with a name.
	const old = "0ld00000-0000-4000-8000-000000000000"
	if _, err := f.st.EnsureAgent(t.Context(), chat.Agent{ID: old, DisplayName: old, Inboxes: []string{"main"}}); err != nil {
		t.Fatal(err)
	}
	if a := me(map[string]string{"sub": old, "email": "fox@example.com"}); a.DisplayName != "fox@example.com" {
		t.Errorf("profile named by its id, after a token with an email: %q", a.DisplayName)
	}
}

// TestProfilePartialUpdate: PUT /agent/me changes the fields it carries.
func TestProfilePartialUpdate(t *testing.T) {
	h, _, _ := setup(t)
	put := func(body string) (int, chat.Agent) {
		t.Helper()
		res, _ := h.Handle(t.Context(), request(t, "PUT /agent/me", "", body, nil))
		var a chat.Agent
		_ = json.Unmarshal([]byte(res.Body), &a)
		return res.StatusCode, a
	}
	steps := []struct {
		body   string
		status int
		want   chat.Agent
	}{
		{`{"displayName":"Ann","avatarUrl":"https://cdn.example.com/ann.png","meetingsUrl":"https://meet.example.com/ann"}`, 200,
			chat.Agent{DisplayName: "Ann", AvatarURL: "https://cdn.example.com/ann.png", MeetingsURL: "https://meet.example.com/ann"}},
		{`{"meetingsUrl":"https://meet.example.com/ann-2"}`, 200,
			chat.Agent{DisplayName: "Ann", AvatarURL: "https://cdn.example.com/ann.png", MeetingsURL: "https://meet.example.com/ann-2"}},
		{`{"displayName":"Ann B.","avatarUrl":null}`, 200,
			chat.Agent{DisplayName: "Ann B.", AvatarURL: "https://cdn.example.com/ann.png", MeetingsURL: "https://meet.example.com/ann-2"}},
		{`{"avatarUrl":""}`, 200,
			chat.Agent{DisplayName: "Ann B.", MeetingsURL: "https://meet.example.com/ann-2"}},
		{`{}`, 200,
			chat.Agent{DisplayName: "Ann B.", MeetingsURL: "https://meet.example.com/ann-2"}},
		{`{"displayName":" \u2028 "}`, 400, chat.Agent{}},
		{`{"meetingsUrl":"https://192.168.0.1/book"}`, 400, chat.Agent{}},
	}
	for _, st := range steps {
		status, got := put(st.body)
		if status != st.status {
			t.Fatalf("PUT %s = %d, want %d", st.body, status, st.status)
		}
		if status != 200 {
			continue
		}
		got = chat.Agent{DisplayName: got.DisplayName, AvatarURL: got.AvatarURL, MeetingsURL: got.MeetingsURL}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("after PUT %s (-want +got):\n%s", st.body, diff)
		}
	}
}
