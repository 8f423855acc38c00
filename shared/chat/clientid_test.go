package chat_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestClientIDBoundToRequest: a client id used once answers a true retry
// with the stored message and refuses anything else, storing nothing and
// reopening nothing; a visitor's retry after its conversation closed is
// still a retry (its request named the closed conversation).
func TestClientIDBoundToRequest(t *testing.T) {
	e := newEnv(t)
	first := e.start(t)
	cid := first.ConversationID
	second := e.start(t)
	k := uuid.NewString()
	stored, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: k, Body: "Which size?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Close(t.Context(), ann, cid); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		conv    string
		in      chat.SendInput
		wantErr error
	}{
		{"a true retry", cid, chat.SendInput{ClientID: k, Body: "Which size?"}, nil},
		{"the channel named", cid, chat.SendInput{ClientID: k, Body: "Which size?", Channel: chat.ChannelChat}, nil},
		{"another body", cid, chat.SendInput{ClientID: k, Body: "Which colour?"}, chat.ErrClientIDReused},
		{"another conversation", second.ConversationID, chat.SendInput{ClientID: k, Body: "Which size?"}, chat.ErrClientIDReused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, created, err := e.svc.Reply(t.Context(), ann, tc.conv, tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && (created || m.Seq != stored.Seq) {
				t.Errorf("answer seq %d created %v, want the stored %d", m.Seq, created, stored.Seq)
			}
		})
	}
	if c := e.store.convs[cid]; c.Status != chat.StatusClosed || c.LastSeq != 3 {
		t.Errorf("conversation: %s, lastSeq %d; want closed at 3: a refused reply reopened it", c.Status, c.LastSeq)
	}
	if n := len(e.store.msgs[second.ConversationID]); n != 1 {
		t.Errorf("the other conversation holds %d messages, want 1", n)
	}

	// The visitor's message to the conversation now closed started a new
	// one; its retry names the closed one again and gets the stored answer.
	v := chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "Still there?"}
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", v)
	if err != nil || m.ConversationID == cid {
		t.Fatalf("message to the closed conversation: %+v, %v; want a new conversation", m, err)
	}
	again, err := e.svc.SendFromConnection(t.Context(), "vconn", v)
	if err != nil || again.Seq != m.Seq || again.ConversationID != m.ConversationID {
		t.Errorf("retry: %+v, %v; want %+v", again, err, m)
	}
	v.Body = "Hello?"
	if _, err := e.svc.SendFromConnection(t.Context(), "vconn", v); !errors.Is(err, chat.ErrClientIDReused) {
		t.Errorf("visitor, another body: %v, want ErrClientIDReused", err)
	}
}
