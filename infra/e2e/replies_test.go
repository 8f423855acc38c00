package e2e

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/infra/chatclient"
)

type savedReply struct {
	ID       string `json:"id"`
	Scope    string `json:"scope"`
	Title    string `json:"title"`
	Body     string `json:"body"`
	Category string `json:"category"`
}

type savedReplies struct {
	Replies       []savedReply `json:"replies"`
	CanEditShared bool         `json:"canEditShared"`
}

func listReplies(t *testing.T, a *chatclient.Agent) savedReplies {
	t.Helper()
	var out savedReplies
	if err := a.Call(wait(t), http.MethodGet, "/agent/saved-replies", nil, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func createReply(t *testing.T, a *chatclient.Agent, scope string, r savedReply) savedReply {
	t.Helper()
	var out struct {
		Reply savedReply `json:"reply"`
	}
	if err := a.Call(wait(t), http.MethodPost, "/agent/saved-replies/"+scope, r, &out); err != nil {
		t.Fatalf("create %s reply: %v", scope, err)
	}
	return out.Reply
}

func has(list savedReplies, id string) bool {
	return slices.ContainsFunc(list.Replies, func(r savedReply) bool { return r.ID == id })
}

// TestSavedReplies: admins manage the team's shared replies, every agent
// inserts them and keeps personal ones nobody else sees; bodies are kept
// as typed (markup is text), placeholders are checked when saved.
func TestSavedReplies(t *testing.T) {
	alice, ben := newAgent(t, "alice"), newAgent(t, "ben") // alice is in the admin group
	xss := `<img src=x onerror="window.__xss=1"> Hi {{visitor.name|there}}, I'm {{agent.name}}`
	shared := createReply(t, alice, "shared", savedReply{Title: "Greeting <b>", Body: xss, Category: "Basics"})
	t.Cleanup(func() { _ = alice.Call(wait(t), http.MethodDelete, "/agent/saved-replies/shared/"+shared.ID, nil, nil) })
	if shared.Body != xss || shared.Title != "Greeting <b>" || shared.Scope != "shared" {
		t.Errorf("stored %+v, want the text as typed", shared)
	}
	own := createReply(t, ben, "personal", savedReply{Title: "Ben's sign-off", Body: "Cheers, {{agent.name}}"})

	benList, aliceList := listReplies(t, ben), listReplies(t, alice)
	if !has(benList, shared.ID) || !has(benList, own.ID) || benList.CanEditShared {
		t.Errorf("ben's list = %+v; want the shared reply, his own, and no editing of shared ones", benList)
	}
	if !has(aliceList, shared.ID) || has(aliceList, own.ID) || !aliceList.CanEditShared {
		t.Errorf("alice's list = %+v; want the shared reply, not ben's, and editing of shared ones", aliceList)
	}

	// Agents who are not admins cannot change shared replies: the admins'
	// routes refuse them, and the reply stays as it was.
	var apiErr *chatclient.APIError
	err := ben.Call(wait(t), http.MethodPost, "/agent/saved-replies/shared", savedReply{Title: "t", Body: "b"}, nil)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("ben creating a shared reply: %v, want 403", err)
	}
	err = ben.Call(wait(t), http.MethodPut, "/agent/saved-replies/shared/"+shared.ID, savedReply{Title: "mine now", Body: "b"}, nil)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Errorf("ben changing a shared reply: %v, want 403", err)
	}
	for _, r := range listReplies(t, ben).Replies {
		if r.Scope == "shared" && r.Title == "t" || r.ID == shared.ID && r.Title != shared.Title {
			t.Errorf("after ben's refused changes the shared replies hold %+v", r)
		}
	}
	// Nor another agent's personal ones: unknown to them.
	err = alice.Call(wait(t), http.MethodDelete, "/agent/saved-replies/personal/"+own.ID, nil, nil)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("alice deleting ben's reply: %v, want not found", err)
	}

	// A typo in a placeholder is refused with the names to use.
	err = ben.Call(wait(t), http.MethodPost, "/agent/saved-replies/personal", savedReply{Title: "t", Body: "Hi {{visitor.nmae}}"}, nil)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || !strings.Contains(apiErr.Message, "{{visitor.name}}") {
		t.Errorf("a misspelt placeholder: %v, want 400 naming the placeholders", err)
	}

	var updated struct {
		Reply savedReply `json:"reply"`
	}
	if err := ben.Call(wait(t), http.MethodPut, "/agent/saved-replies/personal/"+own.ID, savedReply{Title: "Sign-off", Body: "Bye!", Category: "Endings"}, &updated); err != nil {
		t.Fatal(err)
	}
	if updated.Reply.ID != own.ID || updated.Reply.Title != "Sign-off" || updated.Reply.Category != "Endings" {
		t.Errorf("updated = %+v", updated.Reply)
	}
	if err := ben.Call(wait(t), http.MethodDelete, "/agent/saved-replies/personal/"+own.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if has(listReplies(t, ben), own.ID) {
		t.Error("a deleted reply is still listed")
	}
}
