package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestConversationsOfSeveralInboxes: a list of two inboxes merges them
// newest first, and its cursor pages through both.
func TestConversationsOfSeveralInboxes(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	var want []string
	for i, inbox := range []string{"main", "sales", "main", "support", "sales"} {
		at := t0.Add(time.Duration(i) * time.Minute)
		c := chat.Conversation{ID: uuid.NewString(), ChannelID: "main", InboxID: inbox, VisitorID: uuid.NewString(), Status: chat.StatusOpen, CreatedAt: at, LastActivityAt: at}
		if _, err := s.CreateConversation(ctx, chat.NewConversation{Conversation: c, Message: text("hi")}); err != nil {
			t.Fatal(err)
		}
		if inbox != "support" {
			want = append([]string{c.ID}, want...)
		}
	}
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		cs, next, err := s.Conversations(ctx, chat.ListQuery{InboxIDs: []string{"main", "sales"}, Status: chat.StatusOpen, View: chat.ViewAll, Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			got = append(got, c.ID)
		}
		if next == "" {
			break
		}
		if page > 3 {
			t.Fatal("cursor never ends")
		}
		cursor = next
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("main and sales, newest first (-want +got):\n%s", diff)
	}
}

// TestListenerItemsCarryMemberships: an agent's subscription keeps the
// inboxes it is a member of, so the conversation's own read tells what the
// sender may reach.
func TestListenerItemsCarryMemberships(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := chat.Conversation{ID: uuid.NewString(), ChannelID: "main", InboxID: "main", VisitorID: uuid.NewString(), Status: chat.StatusOpen, CreatedAt: t0, LastActivityAt: t0}
	if _, err := s.CreateConversation(ctx, chat.NewConversation{Conversation: c, Message: text("hi")}); err != nil {
		t.Fatal(err)
	}
	agent := chat.Principal{Role: chat.RoleAgent, ID: "a1", Name: "Ann", Inboxes: []string{"main", "sales"}}
	if err := s.SaveConnection(ctx, chat.Connection{ID: "a1", Principal: agent, Inboxes: agent.Inboxes, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Subscribe(ctx, "a1", c.ID, agent, ""); err != nil {
		t.Fatal(err)
	}
	_, ls, err := s.ConversationListeners(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]chat.Listener{{ConnectionID: "a1", Principal: agent}}, ls); diff != "" {
		t.Errorf("listeners (-want +got):\n%s", diff)
	}
	for _, inbox := range agent.Inboxes {
		ids, err := s.InboxListeners(ctx, inbox)
		if err != nil || !cmp.Equal([]string{"a1"}, ids) {
			t.Errorf("listeners of %s = %v, %v; want a1", inbox, ids, err)
		}
	}
}
