package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
)

// TestQuotaInMessageWrites: the visitor's counter rides in the message's
// own transaction; a message over the limit stores nothing, a retry of a
// stored one is still answered, and the next window starts afresh.
func TestQuotaInMessageWrites(t *testing.T) {
	now := t0.Add(10 * time.Second)
	db := newCountingDB()
	s := store.New(db, ddb.NewTable(t), func() time.Time { return now })
	ctx := t.Context()
	vid := uuid.NewString()
	rate := chat.RateLimit{Limit: 3, Window: time.Minute}
	quota := func() *chat.Quota { return chat.NewQuota(rate, "visitor#"+vid, now) }
	msg := func(body string) chat.Message {
		return chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: body, CreatedAt: now}
	}

	c := chat.Conversation{ID: uuid.NewString(), ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen, CreatedAt: now, LastActivityAt: now}
	res, err := s.CreateConversation(ctx, chat.NewConversation{Conversation: c, Message: msg("1"), ClientKey: "k1", Quota: quota()})
	if err != nil {
		t.Fatal(err)
	}
	conv := res.Conversation
	db.Calls()
	for i, key := range []string{"k2", "k3"} {
		res, err := s.Append(ctx, chat.Append{Current: conv, Message: msg(key), ClientKey: key, Quota: quota()})
		if err != nil {
			t.Fatalf("message %d: %v", i+2, err)
		}
		conv = res.Conversation
	}
	if diff := cmp.Diff(map[string]int{"TransactWriteItems": 2}, db.Calls()); diff != "" {
		t.Errorf("calls of two appends (-want +got):\n%s", diff)
	}

	_, err = s.Append(ctx, chat.Append{Current: conv, Message: msg("4"), ClientKey: "k4", Quota: quota()})
	var limited *chat.RateLimitError
	if !errors.As(err, &limited) || !errors.Is(err, chat.ErrRateLimited) {
		t.Fatalf("fourth message: err = %v, want a rate limit", err)
	}
	if limited.RetryAfter != 50*time.Second {
		t.Errorf("RetryAfter = %v, want 50s (the rest of the minute)", limited.RetryAfter)
	}
	c2 := c
	c2.ID = uuid.NewString()
	if _, err := s.CreateConversation(ctx, chat.NewConversation{Conversation: c2, Message: msg("new"), ClientKey: "k5", Quota: quota()}); !errors.Is(err, chat.ErrRateLimited) {
		t.Errorf("new conversation over the limit: err = %v, want a rate limit", err)
	}
	if _, err := s.Conversation(ctx, c2.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("refused conversation: err = %v, want not found", err)
	}
	stored, _, err := s.Messages(ctx, chat.MessageQuery{ConversationID: c.ID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 3 {
		t.Errorf("%d messages stored, want 3", len(stored))
	}

	// A retry of a stored message is answered from the first write.
	again, err := s.Append(ctx, chat.Append{Current: conv, Message: msg("k3"), ClientKey: "k3", Quota: quota()})
	if err != nil || !again.Duplicate || again.Message.Seq != 3 {
		t.Errorf("retry of a stored message = %+v, %v; want the stored seq 3", again.Message, err)
	}

	now = now.Add(time.Minute)
	if _, err := s.Append(ctx, chat.Append{Current: conv, Message: msg("5"), ClientKey: "k6", Quota: quota()}); err != nil {
		t.Errorf("next window: %v", err)
	}
}

func TestHit(t *testing.T) {
	now := t0.Add(59*time.Second + 200*time.Millisecond)
	s := store.New(newCountingDB(), ddb.NewTable(t), func() time.Time { return now })
	rate := chat.RateLimit{Limit: 2, Window: time.Minute}
	for i, want := range []error{nil, nil, chat.ErrRateLimited} {
		err := s.Hit(t.Context(), *chat.NewQuota(rate, "ip#192.0.2.1", now))
		if !errors.Is(err, want) {
			t.Fatalf("hit %d: err = %v, want %v", i+1, err, want)
		}
		var limited *chat.RateLimitError
		if errors.As(err, &limited) && limited.RetryAfter != time.Second {
			t.Errorf("RetryAfter = %v, want at least a second", limited.RetryAfter)
		}
	}
	if err := s.Hit(t.Context(), *chat.NewQuota(rate, "ip#192.0.2.2", now)); err != nil {
		t.Errorf("another key: %v", err)
	}
	now = now.Add(time.Second)
	if err := s.Hit(t.Context(), *chat.NewQuota(rate, "ip#192.0.2.1", now)); err != nil {
		t.Errorf("next window: %v", err)
	}
}

func newCountingDB() *storetest.Counting { return storetest.NewCounting(ddb.Client()) }
