package chat_test

import (
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// who returns the connections that got at least one frame, sorted.
func who(frames map[string][]any) []string {
	out := []string{}
	for id := range frames {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// startWithSockets connects the visitor vis as "vconn" and the agents'
// sockets of agents (by connection id, members of "main"), then has the
// visitor start a conversation; it returns the conversation's id.
func startWithSockets(t *testing.T, st *fakeStore, svc *chat.Service, agents map[string]chat.Principal) string {
	t.Helper()
	if err := st.SaveConnection(t.Context(), chat.Connection{ID: "vconn", Principal: vis}); err != nil {
		t.Fatal(err)
	}
	for id, pr := range agents {
		if err := st.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: pr, Inboxes: []string{"main"}}); err != nil {
			t.Fatal(err)
		}
		st.agents[pr.ID] = chat.Agent{ID: pr.ID, DisplayName: pr.Name, Inboxes: []string{"main"}}
	}
	first, err := svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	return first.ConversationID
}

// TestFanOutReachesTheInboxOnlyWhenItsListChanges follows one conversation
// with two agents online: ann has it open (she resumed it), bob looks at
// his list. Every message reaches the visitor and ann; bob hears of every
// visitor message and state change, of an agent's reply or read only when
// it flips the unread dot; typing and the visitor's read marker (the
// "Seen" under a reply, which no list shows) reach only the open thread.
// Once ann leaves the thread she hears what bob hears.
func TestFanOutReachesTheInboxOnlyWhenItsListChanges(t *testing.T) {
	st := newFakeStore()
	p := &pushRecorder{}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := newService(t, st, p, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	cid := startWithSockets(t, st, svc, map[string]chat.Principal{"aconn": ann, "bconn": bob})
	if diff := cmp.Diff([]string{"aconn", "bconn", "vconn"}, who(p.take())); diff != "" {
		t.Fatalf("a new conversation reaches everyone (-want +got):\n%s", diff)
	}
	sub := uuid.NewString()
	if err := svc.Resume(t.Context(), "aconn", cid, 1, sub); err != nil {
		t.Fatal(err)
	}
	p.take()

	visitorSays := func(t *testing.T) {
		if _, err := svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "more"}); err != nil {
			t.Fatal(err)
		}
	}
	annSays := func(t *testing.T) {
		if _, _, err := svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "answer"}); err != nil {
			t.Fatal(err)
		}
	}
	visitorTypes := func(t *testing.T) {
		if err := svc.Typing(t.Context(), "vconn", cid, true, false, 0); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		want []string
	}{
		{name: "a visitor's message reaches every list", do: visitorSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "so does the next one", do: visitorSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "a reply that makes it read flips the dot for every list", do: annSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "a second reply changes no dot: the open thread and the visitor only", do: annSays, want: []string{"aconn", "vconn"}},
		{name: "visitor typing reaches the open thread only", do: visitorTypes, want: []string{"aconn"}},
		{name: "the visitor's read marker reaches the open thread only", do: func(t *testing.T) {
			c := st.convs[cid]
			if err := svc.ReadFromConnection(t.Context(), "vconn", cid, c.LastSeq); err != nil {
				t.Fatal(err)
			}
			if got := st.visitorRead[cid]; got != c.LastSeq {
				t.Errorf("visitor read marker = %d, want %d stored", got, c.LastSeq)
			}
		}, want: []string{"aconn"}},
		{name: "a visitor message after the replies makes it unread", do: visitorSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "ann reads it: the dot flips back for every list, the visitor sees it read", do: func(t *testing.T) {
			c := st.convs[cid]
			if _, err := svc.MarkRead(t.Context(), ann, cid, c.LastSeq, ""); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"aconn", "bconn", "vconn"}},
		{name: "her reply after reading changes no dot", do: annSays, want: []string{"aconn", "vconn"}},
		{name: "a state change reaches every list", do: func(t *testing.T) {
			if _, err := svc.TakeOver(t.Context(), bob, cid, ""); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"aconn", "bconn", "vconn"}},
		{name: "ann leaves the thread: nobody hears of it", do: func(t *testing.T) {
			if err := svc.Leave(t.Context(), "aconn", cid, sub); err != nil {
				t.Fatal(err)
			}
		}, want: []string{}},
		{name: "visitor typing then reaches no one", do: visitorTypes, want: []string{}},
		{name: "nor does the visitor's read marker", do: func(t *testing.T) {
			if err := svc.ReadFromConnection(t.Context(), "vconn", cid, st.convs[cid].LastSeq); err != nil {
				t.Fatal(err)
			}
		}, want: []string{}},
		{name: "a visitor's message still reaches every list", do: visitorSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "a reply that changes no dot reaches the visitor only", do: func(t *testing.T) {
			c := st.convs[cid]
			if _, err := svc.MarkRead(t.Context(), bob, cid, c.LastSeq, ""); err != nil {
				t.Fatal(err)
			}
			p.take()
			annSays(t)
		}, want: []string{"vconn"}},
	}
	for _, step := range steps {
		step.do(t)
		if diff := cmp.Diff(step.want, who(p.take())); diff != "" {
			t.Errorf("%s: pushed to (-want +got):\n%s", step.name, diff)
		}
	}
}

