package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/email"
)

const sweepRule = "InactivitySweeperFunction.Sweep"

// sweep fires the inactivity schedule now and waits for it, as the
// scheduled rule does every minute.
func sweep(t *testing.T) {
	t.Helper()
	if err := cloud.FireSchedule(sweepRule); err != nil {
		t.Fatalf("sweep: %v", err)
	}
}

func advance(t *testing.T, d time.Duration) {
	t.Helper()
	if err := cloud.Advance(d); err != nil {
		t.Fatal(err)
	}
}

type eventLog struct {
	Events []struct {
		DetailType string          `json:"detailType"`
		Detail     json.RawMessage `json:"detail"`
		Deliveries []struct {
			Function string `json:"function"`
			Status   string `json:"status"`
		} `json:"deliveries"`
	} `json:"events"`
}

type detail struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Reason         string `json:"reason"`
	Actor          struct {
		Type string `json:"type"`
	} `json:"actor"`
}

// published reads the events JSON view and returns the details of the
// events of detailType about the conversation, once every stream record
// has been published.
func published(t *testing.T, detailType, convID string) []detail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cloud.StreamsIdle() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(cloud.Endpoints().Events + "?detailType=" + detailType)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log eventLog
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
		t.Fatal(err)
	}
	var out []detail
	for _, ev := range log.Events {
		var d detail
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if d.ConversationID == convID {
			out = append(out, d)
		}
	}
	return out
}

// waitPublished waits until n events of detailType about the conversation
// are on the bus.
func waitPublished(t *testing.T, detailType, convID string, n int) []detail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := published(t, detailType, convID)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eventType(m chatclient.Message) string {
	var e struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(m.Event, &e)
	return e.Type + "/" + e.Reason
}

func isEvent(convID, typ string) func(chatclient.Frame) bool {
	return func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && f.Type == "message" && f.ConversationID == convID && strings.HasPrefix(eventType(m), typ+"/")
	}
}

// TestInactivityTimeout: a quiet visitor is warned and then the chat closes
// with reason inactivity; visitor activity resets the timer; the widget and
// the inbox see both live; a double firing closes once; the close is
// published once; the visitor's next message starts a new conversation.
func TestInactivityTimeout(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	inbox := connect(t, newAgent(t, "alice"))
	agent := newAgent(t, "alice")

	if _, err := chatclient.SendMessage(wait(t), tab, "", "Hello?"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	lastSeq := func() int64 {
		th, err := agent.Get(wait(t), convID)
		if err != nil {
			t.Fatal(err)
		}
		return th.Conversation.LastSeq
	}

	// 27 of the 28 minutes before the warning pass: nothing happens.
	advance(t, 27*time.Minute)
	sweep(t)
	if n := lastSeq(); n != 1 {
		t.Fatalf("after 27 quiet minutes lastSeq = %d, want 1", n)
	}
	// The visitor writes: the timer starts again.
	if _, err := chatclient.SendMessage(wait(t), tab, convID, "Still here"); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Next(wait(t), chatclient.IsType("message", convID)); err != nil {
		t.Fatal(err)
	}
	advance(t, 2*time.Minute) // past the first deadline, well before the new one
	sweep(t)
	if n := lastSeq(); n != 2 {
		t.Fatalf("activity did not reset the timer: lastSeq = %d, want 2", n)
	}

	// 28 minutes after the last visitor message: the warning.
	advance(t, 27*time.Minute)
	sweep(t)
	for name, s := range map[string]*chatclient.Socket{"visitor": tab, "inbox": inbox} {
		f, err := s.Next(wait(t), isEvent(convID, "warning"))
		if err != nil {
			t.Fatalf("%s did not see the warning: %v", name, err)
		}
		m, _ := f.Msg()
		if !strings.Contains(m.Body, "2 minutes") || m.Author.Type != "system" {
			t.Errorf("%s's warning = %+v", name, m)
		}
	}

	// The deadline passes and the schedule fires twice at once: one close.
	advance(t, 3*time.Minute)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { sweep(t) })
	}
	wg.Wait()
	for name, s := range map[string]*chatclient.Socket{"visitor": tab, "inbox": inbox} {
		f, err := s.Next(wait(t), isEvent(convID, "closed"))
		if err != nil {
			t.Fatalf("%s did not see the close: %v", name, err)
		}
		m, _ := f.Msg()
		if eventType(m) != "closed/inactivity" || f.Conversation == nil || f.Conversation.Status != "closed" {
			t.Errorf("%s's close = %s", name, f.Raw)
		}
	}
	th, err := agent.Get(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	closes := 0
	for _, m := range th.Messages {
		if strings.HasPrefix(eventType(m), "closed/") {
			closes++
		}
	}
	if closes != 1 || th.Conversation.Status != "closed" || th.Conversation.LastSeq != 4 {
		t.Errorf("after a double firing: %d close events, status %s, lastSeq %d; want 1, closed, 4", closes, th.Conversation.Status, th.Conversation.LastSeq)
	}
	if got := waitPublished(t, "conversation.closed", convID, 1); len(got) != 1 || got[0].Reason != "inactivity" || got[0].Actor.Type != "system" {
		t.Errorf("conversation.closed published %+v, want once with reason inactivity", got)
	}

	// The visitor comes back: a new conversation.
	if _, err := chatclient.SendMessage(wait(t), tab, convID, "Hello again"); err != nil {
		t.Fatal(err)
	}
	f, err := tab.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "message" && f.ConversationID != convID })
	if err != nil {
		t.Fatalf("no new conversation after the inactivity close: %v", err)
	}
	if m, _ := f.Msg(); m.Seq != 1 || m.Body != "Hello again" {
		t.Errorf("new conversation starts with %+v", m)
	}
}

