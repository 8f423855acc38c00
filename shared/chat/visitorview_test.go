package chat_test

import (
	"testing"

	"github.com/parleychat/parley/shared/chat"
)

// TestVisitorNeverSeesAgentOnlyDetails: a transcript emailed to another
// address is recorded with that address and subject for the agents; the
// visitor's live frame, resume answer and history show the event without
// them (and without the agent's id).
func TestVisitorNeverSeesAgentOnlyDetails(t *testing.T) {
	e := newEnv(t)
	first := e.start(t)
	cid := first.ConversationID
	recorded, err := e.svc.RecordEvent(t.Context(), ann, cid, chat.Event{
		Type: chat.EventTranscriptSent, Email: "boss@elsewhere.test", Subject: "Escalation: angry customer", AgentID: "ann", AgentName: "Ann",
	})
	if err != nil {
		t.Fatal(err)
	}
	if recorded.Event.Email != "boss@elsewhere.test" {
		t.Fatalf("the agent's answer lost the address: %+v", recorded.Event)
	}
	check := func(where string, m chat.Message) {
		t.Helper()
		if m.Event == nil {
			return
		}
		if m.Event.Email != "" || m.Event.Subject != "" || m.Event.AgentID != "" {
			t.Errorf("%s: the visitor sees %+v", where, *m.Event)
		}
		if m.Event.Type != chat.EventTranscriptSent || m.Event.AgentName != "Ann" {
			t.Errorf("%s: the visitor's event = %+v, want the type and the agent's name kept", where, *m.Event)
		}
	}
	frames := e.push.take()
	sawVisitor, sawAgent := false, false
	for _, f := range frames["vconn"] {
		if mf, ok := f.(chat.MessageFrame); ok {
			sawVisitor = true
			check("live frame", mf.Message)
		}
	}
	for _, f := range frames["aconn"] {
		if mf, ok := f.(chat.MessageFrame); ok && mf.Message.Event != nil {
			sawAgent = mf.Message.Event.Email == "boss@elsewhere.test"
		}
	}
	if !sawVisitor || !sawAgent {
		t.Fatalf("frames: visitor %v, agent with the address %v; want both", sawVisitor, sawAgent)
	}
	if err := e.svc.Resume(t.Context(), "vconn", cid, 0, ""); err != nil {
		t.Fatal(err)
	}
	for _, f := range e.push.take()["vconn"] {
		if mf, ok := f.(chat.MessagesFrame); ok {
			for _, m := range mf.Messages {
				check("resume", m)
			}
		}
	}
	msgs, _, err := e.svc.Messages(t.Context(), vis, cid, chat.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		check("history", m)
	}
	// The stored entry keeps everything for the agents.
	agentView, _, err := e.svc.Messages(t.Context(), ann, cid, chat.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if last := agentView[len(agentView)-1]; last.Event == nil || last.Event.Email != "boss@elsewhere.test" || last.Event.Subject == "" {
		t.Errorf("the agent's history = %+v", last)
	}
}