// TestReadSkipsTheTabThatMadeIt: an agent's read names the subscription
// of the thread its tab follows, and that tab's socket, which has the
// read's answer, is not pushed the change; the agent's other tab, the
// other lists and the visitor are. A subscription that is not the agent's
// skips nobody; a malformed one is refused and changes nothing.
func TestReadSkipsTheTabThatMadeIt(t *testing.T) {
	st := newFakeStore()
	p := &pushRecorder{}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := newService(t, st, p, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	cid := startWithSockets(t, st, svc, map[string]chat.Principal{"aconn": ann, "aconn2": ann, "bconn": bob})
	annTab, annOtherTab, bobTab := uuid.NewString(), uuid.NewString(), uuid.NewString()
	for conn, sub := range map[string]string{"aconn": annTab, "aconn2": annOtherTab} {
		if err := svc.Resume(t.Context(), conn, cid, 1, sub); err != nil {
			t.Fatal(err)
		}
	}
	p.take()
	visitorSays := func(t *testing.T) {
		if _, err := svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "more"}); err != nil {
			t.Fatal(err)
		}
	}
	annReads := func(seq int64, sub string) func(t *testing.T) {
		return func(t *testing.T) {
			if _, err := svc.MarkRead(t.Context(), ann, cid, seq, sub); err != nil {
				t.Fatal(err)
			}
		}
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		want []string
	}{
		{name: "a read that flips the dot: every list but the reading tab's", do: annReads(1, annTab), want: []string{"aconn2", "bconn", "vconn"}},
		{name: "two more visitor messages", do: func(t *testing.T) { visitorSays(t); visitorSays(t) }, want: []string{"aconn", "aconn2", "bconn", "vconn"}},
		{name: "a read that leaves the dot: the open threads but the reading tab's", do: annReads(2, annTab), want: []string{"aconn2", "vconn"}},
		{name: "read from the other tab", do: annReads(3, annOtherTab), want: []string{"aconn", "bconn", "vconn"}},
		{name: "bob opens the thread", do: func(t *testing.T) {
			if err := svc.Resume(t.Context(), "bconn", cid, 3, bobTab); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"bconn"}},
		{name: "another visitor message", do: visitorSays, want: []string{"aconn", "aconn2", "bconn", "vconn"}},
		{name: "a subscription that is bob's skips nobody", do: annReads(4, bobTab), want: []string{"aconn", "aconn2", "bconn", "vconn"}},
		{name: "another visitor message again", do: visitorSays, want: []string{"aconn", "aconn2", "bconn", "vconn"}},
		{name: "a subscription nobody made skips nobody", do: annReads(5, uuid.NewString()), want: []string{"aconn", "aconn2", "bconn", "vconn"}},
	}
	for _, step := range steps {
		step.do(t)
		if diff := cmp.Diff(step.want, who(p.take())); diff != "" {
			t.Errorf("%s: pushed to (-want +got):\n%s", step.name, diff)
		}
	}
	visitorSays(t)
	p.take()
	before := st.convs[cid].AgentReadSeq
	if _, err := svc.MarkRead(t.Context(), ann, cid, st.convs[cid].LastSeq, "not-a-uuid"); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("read naming a malformed subscription: err = %v, want ErrInvalid", err)
	}
	if got := st.convs[cid].AgentReadSeq; got != before {
		t.Errorf("a refused read stored agentReadSeq %d, want %d", got, before)
	}
	if got := who(p.take()); len(got) > 0 {
		t.Errorf("a refused read pushed to %v", got)
	}
}

