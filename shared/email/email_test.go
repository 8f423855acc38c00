package email_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
)

var ddb *storetest.Server

func TestMain(m *testing.M) {
	ddb = storetest.Start()
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

// The fixtures name this conversation.
const fixtureConversation = "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10"

type fakeSender struct {
	mu   sync.Mutex
	sent []email.Outgoing
	// delay makes every send take this long (to overlap concurrent sends).
	delay time.Duration
}

func (f *fakeSender) Send(_ context.Context, m email.Outgoing) error {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeSender) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

// fakeMailbox is the mail bucket's raw mail, by key.
type fakeMailbox struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (f *fakeMailbox) Open(_ context.Context, key string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[key]
	if !ok {
		return nil, fmt.Errorf("object %s: %w", key, chat.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *fakeMailbox) Put(_ context.Context, key string, data []byte, _, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = data
	return nil
}

type fixture struct {
	chat  *chat.Service
	email *email.Service
	store *store.Store
	ses   *fakeSender
	s3    *fakeMailbox
	agent chat.Principal
	// channels are the chat channels' email settings.
	channels fakeChannels
	// skew moves the email service's clock (link expiry, resends).
	skew time.Duration
	// tokens and cfg are what the email service was made with.
	tokens *mail.Tokens
	cfg    config.Mail
}

func setup(t *testing.T) *fixture {
	t.Helper()
	st := store.New(ddb.Client(), ddb.NewTable(t), nil)
	ids := []string{fixtureConversation}
	svc, err := chat.NewService(st, nopNotifier{}, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, NewID: func() string {
		if len(ids) > 0 {
			id := ids[0]
			ids = ids[1:]
			return id
		}
		return uuid.NewString()
	}, SocketFrames: ratelimit.New(st, ratelimit.Limits{}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := mail.NewTokens([]byte("handler-test-secret-0123456789"), 'a')
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{chat: svc, store: st, ses: &fakeSender{}, s3: &fakeMailbox{objects: map[string][]byte{}},
		channels: fakeChannels{"main": {ChannelID: "main", TranscriptOnClose: true, SenderAddress: "chat@example.com"}},
		agent:    chat.Principal{Role: chat.RoleAgent, ID: "a11ce000-0000-4000-8000-000000000001", Name: "Alice Moreau", Inboxes: []string{"main"}}}
	cfg := config.Mail{SenderAddress: "chat@example.com", InboundDomain: "reply.example.com", MailBucket: "mail", InboundPrefix: "inbound/", ConfigurationSet: "parley-mail"}
	f.tokens, f.cfg = tokens, cfg
	f.email = email.New(svc, st, f.channels, tokens, cfg, email.Options{ChannelID: "main", Team: "Parcel Co", InboxURL: "https://inbox.example.com", Sender: f.ses, Mailbox: f.s3,
		Now: func() time.Time { return time.Now().Add(f.skew) }})
	return f
}

// fakeChannels holds the chat channels' email settings.
type fakeChannels map[string]email.Settings

func (f fakeChannels) ChannelEmail(_ context.Context, id string) (email.Settings, error) {
	if st, ok := f[id]; ok {
		return st, nil
	}
	return email.Settings{}, chat.ErrNotFound
}

type nopNotifier struct{}

func (nopNotifier) Push(context.Context, []string, any) []string { return nil }

// ada makes a visitor with a confirmed contact, Ada Lovelace at
// ada@visitor.test.
func (f *fixture) ada(t *testing.T) chat.Principal {
	t.Helper()
	ctx := t.Context()
	vid := uuid.NewString()
	if err := f.store.CreateVisitor(ctx, chat.Visitor{ID: vid, ChannelID: "main", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := f.store.SaveContact(ctx, email.Contact{VisitorID: vid, Email: "ada@visitor.test", Name: "Ada Lovelace", UpdatedAt: now, VerifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	return chat.Principal{Role: chat.RoleVisitor, ID: vid, Name: "Ada Lovelace"}
}

// conversation makes the fixtures' conversation: a visitor with an address
// writes (the conversation takes fixtureConversation), an agent answers
// when agentAnswers, and it closes.
func (f *fixture) conversation(t *testing.T, agentAnswers bool) {
	t.Helper()
	ctx := t.Context()
	visitor := f.ada(t)
	msg, _, err := f.chat.StartByEmail(ctx, visitor, chat.EmailInput{Dedupe: "first@visitor.test", Body: "Where is my parcel?"})
	if err != nil || msg.ConversationID != fixtureConversation {
		t.Fatalf("start conversation: %v %+v", err, msg)
	}
	if agentAnswers {
		if _, _, err := f.chat.Reply(ctx, f.agent, fixtureConversation, chat.SendInput{ClientID: uuid.NewString(), Body: "It ships today."}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.chat.Close(ctx, f.agent, fixtureConversation); err != nil {
		t.Fatal(err)
	}
}

func readFixture[T any](t *testing.T, name string) T {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func transcriptEvents(t *testing.T, f *fixture) int {
	_, msgs, err := f.chat.Thread(t.Context(), fixtureConversation, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Event != nil && m.Event.Type == chat.EventTranscriptSent {
			n++
		}
	}
	return n
}

func TestTranscriptHandler(t *testing.T) {
	ev := readFixture[events.EventBridgeEvent](t, "conversation-closed.json")
	tests := []struct {
		name          string
		agentAnswers  bool
		transcriptOff bool
		deliveries    int
		wantSent      int
	}{
		{name: "sent once when the event comes twice", agentAnswers: true, deliveries: 2, wantSent: 1},
		{name: "not for a conversation no agent answered", agentAnswers: false, deliveries: 1, wantSent: 0},
		{name: "not when the channel turned transcripts off", agentAnswers: true, transcriptOff: true, deliveries: 1, wantSent: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.conversation(t, tt.agentAnswers)
			if tt.transcriptOff {
				f.channels["main"] = email.Settings{ChannelID: "main", SenderAddress: "chat@example.com"}
			}
			h := email.NewTranscriptHandler(f.email)
			for range tt.deliveries {
				if err := h.Handle(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			if got := f.ses.count(); got != tt.wantSent {
				t.Fatalf("sent %d emails, want %d", got, tt.wantSent)
			}
			if got := transcriptEvents(t, f); got != tt.wantSent {
				t.Errorf("%d transcript events in the thread, want %d", got, tt.wantSent)
			}
			if tt.wantSent == 0 {
				return
			}
			in := f.ses.sent[0]
			if diff := cmp.Diff(email.Outgoing{From: "chat@example.com", To: "ada@visitor.test", Tags: map[string]string{"conversationId": fixtureConversation}}, in,
				cmpopts.IgnoreFields(email.Outgoing{}, "Raw")); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
			parsed, err := mail.Parse(in.Raw)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(parsed.Text, "Where is my parcel?") || !strings.Contains(parsed.Text, "It ships today.") || !strings.HasPrefix(parsed.Header.Get("Reply-To"), "reply+") {
				t.Errorf("transcript:\n%s\nReply-To %q", parsed.Text, parsed.Header.Get("Reply-To"))
			}
		})
	}
}

// TestWiredWithoutParts: a function wired without a sender (inbound mail
// sends nothing) or without the mailbox (only inbound mail reads it)
// fails the use that needs the part, loudly, and sends and stores
// nothing; mentions refuse to start without a sender.
func TestWiredWithoutParts(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	bare := email.New(f.chat, f.store, f.channels, f.tokens, f.cfg, email.Options{ChannelID: "main", InboxURL: "https://inbox.example.com"})
	closed := readFixture[events.EventBridgeEvent](t, "conversation-closed.json")
	if err := email.NewTranscriptHandler(bare).Handle(t.Context(), closed); err == nil {
		t.Error("a transcript without a sender: no error")
	}
	if got := transcriptEvents(t, f); got != 0 {
		t.Errorf("%d transcript events in the thread, want none", got)
	}
	f.s3.objects["inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"] = []byte("From: ada@visitor.test\r\n\r\nHello")
	inbound := readFixture[events.SimpleEmailEvent](t, "ses-receipt.json")
	if err := email.NewInboundHandler(bare).Handle(t.Context(), inbound); err == nil {
		t.Error("inbound mail without the mailbox: no error")
	}
	if _, err := email.NewMentions(bare); err == nil {
		t.Error("mentions without a sender: no error")
	}
}

func TestTranscriptHandlerIgnoresOtherEvents(t *testing.T) {
	f := setup(t)
	ev := readFixture[events.EventBridgeEvent](t, "conversation-closed.json")
	ev.DetailType = "message.created"
	if err := email.NewTranscriptHandler(f.email).Handle(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	if f.ses.count() != 0 {
		t.Error("an event of another type sent an email")
	}
}

func TestInboundHandler(t *testing.T) {
	base := readFixture[events.SimpleEmailEvent](t, "ses-receipt.json")
	raw, err := os.ReadFile("testdata/inbound-reply.eml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		mutate         func(r *events.SimpleEmailReceipt)
		deliveries     int
		wantBody       string
		wantQuarantine string
	}{
		{name: "appended once when delivered twice", deliveries: 2,
			wantBody: "Thanks, the photo of the parcel is attached. + parcel.png (8 bytes, image/png, inline true)"},
		{name: "failing DMARC is quarantined", deliveries: 1, mutate: func(r *events.SimpleEmailReceipt) { r.DMARCVerdict.Status = "FAIL" }, wantQuarantine: "DMARC"},
		{name: "a virus is quarantined", deliveries: 1, mutate: func(r *events.SimpleEmailReceipt) { r.VirusVerdict.Status = "FAIL" }, wantQuarantine: "virus"},
		{name: "a forged token is quarantined", deliveries: 1, mutate: func(r *events.SimpleEmailReceipt) {
			r.Recipients = []string{strings.Replace(r.Recipients[0], "reply+a", "reply+b", 1)}
		}, wantQuarantine: "forged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.conversation(t, true)
			f.s3.objects["inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"] = raw
			ev := base
			ev.Records = []events.SimpleEmailRecord{base.Records[0]}
			rec := &ev.Records[0].SES.Receipt
			rec.Recipients = append([]string(nil), rec.Recipients...)
			if tt.mutate != nil {
				tt.mutate(rec)
			}
			h := email.NewInboundHandler(f.email)
			for range tt.deliveries {
				if err := h.Handle(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			conv, msgs, err := f.chat.Thread(t.Context(), fixtureConversation, 100)
			if err != nil {
				t.Fatal(err)
			}
			var emailed []string
			for _, m := range msgs[1:] {
				if m.Channel == chat.ChannelEmail && m.Author.Type == chat.RoleVisitor {
					line := m.Body
					for _, a := range m.Attachments {
						line += fmt.Sprintf(" + %s (%d bytes, %s, inline %v)", a.Filename, a.Size, a.ContentType, a.Inline)
					}
					emailed = append(emailed, line)
				}
			}
			q, err := f.email.Quarantine(t.Context(), f.agent, 10)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantQuarantine != "" {
				if len(emailed) != 0 || len(q) != 1 || !strings.Contains(q[0].Reason, tt.wantQuarantine) {
					t.Fatalf("posted %q, quarantine %+v; want nothing posted and one quarantined mail for %s", emailed, q, tt.wantQuarantine)
				}
				return
			}
			if diff := cmp.Diff([]string{tt.wantBody}, emailed); diff != "" {
				t.Errorf("emailed messages (-want +got):\n%s", diff)
			}
			if conv.Status != chat.StatusOpen {
				t.Errorf("status = %s, want the closed conversation reopened", conv.Status)
			}
			if _, ok := f.s3.objects["attachments/"+fixtureConversation+"/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1/1-parcel.png"]; !ok {
				t.Errorf("attachment not stored; objects: %v", keys(f.s3.objects))
			}
		})
	}
}

// TestInboundReplyBody: what an emailed reply posts to the thread. A reply
// written below the quote keeps its answer; a mail whose new text cannot
// be told from the quote is posted in full, marked for the agents
// (extraction "full"), never in the text the visitor sees too, and the
// visitor's view of it carries no mark.
func TestInboundReplyBody(t *testing.T) {
	ev := readFixture[events.SimpleEmailEvent](t, "ses-receipt.json")
	const header = "Am Sa., 21. Nov. 2026 um 19:42 Uhr schrieb Alice <chat@example.com>:\n"
	tests := []struct {
		name, text, wantBody, wantExtraction string
	}{
		{"written above the quote", "Thanks, it arrived.\n\n" + header + "> It ships today.\n", "Thanks, it arrived.", ""},
		{"written below the quote", header + "> It ships today.\n\nThanks, it arrived.\n\n-- \nAda\n", "Thanks, it arrived.", ""},
		{"only the quote", header + "> It ships today.\n", header + "> It ships today.", chat.ExtractionFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			f.conversation(t, true)
			f.s3.objects["inbound/"+ev.Records[0].SES.Mail.MessageID] = []byte("From: Ada Lovelace <ada@visitor.test>\r\n" +
				"To: reply@reply.example.com\r\nSubject: Re: Your conversation\r\nMessage-ID: <body@mail.visitor.test>\r\n" +
				"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + tt.text)
			if err := email.NewInboundHandler(f.email).Handle(t.Context(), ev); err != nil {
				t.Fatal(err)
			}
			last := lastEmailed(t, f)
			if diff := cmp.Diff(tt.wantBody, last.Body); diff != "" {
				t.Errorf("posted body (-want +got):\n%s", diff)
			}
			if last.Extraction != tt.wantExtraction {
				t.Errorf("extraction = %q, want %q", last.Extraction, tt.wantExtraction)
			}
			if v := last.ForVisitor(); v.Extraction != "" || v.Body != last.Body {
				t.Errorf("the visitor sees %+v", v)
			}
		})
	}
}

// lastEmailed is the last message of the fixtures' conversation, which
// must be the contact's emailed reply.
func lastEmailed(t *testing.T, f *fixture) chat.Message {
	t.Helper()
	_, msgs, err := f.chat.Thread(t.Context(), fixtureConversation, 100)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Channel != chat.ChannelEmail || last.Author.Type != chat.RoleVisitor {
		t.Fatalf("last message %+v, want the emailed reply", last)
	}
	return last
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFeedbackHandler(t *testing.T) {
	ev := readFixture[events.SNSEvent](t, "sns-bounce.json")
	transient := readFixture[events.SNSEvent](t, "sns-bounce.json")
	transient.Records[0].SNS.Message = strings.Replace(transient.Records[0].SNS.Message, `"Permanent"`, `"Transient"`, 1)
	complaint := readFixture[events.SNSEvent](t, "sns-bounce.json")
	complaint.Records[0].SNS.Message = `{"eventType":"Complaint","mail":{"messageId":"x"},"complaint":{"complainedRecipients":[{"emailAddress":"gone@visitor.test"}]}}`
	tests := []struct {
		name       string
		ev         events.SNSEvent
		wantReason string
	}{
		{"permanent bounce", ev, "bounced"},
		{"complaint", complaint, "spam"},
		{"transient bounce", transient, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			h, err := email.NewFeedbackHandler(f.store, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Handle(t.Context(), tt.ev); err != nil {
				t.Fatal(err)
			}
			st, err := f.store.AddressStatus(t.Context(), "gone@visitor.test")
			if tt.wantReason == "" {
				if !errors.Is(err, chat.ErrNotFound) {
					t.Errorf("address status = %+v, %v; want none", st, err)
				}
				return
			}
			if err != nil || !strings.Contains(st.Reason, tt.wantReason) {
				t.Errorf("address status = %+v, %v; want a reason with %q", st, err, tt.wantReason)
			}
		})
	}
}

func TestReplyRefusals(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	ctx := t.Context()
	if err := f.store.MarkUndeliverable(ctx, email.AddressStatus{Address: "ada@visitor.test", Kind: "bounce", Reason: "the address bounced (General)", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.email.Reply(ctx, f.agent, fixtureConversation, chat.SendInput{ClientID: uuid.NewString(), Body: "Hello again"})
	var de *chat.Error
	if !errors.Is(err, chat.ErrConflict) || !errors.As(err, &de) || !strings.Contains(de.Message, "ada@visitor.test is undeliverable") {
		t.Fatalf("reply to a bounced address: %v", err)
	}
	if f.ses.count() != 0 {
		t.Error("an email was sent to an undeliverable address")
	}
	sum := chat.Summary{VisitorID: mustVisitor(t, f)}
	if err := f.email.Decorate(ctx, &sum); err != nil {
		t.Fatal(err)
	}
	if sum.SuggestedChannel != chat.ChannelChat || !strings.Contains(sum.EmailBlocked, "bounced") || sum.ContactEmail != "ada@visitor.test" {
		t.Errorf("summary = %+v", sum)
	}
}

func mustVisitor(t *testing.T, f *fixture) string {
	conv, _, err := f.chat.Thread(t.Context(), fixtureConversation, 1)
	if err != nil {
		t.Fatal(err)
	}
	return conv.VisitorID
}

func TestSetContactAsAgent(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	ctx := t.Context()
	other := uuid.NewString()
	if err := f.store.SaveContact(ctx, email.Contact{VisitorID: other, Email: "taken@visitor.test", UpdatedAt: time.Now(), VerifiedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      email.ContactInput
		wantErr error
	}{
		{"a new address", email.ContactInput{Email: "Ada.New@Visitor.Test"}, nil},
		{"another contact's address (the agent may know)", email.ContactInput{Email: "taken@visitor.test"}, chat.ErrConflict},
		{"header injection", email.ContactInput{Email: "b@visitor.test\r\nBcc: x@evil.test"}, chat.ErrInvalid},
		{"not an address", email.ContactInput{Email: "nobody"}, chat.ErrInvalid},
		{"script page", email.ContactInput{Email: "b@visitor.test", PageURL: "javascript:alert(1)"}, chat.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := f.email.SetContactAsAgent(ctx, f.agent, fixtureConversation, tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SetContactAsAgent error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			// The agent vouches for it: verified, and mail from it reaches
			// the contact.
			vid, err := f.store.VisitorByEmail(ctx, "ada.new@visitor.test")
			if !c.Verified() || err != nil || vid != c.VisitorID {
				t.Errorf("contact %+v, address bound to %q (%v); want verified and bound", c, vid, err)
			}
		})
	}
	if f.ses.count() != 0 {
		t.Errorf("an agent's address got %d confirmation emails, want none", f.ses.count())
	}
}

// A conversation read while the visitor's last tab is closing (its
// connection gone, the online flag not yet cleared) says offline and
// suggests email: the dot and the suggestion never disagree.
func TestDecorateReadsPresenceFromConnections(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	sum := chat.Summary{VisitorID: mustVisitor(t, f), VisitorOnline: true}
	if err := f.email.Decorate(t.Context(), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.VisitorOnline || sum.SuggestedChannel != chat.ChannelEmail {
		t.Errorf("no live connection: online %v, suggested %q; want offline and email", sum.VisitorOnline, sum.SuggestedChannel)
	}
}

// TestQuarantinedMailDeliveredTwiceIsListedOnce: Lambda's asynchronous
// events come at least once; the same quarantined mail received twice is
// one entry of the quarantine.
func TestQuarantinedMailDeliveredTwiceIsListedOnce(t *testing.T) {
	f := setup(t)
	f.conversation(t, true)
	f.s3.objects["inbound/dup0001"] = []byte("From: eve@evil.test\r\nSubject: hi\r\n\r\nhello\r\n")
	r := email.Received{SESMessageID: "dup0001", Recipients: []string{replyAddress(t, fixtureConversation)},
		Verdicts: email.Verdicts{SPF: "PASS", DKIM: "PASS", DMARC: "PASS", Spam: "PASS", Virus: "PASS"}}
	for range 2 {
		out, err := f.email.Receive(t.Context(), r)
		if err != nil || out.Quarantined == "" {
			t.Fatalf("receive = %+v, %v; want it quarantined", out, err)
		}
	}
	q, err := f.email.Quarantine(t.Context(), f.agent, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 {
		t.Errorf("%d quarantine entries for one mail: %+v", len(q), q)
	}
}

// failingMailbox fails the first fail puts of files, as S3 does now and
// then (SlowDown, a timeout).
type failingMailbox struct {
	*fakeMailbox
	fail int
}

func (f *failingMailbox) Put(ctx context.Context, key string, data []byte, ct, cd string) error {
	if f.fail > 0 {
		f.fail--
		return errors.New("s3: SlowDown")
	}
	return f.fakeMailbox.Put(ctx, key, data, ct, cd)
}

// TestNewConversationByEmailKeepsAttachmentsWhenRetried: storing the
// attachments of a mail that starts a conversation fails once, after the
// conversation was created; Lambda's retry of the same receipt finds the
// conversation and still stores them, once.
func TestNewConversationByEmailKeepsAttachmentsWhenRetried(t *testing.T) {
	f := setup(t)
	mailbox := &failingMailbox{fakeMailbox: f.s3, fail: 1}
	svc := email.New(f.chat, f.store, f.channels, f.tokens, f.cfg, email.Options{ChannelID: "main", Sender: f.ses, Mailbox: mailbox})
	f.s3.objects["inbound/ses0001"] = []byte("From: Bob <bob@visitor.test>\r\nTo: support@reply.example.com\r\nSubject: Broken parcel\r\nMessage-ID: <bob-1@visitor.test>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPhoto of the damage attached.\r\n" +
		"--B\r\nContent-Type: image/png; name=\"damage.png\"\r\nContent-Disposition: attachment; filename=\"damage.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"UE5HREFUQSE=\r\n--B--\r\n")
	r := email.Received{SESMessageID: "ses0001", Recipients: []string{"support@reply.example.com"},
		Verdicts: email.Verdicts{SPF: "PASS", DKIM: "PASS", DMARC: "PASS", Spam: "PASS", Virus: "PASS"}}
	if _, err := svc.Receive(t.Context(), r); err == nil {
		t.Fatal("first attempt: no error, want S3's (Lambda retries the event)")
	}
	var out email.Outcome
	for range 2 { // Lambda's retry, and one more
		var err error
		if out, err = svc.Receive(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
	_, msgs, err := f.chat.Thread(t.Context(), out.ConversationID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, m := range msgs {
		for _, a := range m.Attachments {
			files = append(files, fmt.Sprintf("%s (%d bytes)", a.Filename, a.Size))
		}
	}
	if diff := cmp.Diff([]string{"damage.png (8 bytes)"}, files); diff != "" {
		t.Errorf("files of the conversation (-want +got):\n%s\nthread %q", diff, stream(t, f, out.ConversationID))
	}
	if _, ok := f.s3.objects["attachments/"+out.ConversationID+"/ses0001/1-damage.png"]; !ok {
		t.Errorf("attachment not stored; objects: %v", keys(f.s3.objects))
	}
}
