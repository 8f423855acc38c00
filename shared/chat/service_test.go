package chat_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

type env struct {
	store  *fakeStore
	push   *pushRecorder
	frames *frameCounter
	svc    *chat.Service
}

var (
	vis   = chat.Principal{Role: chat.RoleVisitor, ID: "11111111-1111-4111-8111-111111111111", Name: "Vi"}
	other = chat.Principal{Role: chat.RoleVisitor, ID: "22222222-2222-4222-8222-222222222222"}
	ann   = chat.Principal{Role: chat.RoleAgent, ID: "ann", Name: "Ann", Inboxes: []string{"main"}}
	bob   = chat.Principal{Role: chat.RoleAgent, ID: "bob", Name: "Bob", Inboxes: []string{"main"}}
)

func newEnv(t *testing.T) *env {
	t.Helper()
	st := newFakeStore()
	p := &pushRecorder{}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	frames := &frameCounter{}
	svc := newService(t, st, p, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, Now: func() time.Time { return now }, SocketFrames: frames})
	e := &env{store: st, push: p, frames: frames, svc: svc}
	for id, pr := range map[string]chat.Principal{"vconn": vis, "oconn": other} {
		if err := st.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: pr}); err != nil {
			t.Fatal(err)
		}
	}
	for id, pr := range map[string]chat.Principal{"aconn": ann, "bconn": bob} {
		if err := st.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: pr, Inboxes: []string{"main"}}); err != nil {
			t.Fatal(err)
		}
		st.agents[pr.ID] = chat.Agent{ID: pr.ID, DisplayName: pr.Name, Inboxes: []string{"main"}}
	}
	return e
}

// start has the visitor open a conversation.
func (e *env) start(t *testing.T) chat.Message {
	t.Helper()
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	e.push.take()
	return m
}

func TestSendValidation(t *testing.T) {
	tests := []struct {
		name    string
		in      chat.SendInput
		wantErr error
	}{
		{"empty body", chat.SendInput{ClientID: uuid.NewString(), Body: ""}, chat.ErrInvalid},
		{"whitespace body", chat.SendInput{ClientID: uuid.NewString(), Body: " \n\t "}, chat.ErrInvalid},
		{"5000 runes", chat.SendInput{ClientID: uuid.NewString(), Body: strings.Repeat("é", 5000)}, nil},
		{"5001 runes", chat.SendInput{ClientID: uuid.NewString(), Body: strings.Repeat("é", 5001)}, chat.ErrTooLarge},
		{"missing client id", chat.SendInput{Body: "hi"}, chat.ErrInvalid},
		{"malformed client id", chat.SendInput{ClientID: "abc", Body: "hi"}, chat.ErrInvalid},
		{"malformed conversation id", chat.SendInput{ClientID: uuid.NewString(), ConversationID: "../x", Body: "hi"}, chat.ErrInvalid},
		{"unknown conversation", chat.SendInput{ClientID: uuid.NewString(), ConversationID: uuid.NewString(), Body: "hi"}, chat.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.SendFromConnection(t.Context(), "vconn", tt.in)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && len(e.store.msgs) != 0 {
				t.Errorf("refused message stored %d conversations", len(e.store.msgs))
			}
		})
	}
}

func TestFirstMessageCreatesConversationAndPushes(t *testing.T) {
	e := newEnv(t)
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "vtab2", Principal: vis}); err != nil {
		t.Fatal(err)
	}
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Seq != 1 || m.Author.ID != vis.ID || m.Kind != chat.KindText {
		t.Errorf("message = %+v", m)
	}
	c := e.store.convs[m.ConversationID]
	if c.Status != chat.StatusOpen || c.VisitorID != vis.ID || c.Preview != "hello" {
		t.Errorf("conversation = %+v", c)
	}
	got := map[string]int{}
	for id, fs := range e.push.take() {
		got[id] = len(fs)
	}
	// Both visitor tabs and both agents hear of it once; the other visitor not.
	if diff := cmp.Diff(map[string]int{"vconn": 1, "vtab2": 1, "aconn": 1, "bconn": 1}, got); diff != "" {
		t.Errorf("pushes (-want +got):\n%s", diff)
	}
	// The sender's tab follows the new conversation.
	if ls := e.store.subs[m.ConversationID]; len(ls) != 1 || ls[0].ConnectionID != "vconn" {
		t.Errorf("subscriptions = %+v", ls)
	}
}