// TestLeave: an agent's socket leaves the thread it followed, once, and
// only the subscription it names; anything else is refused or changes
// nothing, and no leave is ever answered with a push.
func TestLeave(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	first, second := uuid.NewString(), uuid.NewString()
	following := func() bool {
		for _, l := range e.store.subs[cid] {
			if l.ConnectionID == "aconn" {
				return true
			}
		}
		return false
	}
	resume := func(t *testing.T, sub string) {
		t.Helper()
		if err := e.svc.Resume(t.Context(), "aconn", cid, 0, sub); err != nil {
			t.Fatal(err)
		}
		e.push.take()
	}

	resume(t, first)
	refused := []struct {
		name, conn, conversation, sub string
		want                          error
	}{
		{"an unknown conversation", "aconn", uuid.NewString(), first, chat.ErrNotFound},
		{"a malformed conversation id", "aconn", "../x", first, chat.ErrInvalid},
		{"no conversation id", "aconn", "", first, chat.ErrInvalid},
		{"no subscription", "aconn", cid, "", chat.ErrInvalid},
		{"a malformed subscription", "aconn", cid, "first", chat.ErrInvalid},
		{"a visitor", "vconn", cid, first, chat.ErrInvalid},
		{"another visitor's conversation", "oconn", cid, first, chat.ErrNotFound},
		{"an unknown connection", "ghost", cid, first, chat.ErrUnauthorized},
	}
	for _, r := range refused {
		if err := e.svc.Leave(t.Context(), r.conn, r.conversation, r.sub); !errors.Is(err, r.want) {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
	}
	if !following() {
		t.Fatal("a refused leave ended the subscription")
	}
	if err := e.svc.Resume(t.Context(), "aconn", cid, 0, "not-a-uuid"); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("resume with a malformed subscription: %v, want invalid", err)
	}

	// The thread opened again before the first leave landed: that leave
	// names the older subscription and leaves the newer one alone.
	resume(t, second)
	if err := e.svc.Leave(t.Context(), "aconn", cid, first); err != nil {
		t.Fatal(err)
	}
	if !following() {
		t.Fatal("a late leave ended the newer subscription")
	}
	for range 2 { // idempotent
		if err := e.svc.Leave(t.Context(), "aconn", cid, second); err != nil {
			t.Fatal(err)
		}
	}
	if following() {
		t.Error("the socket still follows the thread it left")
	}
	if got := e.push.take(); len(got) != 0 {
		t.Errorf("leaving pushed %v", got)
	}
	if _, ok := e.store.conns["aconn"]; !ok {
		t.Error("leaving a thread closed the connection")
	}
}

