package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// TestChatLoop is the foundation's whole story: a visitor writes, two agents
// see it live, both take over at once and one wins, replies reach the
// visitor, a dropped connection resumes with exactly the missing messages, a
// retried client id is stored once, and after close the visitor's next
// message opens a new conversation.
func TestChatLoop(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)

	alice, ben := newAgent(t, "alice"), newAgent(t, "ben")
	aliceSock, benSock := connect(t, alice), connect(t, ben)

	// The first visitor message creates the conversation.
	clientID, err := chatclient.SendMessage(wait(t), tab, "", "Hello, is anyone there?")
	if err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatalf("visitor's own message not echoed: %v", err)
	}
	first := mustMsg(t, own)
	convID := own.ConversationID
	if first.Seq != 1 || first.ClientID != clientID || first.Body != "Hello, is anyone there?" {
		t.Fatalf("first message = %+v, want seq 1 with the visitor's client id and body", first)
	}
	if _, err := uuid.Parse(convID); err != nil {
		t.Fatalf("conversation id %q is not a UUID", convID)
	}

	// Both agents see it live, with the conversation summary for their list.
	for name, s := range map[string]*chatclient.Socket{"alice": aliceSock, "ben": benSock} {
		f, err := s.Next(wait(t), chatclient.IsType("message", convID))
		if err != nil {
			t.Fatalf("%s did not see the visitor's message live: %v", name, err)
		}
		if m := mustMsg(t, f); m.Body != first.Body || m.Author.Type != "visitor" {
			t.Errorf("%s saw %+v", name, m)
		}
		if f.Conversation == nil || f.Conversation.ID != convID {
			t.Errorf("%s's push has no conversation summary: %s", name, f.Raw)
		}
	}

	// Both take over at once: exactly one wins, the other gets a conflict.
	var wg sync.WaitGroup
	errs := map[string]error{}
	var mu sync.Mutex
	for name, a := range map[string]*chatclient.Agent{"alice": alice, "ben": ben} {
		wg.Go(func() {
			_, err := a.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""})
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	var winner, loser *chatclient.Agent
	var winnerName string
	switch {
	case errs["alice"] == nil && isConflict(errs["ben"]):
		winner, loser, winnerName = alice, ben, "alice"
	case errs["ben"] == nil && isConflict(errs["alice"]):
		winner, loser, winnerName = ben, alice, "ben"
	default:
		t.Fatalf("concurrent take-over: want one success and one 409 conflict, got alice=%v ben=%v", errs["alice"], errs["ben"])
	}
	_ = loser

	// The visitor learns who took over (name shown in the widget): the
	// take-over event arrives in the seq stream with the conversation.
	f, err := tab.Next(wait(t), func(f chatclient.Frame) bool {
		return f.Conversation != nil && f.Conversation.Assignee != nil
	})
	if err != nil {
		t.Fatalf("visitor not told of the take-over: %v", err)
	}
	if f.Conversation.Assignee.Name == "" {
		t.Errorf("assignee shown to the visitor has no name: %s", f.Raw)
	}

	// The winner replies; the visitor receives it.
	reply, err := winner.Reply(wait(t), convID, "Hi! I'm here, how can I help?")
	if err != nil {
		t.Fatalf("%s reply: %v", winnerName, err)
	}
	got, err := tab.Next(wait(t), func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.Seq == reply.Seq
	})
	if err != nil {
		t.Fatalf("visitor did not receive the reply: %v", err)
	}
	if m := mustMsg(t, got); m.Body != reply.Body || m.Author.Type != "agent" {
		t.Errorf("visitor received %+v, want the agent's reply", m)
	}

	// The visitor's connection drops; the agent writes twice meanwhile.
	lastSeen := reply.Seq
	tab.Abort()
	var missed []string
	for _, body := range []string{"Are you still there?", "I'll wait here."} {
		m, err := winner.Reply(wait(t), convID, body)
		if err != nil {
			t.Fatal(err)
		}
		missed = append(missed, fmt.Sprintf("%d:%s", m.Seq, m.Body))
	}
	tab2 := connect(t, visitor)
	if err := tab2.Send(wait(t), map[string]any{"action": "resume", "conversationId": convID, "afterSeq": lastSeen}); err != nil {
		t.Fatal(err)
	}
	res, err := tab2.Next(wait(t), chatclient.IsType("messages", convID))
	if err != nil {
		t.Fatalf("resume answered nothing: %v", err)
	}
	var resumed []string
	for _, m := range res.Messages {
		if m.Kind == "text" {
			resumed = append(resumed, fmt.Sprintf("%d:%s", m.Seq, m.Body))
		}
	}
	if diff := cmp.Diff(missed, resumed); diff != "" {
		t.Errorf("resume after seq %d: (-missed +got)\n%s", lastSeen, diff)
	}
	for i, m := range res.Messages {
		if m.Seq <= lastSeen || (i > 0 && m.Seq != res.Messages[i-1].Seq+1) {
			t.Errorf("resume returned seq %d out of range or order: %+v", m.Seq, res.Messages)
		}
	}

	// A retried client id is stored once and answered with the same message.
	retryID := uuid.NewString()
	for range 2 {
		if err := chatclient.SendMessageWithID(wait(t), tab2, retryID, convID, "sent twice by a flaky network"); err != nil {
			t.Fatal(err)
		}
	}
	var seqs []int64
	for range 2 {
		f, err := tab2.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == retryID })
		if err != nil {
			t.Fatalf("retried message not acknowledged twice: %v", err)
		}
		seqs = append(seqs, mustMsg(t, f).Seq)
	}
	if seqs[0] != seqs[1] {
		t.Errorf("retry got seq %d then %d, want the stored message both times", seqs[0], seqs[1])
	}
	thread, err := winner.Get(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if n := countClientID(thread.Messages, retryID); n != 1 {
		t.Errorf("client id %s stored %d times, want 1", retryID, n)
	}

	// The agent closes; the visitor sees it.
	if _, err := winner.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := tab2.Next(wait(t), func(f chatclient.Frame) bool {
		return f.Conversation != nil && f.Conversation.Status == "closed"
	}); err != nil {
		t.Fatalf("visitor not told of the close: %v", err)
	}

	// The visitor's next message opens a new conversation.
	if _, err := chatclient.SendMessage(wait(t), tab2, convID, "One more question"); err != nil {
		t.Fatal(err)
	}
	nf, err := tab2.Next(wait(t), func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.Body == "One more question"
	})
	if err != nil {
		t.Fatalf("message after close not delivered: %v", err)
	}
	if nf.ConversationID == convID || mustMsg(t, nf).Seq != 1 {
		t.Errorf("message after close went to %s seq %d, want a new conversation at seq 1", nf.ConversationID, mustMsg(t, nf).Seq)
	}
	old, err := winner.Get(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Conversation.Status != "closed" {
		t.Errorf("old conversation status %q, want closed", old.Conversation.Status)
	}
}

