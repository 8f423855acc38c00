package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// mention is a notification of the n-th note of conversation cid in inbox.
func mention(cid, inbox string, n int, at time.Time) chat.Notification {
	at = at.Add(time.Duration(n) * time.Second).UTC().Truncate(time.Millisecond)
	return chat.Notification{
		ID:   fmt.Sprintf("%s#%s#%d", at.Format("2006-01-02T15:04:05.000Z"), cid, n),
		Type: chat.NotificationMention, ConversationID: cid, InboxID: inbox, Seq: int64(n),
		Author:  chat.Author{Type: chat.RoleAgent, ID: "ann", Name: "Ann"},
		Preview: fmt.Sprintf("note %d", n), CreatedAt: at, ExpiresAt: at.Add(90 * 24 * time.Hour),
	}
}

func ids(ns []chat.Notification) []string {
	out := []string{}
	for _, n := range ns {
		read := ""
		if n.Read {
			read = " read"
		}
		out = append(out, n.Preview+read)
	}
	return out
}

// TestNotifications: entries are stored once, listed newest first in
// pages, without those of inboxes the agent is not in (any more); the
// unread count holds whether the first page reaches the read ones or not;
// one entry or all of them are marked read.
func TestNotifications(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	now := time.Now().Add(-time.Hour)
	cid := uuid.NewString()
	q := chat.NotificationQuery{AgentID: "bob", Inboxes: []string{"main"}, Limit: 3}
	for n := 1; n <= 5; n++ {
		created, err := s.PutNotification(ctx, "bob", mention(cid, "main", n, now))
		if err != nil || !created {
			t.Fatalf("put %d: created %v, %v", n, created, err)
		}
	}
	if created, err := s.PutNotification(ctx, "bob", mention(cid, "main", 3, now)); err != nil || created {
		t.Errorf("the same notification again: created %v, %v", created, err)
	}
	// An entry of an inbox bob is not in, older than every other.
	if _, err := s.PutNotification(ctx, "bob", mention(uuid.NewString(), "sales", 0, now)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutNotification(ctx, "ann", mention(cid, "main", 7, now)); err != nil {
		t.Fatal(err)
	}

	page, err := s.Notifications(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"note 5", "note 4", "note 3"}, ids(page.Notifications)); diff != "" || page.Unread != 5 || page.NextCursor == "" {
		t.Fatalf("first page (-want +got):\n%s unread %d cursor %q", diff, page.Unread, page.NextCursor)
	}
	q.Cursor = page.NextCursor
	next, err := s.Notifications(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"note 2", "note 1"}, ids(next.Notifications)); diff != "" || next.NextCursor != "" {
		t.Errorf("second page (-want +got):\n%s cursor %q", diff, next.NextCursor)
	}

	q.Cursor = ""
	left, err := s.ReadNotifications(ctx, q, []string{page.Notifications[0].ID, next.Notifications[1].ID}, false)
	if err != nil || left != 3 {
		t.Fatalf("read two: %d left, %v; want 3", left, err)
	}
	page, err = s.Notifications(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"note 5 read", "note 4", "note 3"}, ids(page.Notifications)); diff != "" || page.Unread != 3 {
		t.Errorf("after reading two (-want +got):\n%s unread %d, want 3", diff, page.Unread)
	}

	if left, err := s.ReadNotifications(ctx, q, nil, true); err != nil || left != 0 {
		t.Fatalf("read all: %d left, %v", left, err)
	}
	if _, err := s.PutNotification(ctx, "bob", mention(cid, "main", 8, now)); err != nil {
		t.Fatal(err)
	}
	page, err = s.Notifications(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"note 8", "note 5 read", "note 4 read"}, ids(page.Notifications)); diff != "" || page.Unread != 1 {
		t.Errorf("after reading all and a new one (-want +got):\n%s unread %d, want 1", diff, page.Unread)
	}

	// Once bob is in sales, its entry shows: read, like every entry
	// older than the "all read" (a sales entry after it would be unread).
	if _, err := s.PutNotification(ctx, "bob", mention(uuid.NewString(), "sales", 9, now)); err != nil {
		t.Fatal(err)
	}
	q.Inboxes, q.Limit = []string{"main", "sales"}, 10
	page, err = s.Notifications(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"note 9", "note 8", "note 5 read", "note 4 read", "note 3 read", "note 2 read", "note 1 read", "note 0 read"}
	if diff := cmp.Diff(want, ids(page.Notifications)); diff != "" || page.Unread != 2 {
		t.Errorf("with the sales inbox (-want +got):\n%s unread %d, want 2", diff, page.Unread)
	}
}