// TestAgentClosePublishesOnce: an agent's close is published once as
// conversation.closed with reason agent, after the conversation's created
// and message events.
func TestAgentClosePublishesOnce(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	if _, err := chatclient.SendMessage(wait(t), tab, "", "Please close me"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	agent := newAgent(t, "ben")
	if _, err := agent.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	// Closing again changes nothing and publishes nothing.
	if _, err := agent.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	if got := waitPublished(t, "conversation.created", convID, 1); len(got) != 1 || got[0].ID != convID+":1" {
		t.Errorf("conversation.created = %+v", got)
	}
	if got := waitPublished(t, "message.created", convID, 1); len(got) != 1 {
		t.Errorf("message.created = %+v", got)
	}
	got := waitPublished(t, "conversation.closed", convID, 1)
	if len(got) != 1 || got[0].Reason != "agent" || got[0].ID != convID+":2" || got[0].Actor.Type != "agent" {
		t.Errorf("conversation.closed = %+v, want once with reason agent and id %s:2", got, convID)
	}
}

// TestInactivityCloseSendsTranscript: a chat an agent answered and the
// visitor then left closes for inactivity, and the close follows the normal
// path to the transcript: one email to the visitor's address.
func TestInactivityCloseSendsTranscript(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	const addr = "quiet.visitor@visitor.test"
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr}, nil); err != nil {
		t.Fatal(err)
	}
	confirmAddress(t, addr)
	if _, err := chatclient.SendMessage(wait(t), tab, "", "Do you ship to Kraków?"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	if _, err := newAgent(t, "ben").Reply(wait(t), convID, "We do, in three working days."); err != nil {
		t.Fatal(err)
	}

	advance(t, 29*time.Minute)
	sweep(t) // the warning
	advance(t, 2*time.Minute)
	sweep(t) // the close
	if _, err := tab.Next(wait(t), isEvent(convID, "closed")); err != nil {
		t.Fatalf("visitor did not see the close: %v", err)
	}
	transcripts := mailTo(t, addr, email.DefaultTranscriptSubject)
	for deadline := time.Now().Add(15 * time.Second); len(transcripts) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		transcripts = mailTo(t, addr, email.DefaultTranscriptSubject)
	}
	if len(transcripts) != 1 {
		t.Fatalf("%d transcripts after the inactivity close, want 1", len(transcripts))
	}
	for _, want := range []string{"Do you ship to Kraków?", "We do, in three working days."} {
		if !strings.Contains(transcripts[0].Text, want) {
			t.Errorf("transcript lacks %q:\n%s", want, transcripts[0].Text)
		}
	}
}
