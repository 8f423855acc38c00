package email_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
)

// replyAddress is the Reply-To the fixture's service gives a conversation.
func replyAddress(t *testing.T, conversationID string) string {
	t.Helper()
	tokens, err := mail.NewTokens([]byte("handler-test-secret-0123456789"), 'a')
	if err != nil {
		t.Fatal(err)
	}
	addr, err := tokens.ReplyAddress(conversationID, "reply.example.com")
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// receive delivers a plain text mail as SES would: raw mail in S3, then
// the receipt. Every delivery gets its own SES id, as SES gives one.
func receive(t *testing.T, f *fixture, from, to, messageID, body string) email.Outcome {
	t.Helper()
	raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: Your conversation\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, to, messageID, body)
	return receiveRaw(t, f, to, raw)
}

func stream(t *testing.T, f *fixture, cid string) []string {
	t.Helper()
	_, msgs, err := f.chat.Thread(t.Context(), cid, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		switch {
		case m.Event != nil:
			out = append(out, string(m.Event.Type)+" by "+string(m.Author.Type))
		default:
			out = append(out, m.Body+" ("+string(m.Author.Type)+", "+or(m.Channel, "chat")+")")
		}
	}
	return out
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestMessageIDIsScopedToTheSender: a stranger's mail that reuses the
// Message-ID of a contact's reply neither suppresses the real reply nor
// makes it answer with the stranger's conversation.
func TestMessageIDIsScopedToTheSender(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	stolen := "CAF-1@mail.visitor.test"
	first := receive(t, f, "Eve <eve@evil.test>", "support@reply.example.com", stolen, "I was first")
	if first.ConversationID == "" || first.ConversationID == fixtureConversation || first.Duplicate {
		t.Fatalf("the stranger's mail = %+v, want a new conversation", first)
	}
	real := receive(t, f, "Ada Lovelace <ada@visitor.test>", replyAddress(t, fixtureConversation), stolen, "The real reply")
	if real.ConversationID != fixtureConversation || real.Duplicate || real.Quarantined != "" {
		t.Fatalf("the contact's reply = %+v, want it appended to %s", real, fixtureConversation)
	}
	if got := stream(t, f, fixtureConversation); !strings.Contains(strings.Join(got, "|"), "The real reply (visitor, email)") {
		t.Errorf("thread = %q, want the real reply in it", got)
	}
	// The same reply delivered again (a new SES id, the same Message-ID)
	// is still appended once.
	if again := receive(t, f, "Ada Lovelace <ada@visitor.test>", replyAddress(t, fixtureConversation), stolen, "The real reply"); !again.Duplicate || again.Seq != real.Seq {
		t.Errorf("second delivery = %+v, want the duplicate of seq %d", again, real.Seq)
	}
}

// TestEmailReopensAndStopsTheChatTimer: the contact's email to a closed
// conversation stores a reopened event before the message (so
// conversation.reopened is published), and email activity never leaves
// the chat's inactivity timer running: the visitor is not in the widget,
// and closing an email thread is the agent's.
func TestEmailReopensAndStopsTheChatTimer(t *testing.T) {
	ctx := t.Context()
	timerOf := func(f *fixture) chat.Conversation {
		t.Helper()
		c, err := f.store.Conversation(ctx, fixtureConversation)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("contact's email to a closed conversation", func(t *testing.T) {
		f := setup(t)
		f.conversation(t, true)
		out := receive(t, f, "ada@visitor.test", replyAddress(t, fixtureConversation), "r1@mail.visitor.test", "Me again")
		want := []string{"Where is my parcel? (visitor, email)", "It ships today. (agent, chat)", "closed by agent", "reopened by visitor", "Me again (visitor, email)"}
		if diff := cmp.Diff(want, stream(t, f, fixtureConversation)); diff != "" {
			t.Errorf("stream (-want +got):\n%s", diff)
		}
		if c := timerOf(f); c.Status != chat.StatusOpen || !c.TimerAt.IsZero() {
			t.Errorf("after the email: status %s, timer %v %q; want open and no timer", c.Status, c.TimerAt, c.TimerStage)
		}
		// Closed again by the agent, then the same mail redelivered: it was
		// appended already, so nothing reopens.
		if _, err := f.chat.Close(ctx, f.agent, fixtureConversation); err != nil {
			t.Fatal(err)
		}
		again := receive(t, f, "ada@visitor.test", replyAddress(t, fixtureConversation), "r1@mail.visitor.test", "Me again")
		if !again.Duplicate || again.Seq != out.Seq {
			t.Errorf("redelivery = %+v, want the duplicate of seq %d", again, out.Seq)
		}
		if c := timerOf(f); c.Status != chat.StatusClosed || c.LastSeq != out.Seq+1 {
			t.Errorf("after the redelivery: status %s lastSeq %d; want closed %d", c.Status, c.LastSeq, out.Seq+1)
		}
	})

	t.Run("contact's email to an open conversation with a running timer", func(t *testing.T) {
		f := setup(t)
		f.conversation(t, true)
		if _, err := f.chat.Reopen(ctx, f.agent, fixtureConversation); err != nil {
			t.Fatal(err)
		}
		if c := timerOf(f); c.TimerAt.IsZero() {
			t.Fatalf("the chat reopen armed no timer: %+v", c)
		}
		receive(t, f, "ada@visitor.test", replyAddress(t, fixtureConversation), "r2@mail.visitor.test", "Still there?")
		if c := timerOf(f); c.Status != chat.StatusOpen || !c.TimerAt.IsZero() {
			t.Errorf("after the email: status %s, timer %v %q; want open and no timer", c.Status, c.TimerAt, c.TimerStage)
		}
	})

	t.Run("agent's email reply to a closed conversation", func(t *testing.T) {
		f := setup(t)
		f.conversation(t, true)
		if _, _, err := f.email.Reply(ctx, f.agent, fixtureConversation, chat.SendInput{ClientID: uuid.NewString(), Body: "One more thing"}); err != nil {
			t.Fatal(err)
		}
		want := []string{"Where is my parcel? (visitor, email)", "It ships today. (agent, chat)", "closed by agent", "reopened by agent", "One more thing (agent, email)"}
		if diff := cmp.Diff(want, stream(t, f, fixtureConversation)); diff != "" {
			t.Errorf("stream (-want +got):\n%s", diff)
		}
		// No timer: nothing closes it for inactivity (and sends a second
		// transcript) while the visitor reads the email.
		if c := timerOf(f); c.Status != chat.StatusOpen || !c.TimerAt.IsZero() {
			t.Errorf("after the email reply: status %s, timer %v %q; want open and no timer", c.Status, c.TimerAt, c.TimerStage)
		}
	})

	t.Run("new conversation by email", func(t *testing.T) {
		f := setup(t)
		out := receive(t, f, "nora@visitor.test", "support@reply.example.com", "n1@mail.visitor.test", "Hallo")
		c, err := f.store.Conversation(ctx, out.ConversationID)
		if err != nil || c.Status != chat.StatusOpen || !c.TimerAt.IsZero() {
			t.Errorf("conversation started by email = %+v, %v; want open without a timer", c, err)
		}
	})
}

// TestConcurrentEmailRepliesSendOnce: two attempts of the same reply (the
// same client id) at once send one email; the other attempt is told to
// retry, and a retry returns the stored message.
func TestConcurrentEmailRepliesSendOnce(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	f.ses.delay = 300 * time.Millisecond
	in := chat.SendInput{ClientID: uuid.NewString(), Body: "Sent once"}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, _, errs[i] = f.email.Reply(t.Context(), f.agent, fixtureConversation, in) })
	}
	wg.Wait()
	if n := f.ses.count(); n != 1 {
		t.Fatalf("%d emails sent for one reply, want 1 (errors %v)", n, errs)
	}
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !errors.Is(err, chat.ErrConflict) {
				t.Errorf("the concurrent attempt failed with %v, want a conflict", err)
			}
		}
	}
	if failed > 1 {
		t.Fatalf("both attempts failed: %v", errs)
	}
	m, created, err := f.email.Reply(t.Context(), f.agent, fixtureConversation, in)
	if err != nil || created || m.Body != "Sent once" || f.ses.count() != 1 {
		t.Errorf("retry = %+v created %v err %v, %d sent; want the stored message, nothing sent", m, created, err, f.ses.count())
	}
}