func mustMsg(t *testing.T, f chatclient.Frame) chatclient.Message {
	t.Helper()
	m, err := f.Msg()
	if err != nil {
		t.Fatalf("frame %s: %v", f.Raw, err)
	}
	return m
}

func msgClientID(f chatclient.Frame) string {
	m, err := f.Msg()
	if err != nil {
		return ""
	}
	return m.ClientID
}

func countClientID(ms []chatclient.Message, id string) int {
	n := 0
	for _, m := range ms {
		if m.ClientID == id {
			n++
		}
	}
	return n
}

func isConflict(err error) bool {
	var e *chatclient.APIError
	return errors.As(err, &e) && e.Status == http.StatusConflict && e.Code == "conflict"
}

// TestVisitorsNeverSeeAgentIDs: an agent's internal id (its identity
// provider's subject) reaches no visitor: not in the messages and events
// pushed live, not in resume answers, not in the history, not in typing.
func TestVisitorsNeverSeeAgentIDs(t *testing.T) {
	visitor := newVisitor(t)
	tab, convID, _ := startConversation(t, visitor, "who are you?")
	alice := newAgent(t, "alice")
	aliceTab := connect(t, alice)
	sub := mustSub(t, "alice")

	if _, err := alice.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	reply, err := alice.Reply(wait(t), convID, "I am Alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := aliceTab.Send(wait(t), map[string]any{"action": "typing", "conversationId": convID, "on": true}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, match := range []func(chatclient.Frame) bool{
		func(f chatclient.Frame) bool { m, err := f.Msg(); return err == nil && m.Seq == reply.Seq },
		chatclient.IsType("typing", convID),
	} {
		f, err := tab.Next(wait(t), match)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, string(f.Raw))
	}
	if err := tab.Send(wait(t), map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0}); err != nil {
		t.Fatal(err)
	}
	res, err := tab.Next(wait(t), chatclient.IsType("messages", convID))
	if err != nil {
		t.Fatal(err)
	}
	seen = append(seen, string(res.Raw))
	_, history := rawCall(t, http.MethodGet, "/widget/conversations/"+convID+"/messages", widgetOrigin(), visitor.Token, "")
	seen = append(seen, history)
	for _, s := range seen {
		if strings.Contains(s, sub) {
			t.Errorf("a visitor saw alice's id %s in %s", sub, s)
		}
	}
	if !strings.Contains(history, "I am Alice") || !strings.Contains(history, `"agentName"`) {
		t.Errorf("history lost what visitors may see: %s", history)
	}
}