func TestRetryStoresOnce(t *testing.T) {
	e := newEnv(t)
	in := chat.SendInput{ClientID: uuid.NewString(), Body: "hello"}
	first, err := e.svc.SendFromConnection(t.Context(), "vconn", in)
	if err != nil {
		t.Fatal(err)
	}
	e.push.take()
	again, err := e.svc.SendFromConnection(t.Context(), "vconn", in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("retry (-first +again):\n%s", diff)
	}
	if len(e.store.convs) != 1 || len(e.store.msgs[first.ConversationID]) != 1 {
		t.Errorf("stored %d conversations, %d messages; want 1, 1", len(e.store.convs), len(e.store.msgs[first.ConversationID]))
	}
	// The first attempt may have stopped before its pushes: the retry
	// tells everyone again (clients de-duplicate by seq).
	if diff := cmp.Diff(map[string][]int64{"vconn": {1}, "aconn": {1}, "bconn": {1}}, pushedSeqs(e.push.take())); diff != "" {
		t.Errorf("retry pushes (-want +got):\n%s", diff)
	}

	reply := chat.SendInput{ClientID: uuid.NewString(), Body: "hi there"}
	_, created, err := e.svc.Reply(t.Context(), ann, first.ConversationID, reply)
	if err != nil || !created {
		t.Fatalf("reply: created %v err %v", created, err)
	}
	e.push.take()
	m, created, err := e.svc.Reply(t.Context(), ann, first.ConversationID, reply)
	if err != nil || created || m.Seq != 2 {
		t.Errorf("reply retry: seq %d created %v err %v; want 2 false nil", m.Seq, created, err)
	}
	if diff := cmp.Diff(map[string][]int64{"vconn": {2}, "aconn": {2}, "bconn": {2}}, pushedSeqs(e.push.take())); diff != "" {
		t.Errorf("reply retry pushes (-want +got):\n%s", diff)
	}
}

// TestRepeatsCountAgainstTheSocket: a message sent again with a stored
// client id costs no visitor quota, so it counts against the socket's frame
// limit; over the limit it is refused before it reaches anyone again, and
// a new message is not counted there.
func TestRepeatsCountAgainstTheSocket(t *testing.T) {
	e := newEnv(t)
	counted := map[string]int{}
	limited := &chat.RateLimitError{RetryAfter: time.Minute}
	e.frames.count = func(_ context.Context, connectionID string) error {
		counted[connectionID]++
		if counted[connectionID] > 2 {
			return limited
		}
		return nil
	}
	first := chat.SendInput{ClientID: uuid.NewString(), Body: "hello"}
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", first)
	if err != nil {
		t.Fatal(err)
	}
	next := chat.SendInput{ClientID: uuid.NewString(), ConversationID: m.ConversationID, Body: "more"}
	if _, err := e.svc.SendFromConnection(t.Context(), "vconn", next); err != nil {
		t.Fatal(err)
	}
	if counted["vconn"] != 0 {
		t.Fatalf("new messages counted %d times against the socket, want 0", counted["vconn"])
	}
	e.push.take()
	for i, in := range []chat.SendInput{first, next} {
		if _, err := e.svc.SendFromConnection(t.Context(), "vconn", in); err != nil {
			t.Fatalf("repeat %d: %v", i, err)
		}
	}
	if got := len(e.push.take()); got == 0 {
		t.Error("repeats within the limit reached nobody")
	}
	if _, err := e.svc.SendFromConnection(t.Context(), "vconn", next); !errors.Is(err, limited) {
		t.Fatalf("repeat over the limit = %v, want %v", err, limited)
	}
	if pushed := e.push.take(); len(pushed) != 0 {
		t.Errorf("a refused repeat was pushed: %v", pushedSeqs(pushed))
	}
	if n := len(e.store.msgs[m.ConversationID]); n != 2 {
		t.Errorf("stored %d messages, want 2", n)
	}
}

// pushedSeqs lists the seqs of the message frames each connection got.
func pushedSeqs(frames map[string][]any) map[string][]int64 {
	out := map[string][]int64{}
	for id, fs := range frames {
		for _, f := range fs {
			if mf, ok := f.(chat.MessageFrame); ok {
				out[id] = append(out[id], mf.Message.Seq)
			}
		}
	}
	return out
}

