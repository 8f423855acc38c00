package chat_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// mailbox is a chat.MailMention that records whom it emailed; fail makes
// it fail.
type mailbox struct {
	mu   sync.Mutex
	sent []string // agent id and note seq
	fail error
}

func (m *mailbox) mail(_ context.Context, to chat.Agent, _ chat.Conversation, note chat.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, to.ID+"#"+note.Body)
	return nil
}

// frameTypes lists the types of the frames each connection got.
func frameTypes(frames map[string][]any) map[string][]string {
	out := map[string][]string{}
	for id, fs := range frames {
		for _, f := range fs {
			switch f := f.(type) {
			case chat.MessageFrame:
				out[id] = append(out[id], "message:"+string(f.Message.Kind))
			case chat.MessagesFrame:
				out[id] = append(out[id], "messages")
			case chat.NotificationFrame:
				out[id] = append(out[id], "notification")
			case chat.ViewersFrame:
				out[id] = append(out[id], "viewers")
			case chat.TypingFrame:
				out[id] = append(out[id], "typing")
			default:
				out[id] = append(out[id], "other")
			}
		}
	}
	return out
}

func (e *env) note(t *testing.T, by chat.Principal, cid, body string) chat.Message {
	t.Helper()
	m, _, err := e.svc.Note(t.Context(), by, cid, chat.NoteInput{ClientID: uuid.NewString(), Body: body}, (&mailbox{}).mail)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestNoteNeverReachesTheVisitor: a note goes to the agents who have the
// thread open (and, when it flips the unread dot, to every list), never to
// a visitor's tab; the visitor's resume, history and the transcript's
// thread skip it, and its seq is the only trace: a hole.
func TestNoteNeverReachesTheVisitor(t *testing.T) {
	e := newEnv(t)
	first := e.start(t)
	cid := first.ConversationID
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "vtab2", Principal: vis}); err != nil {
		t.Fatal(err)
	}
	for _, conn := range []string{"aconn", "vconn", "vtab2"} {
		if err := e.svc.Resume(t.Context(), conn, cid, 1, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.push.take()

	note := e.note(t, ann, cid, "Refund approved, tell them tomorrow")
	if note.Kind != chat.KindNote || note.Seq != 2 {
		t.Fatalf("note = %+v", note)
	}
	// The visitor's message was unread: the note marks it read, which
	// every list hears; no visitor tab hears anything.
	if diff := cmp.Diff(map[string][]string{"aconn": {"message:note"}, "bconn": {"message:note"}}, frameTypes(e.push.take())); diff != "" {
		t.Errorf("pushes of the note (-want +got):\n%s", diff)
	}
	reply, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "It ships tomorrow."})
	if err != nil {
		t.Fatal(err)
	}
	e.note(t, ann, cid, "second note, at the end")
	e.push.take()

	visible := func(msgs []chat.Message) []int64 {
		out := []int64{}
		for _, m := range msgs {
			if m.Kind == chat.KindNote || strings.Contains(m.Body, "note") || strings.Contains(m.Body, "Refund") {
				t.Errorf("the visitor sees %+v", m)
			}
			out = append(out, m.Seq)
		}
		return out
	}
	// Resume from before the note: the answer holds every visible
	// message after it, the note's seq a hole.
	if err := e.svc.Resume(t.Context(), "vconn", cid, 1, ""); err != nil {
		t.Fatal(err)
	}
	got := e.push.take()["vconn"]
	if len(got) != 1 {
		t.Fatalf("resume answered %d frames", len(got))
	}
	page := got[0].(chat.MessagesFrame)
	if diff := cmp.Diff([]int64{reply.Seq}, visible(page.Messages)); diff != "" || page.HasMore {
		t.Errorf("visitor's resume (-want +got):\n%s hasMore %v", diff, page.HasMore)
	}
	// Resume from the last visible seq: the note after it is skipped, and
	// the answer is empty, not a page that never ends.
	if err := e.svc.Resume(t.Context(), "vconn", cid, reply.Seq, ""); err != nil {
		t.Fatal(err)
	}
	page = e.push.take()["vconn"][0].(chat.MessagesFrame)
	if len(page.Messages) != 0 || page.HasMore {
		t.Errorf("resume past the last visible message = %+v", page)
	}
	msgs, _, err := e.svc.Messages(t.Context(), vis, cid, chat.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{1, reply.Seq}, visible(msgs)); diff != "" {
		t.Errorf("visitor's history (-want +got):\n%s", diff)
	}
	var thread []chat.Message
	if _, err := e.svc.ThreadBack(t.Context(), cid, func(page []chat.Message) { thread = append(page, thread...) }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{1, reply.Seq}, visible(thread)); diff != "" {
		t.Errorf("the transcript's thread (-want +got):\n%s", diff)
	}
	// Agents see everything.
	all, _, err := e.svc.Messages(t.Context(), bob, cid, chat.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[1].Kind != chat.KindNote || all[3].Kind != chat.KindNote {
		t.Errorf("agent's history = %+v", all)
	}
}