// TestAgentSocketHearsItsOwnReply: an agent's socket hears every reply it
// sends, once, whether or not it follows the thread: its inbox takes the
// echo as the answer that lets the next reply go. A socket that follows
// the thread hears it as a follower and costs no extra push; one that
// follows nothing (it just reconnected and its resume is not handled yet)
// is answered. A resend of a stored reply reaches it with the inbox's
// list. An agent outside the conversation's inbox is refused and hears
// nothing of it.
func TestAgentSocketHearsItsOwnReply(t *testing.T) {
	e := newEnv(t)
	carl := chat.Principal{Role: chat.RoleAgent, ID: "carl", Name: "Carl", Inboxes: []string{"sales"}}
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "cconn", Principal: carl, Inboxes: []string{"sales"}}); err != nil {
		t.Fatal(err)
	}
	e.store.agents[carl.ID] = chat.Agent{ID: carl.ID, DisplayName: carl.Name, Inboxes: []string{"sales"}}
	cid := e.start(t).ConversationID
	if _, err := e.svc.MarkRead(t.Context(), ann, cid, 1, ""); err != nil {
		t.Fatal(err)
	}
	e.push.take()

	// replies sends a reply from conn with clientID and returns the
	// frames each connection got of it.
	replies := func(t *testing.T, conn, clientID string) map[string]int {
		t.Helper()
		if _, err := e.svc.SendFromConnection(t.Context(), conn, chat.SendInput{ClientID: clientID, ConversationID: cid, Body: "reply " + clientID}); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for id, frames := range e.push.take() {
			for _, f := range frames {
				mf, ok := f.(chat.MessageFrame)
				if !ok || mf.Message.ClientID != clientID {
					t.Fatalf("%s was pushed %#v, want the reply", id, f)
				}
				if id == conn && mf.Conversation == nil {
					t.Errorf("%s heard its reply without the conversation's state", id)
				}
				got[id]++
			}
		}
		return got
	}

	first := uuid.NewString()
	steps := []struct {
		name     string
		clientID string
		resume   bool
		want     map[string]int
	}{
		{name: "a socket that follows nothing is answered", clientID: first, want: map[string]int{"aconn": 1, "vconn": 1}},
		{name: "and so is its next reply", clientID: uuid.NewString(), want: map[string]int{"aconn": 1, "vconn": 1}},
		{name: "a resend reaches it once, with the list", clientID: first, want: map[string]int{"aconn": 1, "bconn": 1, "vconn": 1}},
		{name: "once it follows the thread it hears its reply as a follower, once", clientID: uuid.NewString(), resume: true, want: map[string]int{"aconn": 1, "vconn": 1}},
	}
	for _, step := range steps {
		if step.resume {
			if err := e.svc.Resume(t.Context(), "aconn", cid, 0, uuid.NewString()); err != nil {
				t.Fatal(err)
			}
			e.push.take()
		}
		if diff := cmp.Diff(step.want, replies(t, "aconn", step.clientID)); diff != "" {
			t.Errorf("%s: frames of the reply (-want +got):\n%s", step.name, diff)
		}
	}

	_, err := e.svc.SendFromConnection(t.Context(), "cconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "not mine"})
	if !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("a reply from outside the inbox: %v, want not found", err)
	}
	if got := who(e.push.take()); len(got) > 0 {
		t.Errorf("a refused reply pushed to %v", got)
	}
}

// TestVisitorSocketHearsItsOwnMessage: a visitor's tab hears every
// message it sends, once, whether or not it follows the conversation: the
// widget takes the echo as the answer that lets its next message go. A tab
// that follows it hears it as a follower, at no extra push; another tab
// of the visitor that follows nothing yet (its socket just reconnected,
// its resume not handled) is answered.
func TestVisitorSocketHearsItsOwnMessage(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "vtab2", Principal: vis}); err != nil {
		t.Fatal(err)
	}
	e.push.take()
	send := func(t *testing.T, conn string) map[string]int {
		t.Helper()
		in := chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "from " + conn}
		if _, err := e.svc.SendFromConnection(t.Context(), conn, in); err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for id, frames := range e.push.take() {
			for _, f := range frames {
				if mf, ok := f.(chat.MessageFrame); ok && mf.Message.ClientID == in.ClientID {
					got[id]++
				}
			}
		}
		return got
	}
	if diff := cmp.Diff(map[string]int{"vconn": 1, "aconn": 1, "bconn": 1}, send(t, "vconn")); diff != "" {
		t.Errorf("from the tab that follows it (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"vtab2": 1, "vconn": 1, "aconn": 1, "bconn": 1}, send(t, "vtab2")); diff != "" {
		t.Errorf("from a tab that follows nothing (-want +got):\n%s", diff)
	}
}