func TestFirstMessageStoredDespiteSubscribeFailure(t *testing.T) {
	e := newEnv(t)
	in := chat.SendInput{ClientID: uuid.NewString(), Body: "hello"}
	e.store.subscribeErr = errors.New("throttled")
	first, err := e.svc.SendFromConnection(t.Context(), "vconn", in)
	if err != nil {
		t.Fatalf("send = %v; the message is stored, so no error", err)
	}
	if len(e.store.subs[first.ConversationID]) != 0 {
		t.Fatal("subscribed although Subscribe failed")
	}
	// The client retries (or the first invocation crashed): the retry
	// subscribes the tab it missed.
	e.store.subscribeErr = nil
	again, err := e.svc.SendFromConnection(t.Context(), "vconn", in)
	if err != nil || again.Seq != first.Seq || again.ConversationID != first.ConversationID {
		t.Fatalf("retry = %+v, %v", again, err)
	}
	if ls := e.store.subs[first.ConversationID]; len(ls) != 1 || ls[0].ConnectionID != "vconn" {
		t.Errorf("subscriptions after retry = %+v", ls)
	}
	if len(e.store.convs) != 1 {
		t.Errorf("stored %d conversations, want 1", len(e.store.convs))
	}
}

func TestAgentReplyReopensClosedConversation(t *testing.T) {
	e := newEnv(t)
	first := e.start(t)
	if _, err := e.svc.Close(t.Context(), ann, first.ConversationID); err != nil {
		t.Fatal(err)
	}
	in := chat.SendInput{ClientID: uuid.NewString(), Body: "one more thing"}
	m, created, err := e.svc.Reply(t.Context(), bob, first.ConversationID, in)
	if err != nil || !created {
		t.Fatalf("reply = %v created %v", err, created)
	}
	c := e.store.convs[first.ConversationID]
	if c.Status != chat.StatusOpen || m.Seq != 4 || c.LastSeq != 4 {
		t.Errorf("after reply: status %s lastSeq %d reply seq %d; want open 4 4", c.Status, c.LastSeq, m.Seq)
	}
	var kinds []string
	for _, msg := range e.store.msgs[first.ConversationID] {
		k := string(msg.Kind)
		if msg.Event != nil {
			k += ":" + string(msg.Event.Type)
		}
		kinds = append(kinds, k)
	}
	if diff := cmp.Diff([]string{"text", "event:closed", "event:reopened", "text"}, kinds); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	// Closed again, then the same reply retried: the stored reply comes
	// back and nothing reopens.
	if _, err := e.svc.Close(t.Context(), ann, first.ConversationID); err != nil {
		t.Fatal(err)
	}
	again, created, err := e.svc.Reply(t.Context(), bob, first.ConversationID, in)
	if err != nil || created || again.Seq != 4 {
		t.Errorf("retry = seq %d created %v err %v; want 4 false nil", again.Seq, created, err)
	}
	if c := e.store.convs[first.ConversationID]; c.Status != chat.StatusClosed || c.LastSeq != 5 {
		t.Errorf("after retry: status %s lastSeq %d; want closed 5", c.Status, c.LastSeq)
	}
}

func TestResumeFramesStayUnderTheGatewayLimit(t *testing.T) {
	e := newEnv(t)
	first := e.start(t)
	// Worst cases for JSON: '<' becomes \u003c, U+2028 becomes \u2028.
	body := strings.Repeat("<é😀\u2028", chat.MaxBodyRunes/4)
	for range 100 {
		if _, _, err := e.svc.Reply(t.Context(), ann, first.ConversationID, chat.SendInput{ClientID: uuid.NewString(), Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	e.push.take()
	var got []int64
	after, frames := int64(0), 0
	for {
		if err := e.svc.Resume(t.Context(), "vconn", first.ConversationID, after, ""); err != nil {
			t.Fatal(err)
		}
		fs := e.push.take()["vconn"]
		if len(fs) != 1 {
			t.Fatalf("resume answered with %d frames", len(fs))
		}
		f := fs[0].(chat.MessagesFrame)
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) >= 128<<10 {
			t.Errorf("frame of %d messages is %d bytes; API Gateway refuses 128 KB", len(f.Messages), len(data))
		}
		frames++
		for _, m := range f.Messages {
			got = append(got, m.Seq)
			after = m.Seq
		}
		if !f.HasMore {
			break
		}
		if len(f.Messages) == 0 || frames > 100 {
			t.Fatalf("resume makes no progress after seq %d", after)
		}
	}
	want := make([]int64, 101)
	for i := range want {
		want[i] = int64(i + 1)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resumed seqs (-want +got):\n%s", diff)
	}
	if frames < 2 {
		t.Errorf("%d frames; the page should have been cut", frames)
	}
}

func TestMessageToClosedConversationStartsANewOne(t *testing.T) {
	e := newEnv(t)
	first := e.start(t)
	if _, err := e.svc.Close(t.Context(), ann, first.ConversationID); err != nil {
		t.Fatal(err)
	}
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: first.ConversationID, Body: "again"})
	if err != nil {
		t.Fatal(err)
	}
	if m.ConversationID == first.ConversationID || m.Seq != 1 {
		t.Errorf("message went to %s seq %d; want a new conversation", m.ConversationID, m.Seq)
	}
	if got := e.store.convs[first.ConversationID]; got.LastSeq != 2 || got.Status != chat.StatusClosed {
		t.Errorf("closed conversation = %+v", got)
	}
}

