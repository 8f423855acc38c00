package routing_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/routing"
)

// event is a domain event as the bus delivers it (docs/events.md).
func event(t *testing.T, detailType string, c chat.Conversation, at time.Time, actor, change string) events.EventBridgeEvent {
	t.Helper()
	d := map[string]any{
		"version": "1", "id": c.ID + ":1", "conversationId": c.ID, "seq": 1, "occurredAt": at.Format("2006-01-02T15:04:05.000Z07:00"),
		"channelId": c.ChannelID, "inboxId": c.InboxID, "visitorId": c.VisitorID, "actor": map[string]string{"type": actor, "id": "x"},
	}
	if change != "" {
		d["change"] = change
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return events.EventBridgeEvent{ID: "e-" + detailType, Source: "parley.chat", DetailType: detailType, Detail: raw}
}

// TestHandlerEvents: which events queue a conversation and which only
// serve the queue; repeated, late and routing's own events change nothing.
func TestHandlerEvents(t *testing.T) {
	w := newWorld(t)
	h := routing.NewHandler(w.router)
	handle := func(ev events.EventBridgeEvent) {
		t.Helper()
		if err := h.Handle(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	w.presence.away["b"], w.presence.away["c"] = true, true
	var convs []chat.Conversation
	for range 3 {
		c := w.newConversation(t)
		convs = append(convs, c)
		created := event(t, "conversation.created", c, c.CreatedAt, "visitor", "")
		handle(created)
		handle(created) // delivered twice
	}
	if diff := cmp.Diff([]string{"a", "a", ""}, w.state(t, convs)); diff != "" {
		t.Fatalf("after three created events, each twice (-want +got):\n%s", diff)
	}

	// Routing's own assignment event frees nothing and queues nothing.
	handle(event(t, "conversation.assigned", convs[0], w.now(), "system", "assigned"))
	// A late unassigned event of a conversation assigned since queues nothing.
	handle(event(t, "conversation.assigned", convs[1], w.now(), "agent", "unassigned"))
	if diff := cmp.Diff([]string{convs[2].ID}, w.queue(t)); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}

	// a hands one to b (who is away: it stays b's); a's slot frees for
	// the waiting one, at the event.
	if _, err := w.svc.Assign(t.Context(), w.agent("a"), convs[0].ID, "b", nil); err != nil {
		t.Fatal(err)
	}
	handle(event(t, "conversation.assigned", convs[0], w.now(), "agent", "assigned"))
	if diff := cmp.Diff([]string{"b", "a", "a"}, w.state(t, convs)); diff != "" {
		t.Errorf("after a reassignment (-want +got):\n%s", diff)
	}

	// Closed, then reopened unassigned: it waits again and is routed.
	if _, err := w.svc.Unassign(t.Context(), w.agent("a"), convs[1].ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Close(t.Context(), w.agent("a"), convs[1].ID); err != nil {
		t.Fatal(err)
	}
	handle(event(t, "conversation.closed", convs[1], w.now(), "agent", ""))
	if _, err := w.svc.Reopen(t.Context(), w.agent("a"), convs[1].ID); err != nil {
		t.Fatal(err)
	}
	handle(event(t, "conversation.reopened", convs[1], w.now(), "agent", ""))
	if diff := cmp.Diff([]string{"b", "a", "a"}, w.state(t, convs)); diff != "" {
		t.Errorf("after a reopen (-want +got):\n%s", diff)
	}

	for _, ev := range []events.EventBridgeEvent{
		{Source: "parley.chat", DetailType: "conversation.created", Detail: json.RawMessage(`{"inboxId":`)},
		{Source: "someone.else", DetailType: "conversation.created", Detail: json.RawMessage(`{}`)},
		{Source: "parley.chat", DetailType: "message.created", Detail: json.RawMessage(`{"inboxId":"main"}`)},
	} {
		if err := h.Handle(t.Context(), ev); err != nil {
			t.Errorf("%s %s: %v, want it skipped", ev.Source, ev.DetailType, err)
		}
	}
}

// TestAgentBecomingAvailable: an agent.status event with presence
// available serves the agent's inboxes; away changes nothing.
func TestAgentBecomingAvailable(t *testing.T) {
	w := newWorld(t)
	h := routing.NewHandler(w.router)
	for _, id := range agents {
		w.presence.away[id] = true
	}
	c := w.newConversation(t)
	w.created(t, c)
	status := func(presence string) events.EventBridgeEvent {
		raw, _ := json.Marshal(map[string]string{"version": "1", "id": "b:1", "agentId": "b", "status": presence, "presence": presence})
		return events.EventBridgeEvent{Source: "parley.chat", DetailType: "agent.status", Detail: raw}
	}
	if err := h.Handle(t.Context(), status("away")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{""}, w.state(t, []chat.Conversation{c})); diff != "" {
		t.Errorf("after b went away (-want +got):\n%s", diff)
	}
	w.presence.mu.Lock()
	delete(w.presence.away, "b")
	w.presence.mu.Unlock()
	if err := h.Handle(t.Context(), status("available")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b"}, w.state(t, []chat.Conversation{c})); diff != "" {
		t.Errorf("after b came back (-want +got):\n%s", diff)
	}
}