// TestVisitorPagesFillPastNotes: a page of the visitor's history that
// meets a run of notes reads on past it, so the visitor gets full pages
// and never an empty one while messages remain.
func TestVisitorPagesFillPastNotes(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	for range 5 {
		e.note(t, ann, cid, "internal")
	}
	var want []int64
	for range 3 {
		m, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "visible"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m.Seq)
	}
	tests := []struct {
		name     string
		q        chat.PageQuery
		want     []int64
		wantMore bool
	}{
		{"after the first, two", chat.PageQuery{After: 1, Limit: 2}, want[:2], true},
		{"after the first, all", chat.PageQuery{After: 1, Limit: 10}, want, false},
		{"the last two", chat.PageQuery{Before: want[2] + 1, Limit: 2}, want[1:], true},
		{"before the replies, past the notes", chat.PageQuery{Before: want[0], Limit: 3}, []int64{1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, more, err := e.svc.Messages(t.Context(), vis, cid, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, m := range msgs {
				got = append(got, m.Seq)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || more != tt.wantMore {
				t.Errorf("page (-want +got):\n%s hasMore %v, want %v", diff, more, tt.wantMore)
			}
		})
	}
}

// TestNoteChangesNothingTheVisitorSees: a note leaves the status (a
// closed conversation stays closed), the preview, the time of last
// activity and the inactivity timer as they were; it marks the thread
// read for agents.
func TestNoteChangesNothingTheVisitorSees(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	before := e.store.convs[cid]
	note := e.note(t, ann, cid, "just between us")
	after := e.store.convs[cid]
	if after.Status != before.Status || after.Preview != before.Preview || !after.LastActivityAt.Equal(before.LastActivityAt) ||
		!after.TimerAt.Equal(before.TimerAt) || after.TimerStage != before.TimerStage {
		t.Errorf("note changed the conversation: before %+v after %+v", before, after)
	}
	if after.LastSeq != note.Seq || after.AgentReadSeq != note.Seq {
		t.Errorf("lastSeq/agentReadSeq = %d/%d, want %d/%d", after.LastSeq, after.AgentReadSeq, note.Seq, note.Seq)
	}
	if _, err := e.svc.Close(t.Context(), ann, cid); err != nil {
		t.Fatal(err)
	}
	e.note(t, bob, cid, "the visitor called back about this")
	if c := e.store.convs[cid]; c.Status != chat.StatusClosed {
		t.Errorf("a note reopened the conversation: %+v", c)
	}
}

func TestNoteValidation(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	tests := []struct {
		name    string
		by      chat.Principal
		cid     string
		in      chat.NoteInput
		wantErr error
	}{
		{"empty", ann, cid, chat.NoteInput{ClientID: uuid.NewString(), Body: " "}, chat.ErrInvalid},
		{"too long", ann, cid, chat.NoteInput{ClientID: uuid.NewString(), Body: strings.Repeat("n", 5001)}, chat.ErrTooLarge},
		{"no client id", ann, cid, chat.NoteInput{Body: "x"}, chat.ErrInvalid},
		{"unknown conversation", ann, uuid.NewString(), chat.NoteInput{ClientID: uuid.NewString(), Body: "x"}, chat.ErrNotFound},
		{"another inbox's agent", chat.Principal{Role: chat.RoleAgent, ID: "cy", Inboxes: []string{"sales"}}, cid, chat.NoteInput{ClientID: uuid.NewString(), Body: "x"}, chat.ErrNotFound},
		{"a visitor", vis, cid, chat.NoteInput{ClientID: uuid.NewString(), Body: "x"}, chat.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.store.msgs[cid])
			_, _, err := e.svc.Note(t.Context(), tt.by, tt.cid, tt.in, (&mailbox{}).mail)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if n := len(e.store.msgs[cid]); n != before {
				t.Errorf("a refused note was stored (%d messages, had %d)", n, before)
			}
		})
	}
}

