package chat_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
)

func (f *fakeStore) PresenceTurn(_ context.Context, vid string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.turns[vid]++
	return f.turns[vid], nil
}

func (f *fakeStore) SetVisitorOnline(_ context.Context, vid string, online bool, turn int64) ([]chat.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []chat.Conversation
	for id, c := range f.convs {
		if c.VisitorID != vid || f.convTurns[id] >= turn {
			continue
		}
		f.convTurns[id] = turn
		if c.VisitorOnline != online {
			c.VisitorOnline = online
			f.convs[id] = c
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeStore) SetAssigneeProfile(_ context.Context, _ string, a chat.Agent) ([]chat.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []chat.Conversation
	for id, c := range f.convs {
		if c.AssigneeID == a.ID && c.Status == chat.StatusOpen {
			c.AssigneeName, c.AssigneeAvatarURL = a.DisplayName, a.AvatarURL
			f.convs[id] = c
			out = append(out, c)
		}
	}
	return out, nil
}

// summaries picks the conversation frames pushed to a connection.
func summaries(frames []any) []any {
	var out []any
	for _, f := range frames {
		if cf, ok := f.(chat.ConversationFrame); ok {
			out = append(out, cf.Conversation)
		}
	}
	return out
}

func TestVisitorPresence(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	if !e.store.convs[m.ConversationID].VisitorOnline {
		t.Fatal("a conversation started over a connection is not marked online")
	}

	// The visitor's only tab goes: the inbox hears it once.
	if err := e.svc.Disconnect(t.Context(), "vconn"); err != nil {
		t.Fatal(err)
	}
	got := summaries(e.push.take()["aconn"])
	if len(got) != 1 || got[0].(chat.Summary).VisitorOnline {
		t.Fatalf("inbox got %+v after the last tab left, want one summary with visitorOnline false", got)
	}

	// Two tabs come back: only the first one changes anything.
	exp := time.Now().Add(time.Minute)
	for i, conn := range []string{"tab1", "tab2"} {
		if err := e.svc.Connect(t.Context(), conn, chat.Ticket{ID: conn, Principal: vis, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		got := summaries(e.push.take()["aconn"])
		if want := 1 - i; len(got) != want {
			t.Fatalf("after connect %d the inbox got %d summaries, want %d", i+1, len(got), want)
		}
	}
	// One of two tabs leaves: still online, nothing pushed.
	if err := e.svc.Disconnect(t.Context(), "tab1"); err != nil {
		t.Fatal(err)
	}
	if got := summaries(e.push.take()["aconn"]); len(got) != 0 || !e.store.convs[m.ConversationID].VisitorOnline {
		t.Fatalf("closing one of two tabs pushed %+v and left online=%v", got, e.store.convs[m.ConversationID].VisitorOnline)
	}
}

func TestBadgeFollowsProfile(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	e.store.agents["ann"] = chat.Agent{ID: "ann", DisplayName: "Ann from Support", AvatarURL: "https://cdn.example/ann.png", Inboxes: []string{"main"}}

	// Take over shows the profile, not the identity provider's name.
	c, err := e.svc.TakeOver(t.Context(), ann, m.ConversationID, "")
	if err != nil {
		t.Fatal(err)
	}
	want := &chat.Badge{Name: "Ann from Support", AvatarURL: "https://cdn.example/ann.png"}
	if diff := cmp.Diff(want, c.VisitorSummary().Assignee); diff != "" {
		t.Errorf("badge after take over (-want +got):\n%s", diff)
	}
	if c.AgentReadSeq <= 1 {
		t.Errorf("agentReadSeq = %d after the agent acted, want the thread read", c.AgentReadSeq)
	}
	e.push.take()

	// An edited profile reaches the visitor's open thread.
	if _, err := e.svc.UpdateMe(t.Context(), ann, "", chat.ProfileUpdate{DisplayName: ptr("Ann M."), AvatarURL: ptr("https://cdn.example/ann2.png")}); err != nil {
		t.Fatal(err)
	}
	frames := e.push.take()
	want = &chat.Badge{Name: "Ann M.", AvatarURL: "https://cdn.example/ann2.png"}
	got := summaries(frames["vconn"])
	if len(got) != 1 {
		t.Fatalf("visitor got %d conversation frames, want 1", len(got))
	}
	if diff := cmp.Diff(want, got[0].(chat.VisitorConversation).Assignee); diff != "" {
		t.Errorf("visitor badge after profile edit (-want +got):\n%s", diff)
	}
	if !slices.ContainsFunc(summaries(frames["bconn"]), func(s any) bool { return s.(chat.Summary).AssigneeName == "Ann M." }) {
		t.Error("other agents did not hear the new assignee name")
	}
}

// TestPresenceDisconnectRacingConnect: the last tab's $disconnect reads
// the visitor's tabs (none), and before it writes "offline" a new tab's
// $connect stores its connection and writes "online". Whatever order the
// two writes land in, the visitor shows online while the new tab is open,
// and offline, with the inbox told, once that tab closes too.
func TestPresenceDisconnectRacingConnect(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	exp := time.Now().Add(time.Minute)
	e.store.afterVisitorListeners = func() {
		if err := e.svc.Connect(t.Context(), "tab2", chat.Ticket{ID: "tab2", Principal: vis, ExpiresAt: exp}); err != nil {
			t.Error(err)
		}
	}
	if err := e.svc.Disconnect(t.Context(), "vconn"); err != nil {
		t.Fatal(err)
	}
	if !e.store.convs[m.ConversationID].VisitorOnline {
		t.Fatal("the visitor shows offline while its new tab is open")
	}
	e.push.take()
	if err := e.svc.Disconnect(t.Context(), "tab2"); err != nil {
		t.Fatal(err)
	}
	if e.store.convs[m.ConversationID].VisitorOnline {
		t.Error("the visitor shows online after its last tab closed")
	}
	got := summaries(e.push.take()["aconn"])
	if len(got) != 1 || got[0].(chat.Summary).VisitorOnline {
		t.Errorf("inbox got %+v after the last tab closed, want one summary with visitorOnline false", got)
	}
}
