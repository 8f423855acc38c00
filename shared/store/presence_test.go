package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// Going offline clears the online flag of every recent conversation,
// including ones that slipped out of the newest few while the visitor was
// online (each new conversation is created with the flag set).
func TestVisitorOfflineClearsOlderConversations(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	vid := uuid.NewString()
	var ids []string
	for i := range 5 {
		at := t0.Add(time.Duration(i) * time.Minute)
		c := chat.Conversation{
			ID: uuid.NewString(), ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen,
			VisitorOnline: true, Preview: "hello", CreatedAt: at, LastActivityAt: at,
		}
		m := chat.Message{Kind: chat.KindText, ClientID: uuid.NewString(), Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hello", CreatedAt: at}
		if _, err := s.CreateConversation(ctx, chat.NewConversation{Conversation: c, Message: m, ClientKey: "visitor:" + vid + "#" + m.ClientID}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	changed, err := s.SetVisitorOnline(ctx, vid, false, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != len(ids) {
		t.Errorf("going offline changed %d conversations, want %d", len(changed), len(ids))
	}
	for _, id := range ids {
		c, err := s.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.VisitorOnline {
			t.Errorf("conversation %s still shows the visitor online", id)
		}
	}
	// Coming back online flags the newest few only.
	changed, err = s.SetVisitorOnline(ctx, vid, true, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 3 {
		t.Errorf("coming online changed %d conversations, want the newest 3", len(changed))
	}
}

// TestPresenceLaterTurnWins: a presence decision that lands after a later
// turn's changes nothing; turns grow per visitor.
func TestPresenceLaterTurnWins(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	vid := c.VisitorID
	var turns []int64
	for range 3 {
		n, err := s.PresenceTurn(ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		turns = append(turns, n)
	}
	if turns[0] >= turns[1] || turns[1] >= turns[2] {
		t.Fatalf("turns %v do not grow", turns)
	}
	steps := []struct {
		name        string
		online      bool
		turn        int64
		wantChanged int
		wantOnline  bool
	}{
		{"the latest turn says online", true, turns[2], 1, true},
		{"an earlier turn's offline lands late", false, turns[1], 0, true},
		{"the same decision again", true, turns[2], 0, true},
	}
	for _, st := range steps {
		changed, err := s.SetVisitorOnline(ctx, vid, st.online, st.turn)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Conversation(ctx, c.ID)
		if len(changed) != st.wantChanged || got.VisitorOnline != st.wantOnline || got.PresenceTurn != turns[2] {
			t.Errorf("%s: %d changed, online %v of turn %d; want %d, %v of turn %d", st.name, len(changed), got.VisitorOnline, got.PresenceTurn, st.wantChanged, st.wantOnline, turns[2])
		}
		// The state pushed says which turn decided, for the inbox to
		// order two states of the same seq.
		for _, cc := range changed {
			if cc.VisitorOnline != st.online || cc.ID != c.ID || cc.PresenceTurn != st.turn || cc.AgentSummary().PresenceTurn != st.turn {
				t.Errorf("%s: reported %+v", st.name, cc)
			}
		}
	}
}