// TestNoteClientIDBound: a note's client id stores that note only: sent
// again with another body, or used for a reply, it is refused and nothing
// is stored.
func TestNoteClientIDBound(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	id := uuid.NewString()
	if _, _, err := e.svc.Note(t.Context(), ann, cid, chat.NoteInput{ClientID: id, Body: "first"}, (&mailbox{}).mail); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Note(t.Context(), ann, cid, chat.NoteInput{ClientID: id, Body: "other"}, (&mailbox{}).mail); !errors.Is(err, chat.ErrClientIDReused) {
		t.Errorf("the id on another note: %v, want ErrClientIDReused", err)
	}
	if _, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: id, Body: "first"}); !errors.Is(err, chat.ErrClientIDReused) {
		t.Errorf("the id on a reply with the note's text: %v, want ErrClientIDReused", err)
	}
	if n := len(e.store.msgs[cid]); n != 2 {
		t.Errorf("%d messages, want the visitor's and the note", n)
	}
}

func TestParseMentions(t *testing.T) {
	team := []chat.Agent{
		{ID: "ben", DisplayName: "Ben Okafor"},
		{ID: "benj", DisplayName: "Benjamin Stone"},
		{ID: "ana", DisplayName: "Ana María"},
		{ID: "ann1", DisplayName: "Ann Lee"},
		{ID: "ann2", DisplayName: "Ann Park"},
		{ID: "solo", DisplayName: "Zed"},
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"full name", "@Ben Okafor can you look?", []string{"ben"}},
		{"any case", "@ben okafor, please", []string{"ben"}},
		{"unique first name", "ask @Benjamin", []string{"benj"}},
		{"first name shared by two: nobody", "@Ann please", nil},
		{"full name of one of them", "@Ann Park please", []string{"ann2"}},
		{"one-word name", "@Zed!", []string{"solo"}},
		{"accents", "merci @ana maría", []string{"ana"}},
		{"longest wins", "@Ben Okafor", []string{"ben"}},
		{"name must end a word", "@Benjaminx and @Bennett", nil},
		{"not inside a word (an email address)", "write to ben@Ben Okafor.com", nil},
		{"each agent once, in order", "@Zed @Ben Okafor @zed", []string{"solo", "ben"}},
		{"unknown", "@Nobody here", nil},
		{"no at", "Ben Okafor", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range chat.ParseMentions(tt.text, team) {
				got = append(got, m.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mentions of %q (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

// TestMentionNotifiesOnce: a mention makes one entry in the named agent's
// notifications, pushed to its sockets, and no email while it has one;
// the note sent again (same client id) notifies nobody twice. An agent
// with no socket gets one email, however often the note is sent again.
// The author mentioning itself is told nothing; an agent the note does
// not name hears nothing.
func TestMentionNotifiesOnce(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	e.store.agents["cy"] = chat.Agent{ID: "cy", DisplayName: "Cy Offline", Email: "cy@example.com", Inboxes: []string{"main"}}
	box := &mailbox{}
	in := chat.NoteInput{ClientID: uuid.NewString(), Body: "@Bob and @Cy Offline: refund? (cc @Ann)"}
	note, created, err := e.svc.Note(t.Context(), ann, cid, in, box.mail)
	if err != nil || !created {
		t.Fatalf("note: %v created %v", err, created)
	}
	want := []chat.Mention{{ID: "bob", Name: "Bob"}, {ID: "cy", Name: "Cy Offline"}, {ID: "ann", Name: "Ann"}}
	if diff := cmp.Diff(want, note.Mentions); diff != "" {
		t.Errorf("mentions (-want +got):\n%s", diff)
	}
	frames := frameTypes(e.push.take())
	if diff := cmp.Diff([]string{"message:note", "notification"}, frames["bconn"]); diff != "" {
		t.Errorf("bob's socket (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"message:note"}, frames["aconn"]); diff != "" {
		t.Errorf("ann's socket (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"cy#" + in.Body}, box.sent); diff != "" {
		t.Errorf("emails (-want +got):\n%s", diff)
	}
	count := func(agent string) int { return len(e.store.notifications[agent]) }
	if count("bob") != 1 || count("cy") != 1 || count("ann") != 0 {
		t.Errorf("entries: bob %d, cy %d, ann %d; want 1, 1, 0", count("bob"), count("cy"), count("ann"))
	}

	again, created, err := e.svc.Note(t.Context(), ann, cid, in, box.mail)
	if err != nil || created || again.Seq != note.Seq {
		t.Fatalf("note sent again: %+v created %v err %v", again, created, err)
	}
	if got := frameTypes(e.push.take())["bconn"]; len(got) != 1 || got[0] != "message:note" {
		t.Errorf("bob hears the note sent again as %v, want the message only", got)
	}
	if count("bob") != 1 || count("cy") != 1 || len(box.sent) != 2 {
		t.Errorf("after a retry: entries bob %d cy %d, emails %d; want 1, 1 and the email asked again (its sender sends once)", count("bob"), count("cy"), len(box.sent))
	}
}

// TestMentionOfAgentWhoseSocketIsGone: a push that finds every socket of
// the mentioned agent gone counts as no inbox open: an email.
func TestMentionOfAgentWhoseSocketIsGone(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	e.push.gone = map[string]bool{"bconn": true}
	box := &mailbox{}
	if _, _, err := e.svc.Note(t.Context(), ann, cid, chat.NoteInput{ClientID: uuid.NewString(), Body: "@bob ping"}, box.mail); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"bob#@bob ping"}, box.sent); diff != "" {
		t.Errorf("emails (-want +got):\n%s", diff)
	}
}

// TestMentionSentAgainAfterAFailure: when an entry could not be stored,
// the note answers with an error; sent again with the same client id it
// is stored once and the entry made.
func TestMentionSentAgainAfterAFailure(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	in := chat.NoteInput{ClientID: uuid.NewString(), Body: "@Bob look"}
	e.store.putNotificationErr = errors.New("throttled")
	if _, _, err := e.svc.Note(t.Context(), ann, cid, in, (&mailbox{}).mail); err == nil {
		t.Fatal("a failed notification answered success")
	}
	e.store.putNotificationErr = nil
	if _, created, err := e.svc.Note(t.Context(), ann, cid, in, (&mailbox{}).mail); err != nil || created {
		t.Fatalf("sent again: created %v, %v", created, err)
	}
	if n := len(e.store.msgs[cid]); n != 2 {
		t.Errorf("%d messages, want the first and one note", n)
	}
	if len(e.store.notifications["bob"]) != 1 {
		t.Errorf("bob's entries: %+v", e.store.notifications["bob"])
	}
}

// TestTypingANote: an agent writing a note is shown to the other agents
// with the thread open, never to the visitor; a reply's typing reaches both.
func TestTypingANote(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	for _, conn := range []string{"aconn", "bconn", "vconn"} {
		if err := e.svc.Resume(t.Context(), conn, cid, 1, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.push.take()
	if err := e.svc.Typing(t.Context(), "aconn", cid, true, true, 0); err != nil {
		t.Fatal(err)
	}
	got := e.push.take()
	if diff := cmp.Diff([]string{"bconn"}, who(got)); diff != "" {
		t.Errorf("typing a note reaches (-want +got):\n%s", diff)
	}
	if f := got["bconn"][0].(chat.TypingFrame); !f.Note || !f.On || f.Author.ID != "ann" {
		t.Errorf("frame = %+v", f)
	}
	if err := e.svc.Typing(t.Context(), "aconn", cid, true, false, 0); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"bconn", "vconn"}, who(e.push.take())); diff != "" {
		t.Errorf("typing a reply reaches (-want +got):\n%s", diff)
	}
	if err := e.svc.Typing(t.Context(), "vconn", cid, true, true, 0); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("a visitor typing a note: %v, want invalid", err)
	}
}

// TestTypingCarriesTheLastSeq: a typing frame names the last seq the
// typist held (the conversation's when it did not say, never above it),
// so a client holding a later message of the typist can drop an "on"
// that arrives after that message, even one the server ran after it.
func TestTypingCarriesTheLastSeq(t *testing.T) {
	e := newEnv(t)
	first := e.start(t)
	cid := first.ConversationID
	if err := e.svc.Resume(t.Context(), "aconn", cid, 1, ""); err != nil {
		t.Fatal(err)
	}
	typed := func(held int64) int64 {
		t.Helper()
		e.push.take()
		if err := e.svc.Typing(t.Context(), "vconn", cid, true, false, held); err != nil {
			t.Fatal(err)
		}
		fs := e.push.take()["aconn"]
		if len(fs) != 1 {
			t.Fatalf("the open thread heard %v, want one typing frame", fs)
		}
		return fs[0].(chat.TypingFrame).Seq
	}
	if got := typed(0); got != first.Seq {
		t.Errorf("typing before a second message, no seq said: seq %d, want %d", got, first.Seq)
	}
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "and another thing"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ held, want int64 }{
		{0, m.Seq},             // not said: the conversation's
		{first.Seq, first.Seq}, // sent before the message, run after it
		{m.Seq + 5, m.Seq},     // never above the conversation's
	} {
		if got := typed(tt.held); got != tt.want {
			t.Errorf("typing holding seq %d after the message of seq %d: seq %d, want %d", tt.held, m.Seq, got, tt.want)
		}
	}
	if err := e.svc.Typing(t.Context(), "vconn", cid, true, false, -1); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("a negative seq: %v, want invalid", err)
	}
}

func TestPreferences(t *testing.T) {
	e := newEnv(t)
	p, err := e.svc.Preferences(t.Context(), ann)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(chat.DefaultPreferences(), p); diff != "" {
		t.Errorf("before any choice (-want +got):\n%s", diff)
	}
	mine := chat.Preferences{Sound: false, Desktop: chat.DesktopNotifications{Mentions: true, Messages: true}}
	if _, err := e.svc.SetPreferences(t.Context(), ann, mine); err != nil {
		t.Fatal(err)
	}
	for who, want := range map[string]chat.Preferences{"ann": mine, "bob": chat.DefaultPreferences()} {
		got, err := e.svc.Preferences(t.Context(), chat.Principal{Role: chat.RoleAgent, ID: who})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s's preferences (-want +got):\n%s", who, diff)
		}
	}
}

func TestReadNotificationsValidation(t *testing.T) {
	e := newEnv(t)
	valid := "2025-03-01T12:00:00.000Z#" + uuid.NewString() + "#3"
	tests := []struct {
		name    string
		ids     []string
		all     bool
		wantErr error
	}{
		{"one id", []string{valid}, false, nil},
		{"all", nil, true, nil},
		{"neither", nil, false, chat.ErrInvalid},
		{"both", []string{valid}, true, chat.ErrInvalid},
		{"malformed id", []string{"NOTIFY#x"}, false, chat.ErrInvalid},
		{"seq with a sign", []string{"2025-03-01T12:00:00.000Z#" + uuid.NewString() + "#+3"}, false, chat.ErrInvalid},
		{"too many", make([]string, 26), false, chat.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.ReadNotifications(t.Context(), ann, tt.ids, tt.all)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
