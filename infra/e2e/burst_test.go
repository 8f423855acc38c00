package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// TestMessageBurst: frames sent back to back on one socket run
// concurrently (API Gateway does not serialize a socket's invocations) and
// race for the conversation's seq. Every one is stored exactly once and
// answered: losing the seq race is the system's business, never a refusal.
// A client that sends the next message once the previous one is answered,
// as the widget and the inbox do, gets them stored in the order sent.
func TestMessageBurst(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	if _, err := chatclient.SendMessage(wait(t), tab, "", "Here comes a list"); err != nil {
		t.Fatal(err)
	}
	convID := mustNext(t, tab, chatclient.IsType("message")).ConversationID

	// Back to back: all in flight at once.
	const burst = 200
	sent := map[string]bool{}
	for i := range burst {
		id := uuid.NewString()
		sent[id] = true
		if err := chatclient.SendMessageWithID(wait(t), tab, id, convID, fmt.Sprintf("item %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for answered := 0; answered < burst; answered++ {
		f, err := tab.Next(ctx, func(f chatclient.Frame) bool { return f.Type == "error" || sent[msgClientID(f)] })
		if err != nil {
			t.Fatalf("%d of %d messages answered: %v", answered, burst, err)
		}
		if f.Type == "error" {
			t.Errorf("a message of the burst was refused: %s", f.Raw)
			continue
		}
		delete(sent, msgClientID(f))
	}
	alice := newAgent(t, "alice")
	stored := allMessages(t, alice, convID)
	if len(stored) != burst+1 {
		t.Errorf("%d messages stored, want %d", len(stored), burst+1)
	}
	for i, m := range stored {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d: the stream has a gap or a repeat", i, m.Seq)
		}
	}

	// One at a time, the next once the previous is answered: in order.
	var want, got []string
	for i := range 20 {
		body := fmt.Sprintf("step %d", i)
		want = append(want, body)
		id, err := chatclient.SendMessage(wait(t), tab, convID, body)
		if err != nil {
			t.Fatal(err)
		}
		mustNext(t, tab, func(f chatclient.Frame) bool { return f.Type == "error" || msgClientID(f) == id })
	}
	for _, m := range allMessages(t, alice, convID)[burst+1:] {
		got = append(got, m.Body)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages sent one at a time, stored (-sent +stored):\n%s", diff)
	}
}

// allMessages reads a conversation's whole stream, from the latest page
// back.
func allMessages(t *testing.T, a *chatclient.Agent, convID string) []chatclient.Message {
	t.Helper()
	var all []chatclient.Message
	q := url.Values{"limit": {"100"}}
	for {
		var page struct {
			Messages []chatclient.Message `json:"messages"`
			HasMore  bool                 `json:"hasMore"`
		}
		if err := a.Call(wait(t), http.MethodGet, "/agent/conversations/"+convID+"/messages?"+q.Encode(), nil, &page); err != nil {
			t.Fatal(err)
		}
		all = append(page.Messages, all...)
		if !page.HasMore || len(page.Messages) == 0 {
			return all
		}
		q.Set("before", fmt.Sprint(page.Messages[0].Seq))
	}
}
