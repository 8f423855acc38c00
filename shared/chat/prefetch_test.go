package chat_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// countingStore counts the reads of a conversation with its listeners.
type countingStore struct {
	*fakeStore
	reads atomic.Int32
}

func (c *countingStore) ConversationListeners(ctx context.Context, id string) (chat.Conversation, []chat.Listener, error) {
	c.reads.Add(1)
	return c.fakeStore.ConversationListeners(ctx, id)
}

// TestPrefetch: a conversation read ahead of the request's use case is
// taken by its first reach of that conversation, once; a later one, or
// one of another conversation, reads again. What the agent may not see is
// still not found, whatever was read ahead.
func TestPrefetch(t *testing.T) {
	st := &countingStore{fakeStore: newFakeStore()}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := newService(t, st, &pushRecorder{}, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	cid := startWithSockets(t, st.fakeStore, svc, nil)
	reads := func() int32 { return st.reads.Swap(0) }
	reads()

	ctx, stop := svc.Prefetch(t.Context(), cid)
	if _, _, err := svc.Reply(ctx, ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "hi"}); err != nil {
		t.Fatal(err)
	}
	if n := reads(); n != 1 {
		t.Errorf("a reply after a prefetch read the conversation %d times, want once", n)
	}
	if _, err := svc.MarkRead(ctx, ann, cid, 1, ""); err != nil {
		t.Fatal(err)
	}
	if n := reads(); n != 1 {
		t.Errorf("a second use case in the request read %d times, want once (the prefetch is taken once)", n)
	}
	stop()

	ctx, stop = svc.Prefetch(t.Context(), uuid.NewString())
	if _, _, err := svc.Reply(ctx, ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "again"}); err != nil {
		t.Fatal(err)
	}
	stop()
	if n := reads(); n != 2 {
		t.Errorf("a prefetch of another conversation and a reply: %d reads, want 2", n)
	}

	outsider := chat.Principal{Role: chat.RoleAgent, ID: "cat", Name: "Cat", Inboxes: []string{"sales"}}
	ctx, stop = svc.Prefetch(t.Context(), cid)
	_, _, err := svc.Reply(ctx, outsider, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "not mine"})
	stop()
	if !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("an agent of another inbox replied after a prefetch: err = %v, want ErrNotFound", err)
	}
	if n := reads(); n != 1 {
		t.Errorf("the outsider's refused reply: %d reads, want the prefetch only", n)
	}

	// A prefetch nobody takes is ended by stop; a malformed id starts none.
	_, stop = svc.Prefetch(t.Context(), cid)
	stop()
	_, stop = svc.Prefetch(t.Context(), "not-an-id")
	stop()
	if n := reads(); n > 1 {
		t.Errorf("%d reads, want at most the one prefetch stop ended", n)
	}
}