func TestVisitorCannotReachOthersConversation(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	unknown := uuid.NewString()
	for _, id := range []string{m.ConversationID, unknown} {
		_, err := e.svc.SendFromConnection(t.Context(), "oconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: id, Body: "x"})
		var de *chat.Error
		if !errors.As(err, &de) || de.Kind != chat.ErrNotFound || de.Message != "conversation not found" {
			t.Errorf("send to %s: err = %v, want the same not found", id, err)
		}
		_, _, err = e.svc.Messages(t.Context(), other, id, chat.PageQuery{})
		if !errors.As(err, &de) || de.Message != "conversation not found" {
			t.Errorf("messages of %s: err = %v", id, err)
		}
		if err := e.svc.Resume(t.Context(), "oconn", id, 0, ""); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("resume %s: err = %v", id, err)
		}
	}
	if len(e.store.msgs[m.ConversationID]) != 1 || len(e.store.subs[m.ConversationID]) != 1 {
		t.Error("a refused request changed the conversation")
	}
}

func TestTakeOverConflict(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	cid := m.ConversationID
	// Bob takes over while Ann's request is between its read and its write.
	e.store.beforeTxn = func() {
		if _, err := e.svc.TakeOver(t.Context(), bob, cid, ""); err != nil {
			t.Errorf("bob: %v", err)
		}
	}
	_, err := e.svc.TakeOver(t.Context(), ann, cid, "")
	var conflict *chat.ConflictError
	if !errors.As(err, &conflict) || conflict.AssigneeID != "bob" || !errors.Is(err, chat.ErrConflict) {
		t.Fatalf("ann: err = %v, want conflict naming bob", err)
	}
	c := e.store.convs[cid]
	if c.AssigneeID != "bob" || c.LastSeq != 2 {
		t.Errorf("conversation assignee %q lastSeq %d; want bob 2", c.AssigneeID, c.LastSeq)
	}
	// Ann, now knowing bob owns it, takes it over.
	c, err = e.svc.TakeOver(t.Context(), ann, cid, "bob")
	if err != nil || c.AssigneeID != "ann" {
		t.Fatalf("take over from bob: %+v %v", c, err)
	}
	if _, err := e.svc.Assign(t.Context(), bob, cid, "bob", ptr("")); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("assign with stale expectation: err = %v, want conflict", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestEventsInSeqStream(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	cid := m.ConversationID
	ctx := t.Context()
	steps := []func() (chat.Conversation, error){
		func() (chat.Conversation, error) { return e.svc.TakeOver(ctx, ann, cid, "") },
		func() (chat.Conversation, error) { return e.svc.Assign(ctx, ann, cid, "bob", ptr("ann")) },
		func() (chat.Conversation, error) { return e.svc.Unassign(ctx, ann, cid, nil) },
		func() (chat.Conversation, error) { return e.svc.Unassign(ctx, ann, cid, nil) }, // no-op
		func() (chat.Conversation, error) { return e.svc.Close(ctx, ann, cid) },
		func() (chat.Conversation, error) { return e.svc.Close(ctx, ann, cid) }, // no-op
		func() (chat.Conversation, error) { return e.svc.Reopen(ctx, ann, cid) },
	}
	for i, step := range steps {
		if _, err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	var got []string
	for _, m := range e.store.msgs[cid][1:] {
		got = append(got, string(m.Event.Type)+":"+m.Event.AgentID)
	}
	want := []string{"assigned:ann", "assigned:bob", "unassigned:bob", "closed:", "reopened:"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if c := e.store.convs[cid]; c.LastSeq != 6 || c.Status != chat.StatusOpen || c.AssigneeID != "" {
		t.Errorf("conversation = %+v", c)
	}
}

func TestConnectConsumesTicketOnce(t *testing.T) {
	e := newEnv(t)
	tk := chat.Ticket{ID: uuid.NewString(), Principal: ann, ExpiresAt: time.Now().Add(time.Minute)}
	if err := e.svc.Connect(t.Context(), "new", tk); err != nil {
		t.Fatal(err)
	}
	if c := e.store.conns["new"]; !cmp.Equal([]string{"main"}, c.Inboxes) {
		t.Errorf("agent connection inboxes = %v", c.Inboxes)
	}
	if err := e.svc.Connect(t.Context(), "again", tk); !errors.Is(err, chat.ErrUnauthorized) {
		t.Errorf("reused ticket: err = %v, want ErrUnauthorized", err)
	}
	if _, ok := e.store.conns["again"]; ok {
		t.Error("reused ticket stored a connection")
	}
}

// TestVisitorReadMarker: the visitor's reads are stored for its next
// session and the agent's thread; a read that raises the marker is
// pushed to the agents who have the thread open (ann), and to no list
// (bob's socket listens to the inbox only) and no visitor tab; a read at
// or below the marker (another tab's, or the one a conversation stored
// before carries on itself) is pushed to no one.
func TestVisitorReadMarker(t *testing.T) {
	tests := []struct {
		name       string
		stored     int64 // on the conversation, as stored before
		reads      []int64
		wantWrites int
		wantPushed []int64 // the markers ann's open thread hears
		want       int64
	}{
		{name: "each read goes up", reads: []int64{1, 3, 2}, wantWrites: 3, wantPushed: []int64{1, 3}, want: 3},
		{name: "a read repeated by a second tab", reads: []int64{2, 2}, wantWrites: 2, wantPushed: []int64{2}, want: 2},
		{name: "reads of a conversation stored before, at or below its marker", stored: 2, reads: []int64{1, 2}, want: 2},
		{name: "a read past the marker stored before", stored: 2, reads: []int64{3}, wantWrites: 1, wantPushed: []int64{3}, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			m := e.start(t)
			cid := m.ConversationID
			for range 2 {
				if _, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "answer"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.svc.Resume(t.Context(), "aconn", cid, 3, uuid.NewString()); err != nil {
				t.Fatal(err)
			}
			c := e.store.convs[cid]
			c.VisitorReadSeq = tt.stored
			e.store.convs[cid] = c
			e.store.visitors[vis.ID] = chat.Visitor{ID: vis.ID, ChannelID: "main"}
			e.push.take()
			for _, seq := range tt.reads {
				if err := e.svc.ReadFromConnection(t.Context(), "vconn", cid, seq); err != nil {
					t.Fatalf("read %d: %v", seq, err)
				}
			}
			// The fake counts every call; the store's condition keeps the
			// marker from going down.
			if e.store.visitorReads != tt.wantWrites {
				t.Errorf("%d writes, want %d", e.store.visitorReads, tt.wantWrites)
			}
			pushes := e.push.take()
			var heard []int64
			for _, f := range pushes["aconn"] {
				cf, ok := f.(chat.ConversationFrame)
				if !ok {
					t.Fatalf("ann heard %T, want a conversation frame", f)
				}
				heard = append(heard, cf.Conversation.(chat.Summary).VisitorReadSeq)
			}
			if diff := cmp.Diff(tt.wantPushed, heard); diff != "" {
				t.Errorf("markers pushed to the open thread (-want +got):\n%s", diff)
			}
			delete(pushes, "aconn")
			if len(pushes) > 0 {
				t.Errorf("the visitor's read was pushed beyond the open thread: %v", pushes)
			}
			_, convs, err := e.svc.Session(t.Context(), "main", vis.ID)
			if err != nil || len(convs) != 1 {
				t.Fatalf("session = %v, %v; want one conversation", convs, err)
			}
			if convs[0].VisitorReadSeq != tt.want {
				t.Errorf("the next session's marker = %d, want %d", convs[0].VisitorReadSeq, tt.want)
			}
			if err := e.svc.Resume(t.Context(), "bconn", cid, 3, uuid.NewString()); err != nil {
				t.Fatal(err)
			}
			answer := e.push.take()["bconn"]
			if len(answer) != 1 || answer[0].(chat.MessagesFrame).VisitorReadSeq != tt.want {
				t.Errorf("an agent's resume answers %v, want the marker %d", answer, tt.want)
			}
		})
	}
}

// TestVisitorReadWhileTheThreadOpens: the inbox reads the thread over
// HTTP, then resumes it on its socket; a visitor's read in between
// reaches no open thread, and the resume's answer carries it. A
// visitor's own resume carries no marker.
func TestVisitorReadWhileTheThreadOpens(t *testing.T) {
	e, cid, reply := answered(t)
	sum, _, _, err := e.svc.ConversationDetail(t.Context(), ann, cid, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.push.take()
	if err := e.svc.ReadFromConnection(t.Context(), "vconn", cid, reply.Seq); err != nil {
		t.Fatal(err)
	}
	if pushes := e.push.take(); len(pushes) > 0 {
		t.Errorf("a read with no thread open was pushed: %v", pushes)
	}
	if err := e.svc.Resume(t.Context(), "aconn", cid, sum.LastSeq, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Resume(t.Context(), "vconn", cid, sum.LastSeq, ""); err != nil {
		t.Fatal(err)
	}
	pushes := e.push.take()
	if got := pushes["aconn"]; len(got) != 1 || got[0].(chat.MessagesFrame).VisitorReadSeq != reply.Seq {
		t.Errorf("the agent's resume answers %v, want the marker %d", got, reply.Seq)
	}
	if got := pushes["vconn"]; len(got) != 1 || got[0].(chat.MessagesFrame).VisitorReadSeq != 0 {
		t.Errorf("the visitor's resume answers %v, want no marker", got)
	}
}

// TestVisitorReadCrossesAResume: an inbox's resume subscribes between
// a visitor's read's access check and its write. The resume then reads
// the marker before the write, so the read must find the new thread:
// it reads the open threads after its write.
func TestVisitorReadCrossesAResume(t *testing.T) {
	e, cid, reply := answered(t)
	e.store.beforeVisitorRead = func() {
		e.store.beforeVisitorRead = nil
		if err := e.svc.Resume(t.Context(), "aconn", cid, reply.Seq, uuid.NewString()); err != nil {
			t.Error(err)
		}
	}
	e.push.take()
	if err := e.svc.ReadFromConnection(t.Context(), "vconn", cid, reply.Seq); err != nil {
		t.Fatal(err)
	}
	if heard := markerHeard(e.push.take()["aconn"]); heard != reply.Seq {
		t.Errorf("the thread resumed during the read knows the visitor read %d, want %d", heard, reply.Seq)
	}
}

// TestVisitorReadBeforeTheSubscription: a visitor's read lands between
// a resume's access check and its subscription: the read finds no open
// thread, and the resume, which reads the marker after subscribing,
// answers with it.
func TestVisitorReadBeforeTheSubscription(t *testing.T) {
	e, cid, reply := answered(t)
	e.store.beforeSubscribe = func() {
		e.store.beforeSubscribe = nil
		if err := e.svc.ReadFromConnection(t.Context(), "vconn", cid, reply.Seq); err != nil {
			t.Error(err)
		}
	}
	e.push.take()
	if err := e.svc.Resume(t.Context(), "aconn", cid, reply.Seq, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	if heard := markerHeard(e.push.take()["aconn"]); heard != reply.Seq {
		t.Errorf("the thread knows the visitor read %d, want %d", heard, reply.Seq)
	}
}

// TestVisitorReadPushesTheFreshState: the open threads hear the
// conversation as read after the marker's write, not as the read's
// access check found it: a reply stored in between is in it.
func TestVisitorReadPushesTheFreshState(t *testing.T) {
	e, cid, reply := answered(t)
	if err := e.svc.Resume(t.Context(), "aconn", cid, reply.Seq, uuid.NewString()); err != nil {
		t.Fatal(err)
	}
	var later chat.Message
	e.store.beforeVisitorRead = func() {
		e.store.beforeVisitorRead = nil
		var err error
		if later, _, err = e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "more"}); err != nil {
			t.Error(err)
		}
	}
	e.push.take()
	if err := e.svc.ReadFromConnection(t.Context(), "vconn", cid, reply.Seq); err != nil {
		t.Fatal(err)
	}
	var got *chat.Summary
	for _, f := range e.push.take()["aconn"] {
		if cf, ok := f.(chat.ConversationFrame); ok {
			if s := cf.Conversation.(chat.Summary); s.VisitorReadSeq == reply.Seq {
				got = &s
			}
		}
	}
	if got == nil || got.LastSeq != later.Seq {
		t.Errorf("the read pushed %+v, want lastSeq %d", got, later.Seq)
	}
}

// answered is an env whose visitor's conversation ann has answered
// once, with the pushes so far taken: the conversation and the reply.
func answered(t *testing.T) (*env, string, chat.Message) {
	t.Helper()
	e := newEnv(t)
	cid := e.start(t).ConversationID
	reply, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "answer"})
	if err != nil {
		t.Fatal(err)
	}
	e.store.visitors[vis.ID] = chat.Visitor{ID: vis.ID, ChannelID: "main"}
	e.push.take()
	return e, cid, reply
}

// markerHeard is the highest visitor read marker among frames.
func markerHeard(frames []any) int64 {
	var heard int64
	for _, f := range frames {
		switch f := f.(type) {
		case chat.MessagesFrame:
			heard = max(heard, f.VisitorReadSeq)
		case chat.ConversationFrame:
			if s, ok := f.Conversation.(chat.Summary); ok {
				heard = max(heard, s.VisitorReadSeq)
			}
		}
	}
	return heard
}

// TestThreadOpensWhenTheMarkerCannotBeRead: the marker is for the eyes
// only; a resume whose read of it fails answers without it.
func TestThreadOpensWhenTheMarkerCannotBeRead(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	e.store.visitorReadErr = errors.New("throttled")
	if err := e.svc.Resume(t.Context(), "aconn", m.ConversationID, 0, uuid.NewString()); err != nil {
		t.Fatalf("resume with the marker's read failing: %v", err)
	}
	if got := e.push.take()["aconn"]; len(got) != 1 || len(got[0].(chat.MessagesFrame).Messages) != 1 {
		t.Errorf("the resume answers %v, want the message", got)
	}
}

func TestMarkReadAndValidation(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	if _, err := e.svc.MarkRead(t.Context(), vis, m.ConversationID, 2, ""); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("read past lastSeq: err = %v", err)
	}
	c, err := e.svc.MarkRead(t.Context(), ann, m.ConversationID, 1, "")
	if err != nil || c.AgentReadSeq != 1 {
		t.Fatalf("agent read = %+v, %v", c, err)
	}
	pushes := e.push.take()
	if len(pushes["vconn"]) != 1 || len(pushes["aconn"]) != 1 {
		t.Errorf("read pushed to %v; want visitor and agents", pushes)
	}
	if _, _, err := e.svc.List(t.Context(), ann, "pending", "", 0, ""); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("bad status: err = %v", err)
	}
	if _, _, err := e.svc.List(t.Context(), ann, "", "", 101, ""); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("limit 101: err = %v", err)
	}
}

func TestResumeAnswersMissingRange(t *testing.T) {
	e := newEnv(t)
	m := e.start(t)
	for range 3 {
		if _, _, err := e.svc.Reply(t.Context(), ann, m.ConversationID, chat.SendInput{ClientID: uuid.NewString(), Body: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	e.push.take()
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "fresh", Principal: vis}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Resume(t.Context(), "fresh", m.ConversationID, 2, ""); err != nil {
		t.Fatal(err)
	}
	frames := e.push.take()["fresh"]
	if len(frames) != 1 {
		t.Fatalf("frames to fresh = %v", frames)
	}
	f := frames[0].(chat.MessagesFrame)
	var seqs []int64
	for _, m := range f.Messages {
		seqs = append(seqs, m.Seq)
	}
	if diff := cmp.Diff([]int64{3, 4}, seqs); diff != "" || f.HasMore {
		t.Errorf("resume seqs (-want +got):\n%s hasMore=%v", diff, f.HasMore)
	}
	if n := len(e.store.subs[m.ConversationID]); n != 2 {
		t.Errorf("subscriptions = %d, want 2", n)
	}
}
