package e2e

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// TestClientIDReused: a client id names one request. A true retry gets the
// stored message; the same id with another body, another channel or on
// another conversation is refused with client_id_reused (409, or an error
// frame that is not retryable) and stores nothing, over the socket, the
// agent route and the email channel.
func TestClientIDReused(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)

	// The visitor's socket.
	k := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), tab, k, "", "Do you ship to Norway?"); err != nil {
		t.Fatal(err)
	}
	own := mustNext(t, tab, func(f chatclient.Frame) bool { return msgClientID(f) == k })
	first, convID := mustMsg(t, own), own.ConversationID
	for _, tc := range []struct {
		name, conv, body string
	}{
		{"another body", "", "Do you ship to Sweden?"},
		{"another conversation named", convID, "Do you ship to Norway?"},
	} {
		if err := chatclient.SendMessageWithID(wait(t), tab, k, tc.conv, tc.body); err != nil {
			t.Fatal(err)
		}
		f := mustNext(t, tab, func(f chatclient.Frame) bool { return f.Type == "error" || msgClientID(f) == k })
		if f.Type != "error" || f.Code != "client_id_reused" || f.ClientID != k || f.Retryable {
			t.Errorf("visitor, %s: got %s, want a client_id_reused error frame with the client id, not retryable", tc.name, f.Raw)
		}
	}
	// The true retry answers with the stored message.
	if err := chatclient.SendMessageWithID(wait(t), tab, k, "", "Do you ship to Norway?"); err != nil {
		t.Fatal(err)
	}
	again := mustNext(t, tab, func(f chatclient.Frame) bool { return f.Type == "error" || msgClientID(f) == k })
	if m := mustMsg(t, again); m.Seq != first.Seq || again.ConversationID != convID {
		t.Errorf("the retry answered %+v, want seq %d of %s", m, first.Seq, convID)
	}

	// The agent route.
	alice := newAgent(t, "alice")
	other := newVisitor(t)
	otherTab := connect(t, other)
	if _, err := chatclient.SendMessage(wait(t), otherTab, "", "A second conversation"); err != nil {
		t.Fatal(err)
	}
	otherConv := mustNext(t, otherTab, chatclient.IsType("message")).ConversationID
	r := uuid.NewString()
	reply, err := alice.ReplyWithID(wait(t), convID, r, "Yes, we do.")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := alice.ReplyWithID(wait(t), convID, r, "Yes, we do."); err != nil || m.Seq != reply.Seq {
		t.Errorf("agent retry: %+v, %v; want the stored reply (seq %d)", m, err, reply.Seq)
	}
	for _, tc := range []struct {
		name, conv, body string
	}{
		{"another body", convID, "No, we don't."},
		{"another conversation", otherConv, "Yes, we do."},
	} {
		_, err := alice.ReplyWithID(wait(t), tc.conv, r, tc.body)
		if !isClientIDReused(err) {
			t.Errorf("agent, %s: %v, want 409 client_id_reused", tc.name, err)
		}
	}
	if th := getThread(t, alice, otherConv); len(th.Messages) != 1 {
		t.Errorf("the other conversation holds %d messages, want its first only", len(th.Messages))
	}

	// The email channel: the reply goes out once; the id reused on chat,
	// or by email with another body, sends nothing.
	addr := "nora-" + uuid.NewString()[:8] + "@visitor.test"
	if err := alice.Call(wait(t), http.MethodPut, "/agent/conversations/"+convID+"/contact", map[string]string{"email": addr}, nil); err != nil {
		t.Fatal(err)
	}
	e := uuid.NewString()
	emailed := func(body string) error {
		return alice.Call(wait(t), http.MethodPost, "/agent/conversations/"+convID+"/messages",
			map[string]string{"clientId": e, "body": body, "channel": "email"}, nil)
	}
	if err := emailed("Shipping to Norway takes three days."); err != nil {
		t.Fatal(err)
	}
	if err := emailed("Shipping to Norway takes three days."); err != nil {
		t.Errorf("email retry: %v", err)
	}
	if err := emailed("Shipping to Norway takes a week."); !isClientIDReused(err) {
		t.Errorf("email, another body: %v, want 409 client_id_reused", err)
	}
	if _, err := alice.ReplyWithID(wait(t), convID, e, "Shipping to Norway takes three days."); !isClientIDReused(err) {
		t.Errorf("the email's id on chat: %v, want 409 client_id_reused", err)
	}
	if n := len(mailTo(t, addr, "")); n != 1 {
		t.Errorf("%d emails went to %s, want 1", n, addr)
	}
}

func mustNext(t *testing.T, s *chatclient.Socket, match func(chatclient.Frame) bool) chatclient.Frame {
	t.Helper()
	f, err := s.Next(wait(t), match)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func isClientIDReused(err error) bool {
	var e *chatclient.APIError
	return errors.As(err, &e) && e.Status == http.StatusConflict && e.Code == "client_id_reused"
}
