package store_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestClientKeyBoundToRequest: a used client key answers with its message
// only for the request it stored; another request is ErrClientIDReused,
// whatever path the write takes, and a record without a digest (written
// before records kept one) still answers retries.
func TestClientKeyBoundToRequest(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	errGone := errors.New("closed meanwhile")
	first, err := s.Append(ctx, chat.Append{Current: c, Message: text("one"), ClientKey: "agent:a#k", Request: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, chat.Append{Current: c, Message: text("legacy"), ClientKey: "agent:a#old"}); err != nil {
		t.Fatal(err)
	}
	other := c
	other.ID = uuid.NewString()
	tests := []struct {
		name    string
		write   func() (chat.Appended, error)
		wantErr error
		wantSeq int64
	}{
		{"the same request", func() (chat.Appended, error) {
			return s.Append(ctx, chat.Append{Current: c, Message: text("one"), ClientKey: "agent:a#k", Request: "r1"})
		}, nil, first.Message.Seq},
		{"another request", func() (chat.Appended, error) {
			return s.Append(ctx, chat.Append{Current: c, Message: text("two"), ClientKey: "agent:a#k", Request: "r2"})
		}, chat.ErrClientIDReused, 0},
		{"another request starting a conversation", func() (chat.Appended, error) {
			return s.CreateConversation(ctx, chat.NewConversation{Conversation: other, Message: text("two"), ClientKey: "agent:a#k", Request: "r2"})
		}, chat.ErrClientIDReused, 0},
		{"another request to a conversation that refuses it", func() (chat.Appended, error) {
			return s.Append(ctx, chat.Append{Current: c, Message: text("two"), ClientKey: "agent:a#k", Request: "r2",
				Change: func(*chat.Conversation) error { return errGone }})
		}, chat.ErrClientIDReused, 0},
		{"a record without a digest", func() (chat.Appended, error) {
			return s.Append(ctx, chat.Append{Current: c, Message: text("legacy"), ClientKey: "agent:a#old", Request: "r3"})
		}, nil, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.write()
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && (!res.Duplicate || res.Message.Seq != tc.wantSeq) {
				t.Errorf("answer = %+v, want the stored message %d", res, tc.wantSeq)
			}
		})
	}
	if got, _ := s.Conversation(ctx, c.ID); got.LastSeq != 3 {
		t.Errorf("lastSeq = %d, want 3: a refused write stored something", got.LastSeq)
	}
	if _, err := s.Conversation(ctx, other.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("the refused conversation: %v, want not found", err)
	}
	if _, err := s.ClientMessage(ctx, "agent:a#k", "r2"); !errors.Is(err, chat.ErrClientIDReused) {
		t.Errorf("ClientMessage with another request: %v, want ErrClientIDReused", err)
	}
}