// TestNotificationsUnreadBeyondThePage: with more unread entries than a
// page holds, the count goes on past the page, up to MaxUnread.
func TestNotificationsUnreadBeyondThePage(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	now := time.Now().Add(-time.Hour)
	cid := uuid.NewString()
	for n := 1; n <= chat.MaxUnread+3; n++ {
		if _, err := s.PutNotification(ctx, "bob", mention(cid, "main", n, now)); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.Notifications(ctx, chat.NotificationQuery{AgentID: "bob", Inboxes: []string{"main"}, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Notifications) != 2 || page.Unread != chat.MaxUnread {
		t.Errorf("page of %d, unread %d; want 2, %d", len(page.Notifications), page.Unread, chat.MaxUnread)
	}
}

func TestNotificationsBadCursor(t *testing.T) {
	s, _ := newStore(t)
	_, err := s.Notifications(t.Context(), chat.NotificationQuery{AgentID: "bob", Inboxes: []string{"main"}, Limit: 2, Cursor: "bm9wZQ"})
	if err == nil {
		t.Error("a cursor that names no entry was accepted")
	}
}

// TestViewerItems: a viewer is fresh once, then refreshed; leaving ends it
// (once); an item past its time is neither listed nor a refresh; none of
// it shows in the read every message makes.
func TestViewerItems(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	now := time.Now()
	v := chat.Viewing{ConnectionID: "c1", Viewer: chat.Viewer{ID: "ann", Name: "Ann", AvatarURL: "https://cdn.example/ann.png"}, Until: now.Add(time.Minute)}
	steps := []struct {
		name string
		do   func() (bool, error)
		want bool
	}{
		{"first view", func() (bool, error) { return s.PutViewer(ctx, c.ID, v, now) }, true},
		{"refresh", func() (bool, error) { return s.PutViewer(ctx, c.ID, v, now) }, false},
		{"leave", func() (bool, error) { return s.LeaveViewer(ctx, c.ID, "c1", now) }, true},
		{"leave again", func() (bool, error) { return s.LeaveViewer(ctx, c.ID, "c1", now.Add(time.Second)) }, false},
		{"back after leaving", func() (bool, error) { return s.PutViewer(ctx, c.ID, v, now.Add(time.Second)) }, true},
		{"after its time, a view is fresh again", func() (bool, error) { return s.PutViewer(ctx, c.ID, v, now.Add(2*time.Minute)) }, true},
	}
	for _, st := range steps {
		got, err := st.do()
		if err != nil || got != st.want {
			t.Errorf("%s = %v, %v; want %v", st.name, got, err, st.want)
		}
	}
	if _, err := s.PutViewer(ctx, c.ID, chat.Viewing{ConnectionID: "c2", Viewer: chat.Viewer{ID: "bob", Name: "Bob"}, Until: now.Add(-time.Second)}, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.Viewers(ctx, c.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []chat.Viewing{{ConnectionID: "c1", Viewer: v.Viewer, Until: v.Until.Truncate(time.Second).UTC()}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("viewers (-want +got):\n%s", diff)
	}
	_, listeners, err := s.ConversationListeners(ctx, c.ID)
	if err != nil || len(listeners) != 0 {
		t.Errorf("the message read sees %d listeners (%v), want none of the viewers", len(listeners), err)
	}
}

func TestPreferencesItem(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	if _, err := s.Preferences(ctx, "ann"); err == nil {
		t.Fatal("preferences before any were set")
	}
	p := chat.Preferences{Sound: false, Desktop: chat.DesktopNotifications{NewConversations: true, Mentions: true}}
	if err := s.PutPreferences(ctx, "ann", p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Preferences(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The access check's read of the agent's partition does not see them.
	rec, err := s.AgentRecord(ctx, "ann")
	if err != nil || rec.Profile != nil {
		t.Errorf("agent record = %+v, %v", rec, err)
	}
}

// TestMentionsRoundTrip: a note's mentions are stored with it.
func TestMentionsRoundTrip(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	note := chat.Message{Kind: chat.KindNote, Author: chat.Author{Type: chat.RoleAgent, ID: "ann"}, Body: "@Bob look", CreatedAt: t0,
		Mentions: []chat.Mention{{ID: "bob", Name: "Bob"}, {ID: "cy", Name: "Cy"}}}
	res, err := s.Append(ctx, chat.Append{Current: c, Message: note})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, err := s.Messages(ctx, chat.MessageQuery{ConversationID: c.ID, After: 1, Limit: 10})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages %+v, %v", msgs, err)
	}
	if diff := cmp.Diff(res.Message, msgs[0]); diff != "" {
		t.Errorf("stored note (-appended +read):\n%s", diff)
	}
}