// receiveRaw delivers a raw mail as SES would, its checks passed.
func receiveRaw(t *testing.T, f *fixture, to, raw string) email.Outcome {
	t.Helper()
	sesID := strings.ReplaceAll(uuid.NewString(), "-", "")
	f.s3.objects["inbound/"+sesID] = []byte(raw)
	out, err := f.email.Receive(t.Context(), email.Received{SESMessageID: sesID, Recipients: []string{to},
		Verdicts: email.Verdicts{SPF: "PASS", DKIM: "PASS", DMARC: "PASS", Spam: "PASS", Virus: "PASS"}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAutomaticMailIsKeptAside: an out-of-office reply to the transcript
// (or any mail an autoresponder marks as its own) neither reopens the
// closed conversation nor is posted as the contact, and nothing answers
// it, so no transcript loop starts: it is quarantined with a reason that
// names the header, and the conversation. Mail that only looks like bulk
// (a mailing list's) or says it is not automatic is a person's.
func TestAutomaticMailIsKeptAside(t *testing.T) {
	tests := []struct {
		name, headers string
		toSupport     bool   // to the support address instead of the reply address
		wantReason    string // empty: posted as the contact
	}{
		{name: "an out-of-office reply", headers: "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\nPrecedence: auto_reply\r\n", wantReason: "Auto-Submitted: auto-replied"},
		{name: "Auto-Submitted with parameters", headers: "Auto-Submitted: Auto-Generated; owner-email=\"ada@visitor.test\"\r\n", wantReason: "Auto-Submitted: auto-generated"},
		{name: "X-Autoreply", headers: "X-Autoreply: yes\r\n", wantReason: "X-Autoreply: yes"},
		{name: "X-Autorespond", headers: "X-Autorespond: Out of office\r\n", wantReason: "X-Autorespond: out of office"},
		{name: "Precedence bulk", headers: "Precedence: bulk\r\n", wantReason: "Precedence: bulk"},
		{name: "Precedence junk", headers: "Precedence: junk\r\n", wantReason: "Precedence: junk"},
		{name: "an automatic mail to the support address", headers: "Auto-Submitted: auto-replied\r\n", toSupport: true, wantReason: "Auto-Submitted: auto-replied"},
		{name: "Auto-Submitted: no", headers: "Auto-Submitted: no\r\n"},
		{name: "a mailing list's mail", headers: "Precedence: list\r\nList-Id: <parcels.lists.visitor.test>\r\nList-Unsubscribe: <mailto:leave@lists.visitor.test>\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.conversation(t, true)
			to := replyAddress(t, fixtureConversation)
			if tt.toSupport {
				to = "support@reply.example.com"
			}
			before := stream(t, f, fixtureConversation)
			out := receiveRaw(t, f, to, "From: Ada Lovelace <ada@visitor.test>\r\nTo: "+to+"\r\nSubject: Automatic reply: Transcript of your conversation\r\n"+
				"Message-ID: <oof-1@visitor.test>\r\n"+tt.headers+"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday.\r\n")
			conv, _, err := f.chat.Thread(t.Context(), fixtureConversation, 1)
			if err != nil {
				t.Fatal(err)
			}
			q, err := f.email.Quarantine(t.Context(), f.agent, 10)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantReason == "" {
				if out.Quarantined != "" || out.ConversationID != fixtureConversation || conv.Status != chat.StatusOpen {
					t.Errorf("a person's mail = %+v, conversation %s; want it appended, the conversation reopened", out, conv.Status)
				}
				return
			}
			if conv.Status != chat.StatusClosed {
				t.Errorf("conversation %s after the automatic mail, want it left closed", conv.Status)
			}
			if diff := cmp.Diff(before, stream(t, f, fixtureConversation)); diff != "" {
				t.Errorf("thread changed (-before +after):\n%s", diff)
			}
			wantConv := fixtureConversation
			if tt.toSupport {
				wantConv = ""
			}
			if len(q) != 1 || !strings.Contains(q[0].Reason, tt.wantReason) || q[0].ConversationID != wantConv || out.ConversationID != wantConv ||
				!strings.Contains(q[0].Preview, "out of the office") {
				t.Errorf("outcome %+v, quarantine %+v; want it kept aside for %q with %q", out, q, wantConv, tt.wantReason)
			}
			if f.ses.count() != 0 {
				t.Errorf("%d emails sent in answer to an automatic mail", f.ses.count())
			}
		})
	}
}

// TestMalformedStoredMessageIDsAreLeftOut: Message-IDs stored from mail
// before they were checked on reading (one without "@", one too long)
// are left out of the threading headers of later emails instead of
// failing them: the agent's reply and the transcript are sent, threaded
// on the ids that are valid.
func TestMalformedStoredMessageIDsAreLeftOut(t *testing.T) {
	f := setup(t)
	ctx := t.Context()
	visitor := f.ada(t)
	bad := []string{"20260121194200.GA1234", strings.Repeat("a", 250) + "@visitor.test"}
	if _, _, err := f.chat.StartByEmail(ctx, visitor, chat.EmailInput{Dedupe: "first", MailID: bad[0], Body: "Where is my parcel?"}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{bad[1], "good@visitor.test"} {
		if _, _, err := f.chat.AppendEmail(ctx, visitor, fixtureConversation, chat.EmailInput{Dedupe: fmt.Sprint("next", i), MailID: id, Body: "Hello?"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.email.Reply(ctx, f.agent, fixtureConversation, chat.SendInput{ClientID: uuid.NewString(), Body: "It ships today."}); err != nil {
		t.Fatalf("reply: %v", err)
	}
	if _, err := f.chat.Close(ctx, f.agent, fixtureConversation); err != nil {
		t.Fatal(err)
	}
	if err := email.NewTranscriptHandler(f.email).Handle(ctx, readFixture[events.EventBridgeEvent](t, "conversation-closed.json")); err != nil {
		t.Fatal(err)
	}
	if n := f.ses.count(); n != 2 {
		t.Fatalf("%d emails sent, want the reply and the transcript", n)
	}
	for i, out := range f.ses.sent {
		in, err := mail.Parse(out.Raw)
		if err != nil {
			t.Fatal(err)
		}
		refs, inReplyTo := in.Header.Get("References"), in.Header.Get("In-Reply-To")
		for _, id := range bad {
			if strings.Contains(refs, id) || strings.Contains(inReplyTo, id) {
				t.Errorf("email %d threads on the malformed id %.30s…: References %q, In-Reply-To %q", i, id, refs, inReplyTo)
			}
		}
		if !strings.Contains(refs, "<good@visitor.test>") {
			t.Errorf("email %d: References %q lack the valid id", i, refs)
		}
	}
}
