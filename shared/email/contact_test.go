package email_test

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
)

const confirmPage = "https://api.example.com/widget/contact/confirm"

var linkRE = regexp.MustCompile(`https://api\.example\.com/widget/contact/confirm\?token=[a-z0-9]+`)

// confirmLinks returns the confirmation links emailed to addr, oldest
// first.
func confirmLinks(t *testing.T, f *fixture, addr string) []string {
	t.Helper()
	f.ses.mu.Lock()
	defer f.ses.mu.Unlock()
	var out []string
	for _, in := range f.ses.sent {
		if !strings.EqualFold(in.To, addr) {
			continue
		}
		m, err := mail.Parse(in.Raw)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != email.ConfirmSubject {
			t.Fatalf("email to %s has subject %q", addr, m.Subject)
		}
		out = append(out, linkRE.FindString(m.Text))
	}
	return out
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func newVisitor(t *testing.T, f *fixture) string {
	t.Helper()
	vid := uuid.NewString()
	if err := f.store.CreateVisitor(t.Context(), chat.Visitor{ID: vid, ChannelID: "main", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return vid
}

// TestTypedAddressIsUnverifiedUntilConfirmed: an address a visitor types
// routes no mail to that visitor and gets no transcript until its owner
// follows the emailed link; the answer never tells whether the address is
// someone else's.
func TestTypedAddressIsUnverifiedUntilConfirmed(t *testing.T) {
	f := setup(t)
	f.conversation(t, true) // Ada's verified ada@visitor.test, closed conversation
	ctx := t.Context()
	ada := mustVisitor(t, f)
	eve := newVisitor(t, f)

	// Eve claims Ada's address and a fresh one: the same kind of answer.
	taken, err := f.email.SetContact(ctx, onMain(eve), email.ContactInput{Email: "ada@visitor.test"}, confirmPage)
	if err != nil {
		t.Fatalf("claiming a taken address: %v, want the same answer as for any address", err)
	}
	fresh, err := f.email.SetContact(ctx, onMain(newVisitor(t, f)), email.ContactInput{Email: "fresh@visitor.test"}, confirmPage)
	if err != nil {
		t.Fatal(err)
	}
	if taken.Verified() || fresh.Verified() {
		t.Errorf("typed addresses verified: %+v %+v", taken, fresh)
	}
	if n := len(confirmLinks(t, f, "ada@visitor.test")); n != 1 {
		t.Errorf("%d confirmation emails to the claimed address, want 1 (its owner decides)", n)
	}

	// Mail from Ada without a reply token still reaches Ada, never Eve.
	out := receive(t, f, "Ada Lovelace <ada@visitor.test>", "support@reply.example.com", "new-1@mail.visitor.test", "A new question")
	conv, _, err := f.chat.Thread(ctx, out.ConversationID, 1)
	if err != nil || conv.VisitorID != ada {
		t.Fatalf("tokenless mail from Ada went to visitor %s (%v), want Ada %s", conv.VisitorID, err, ada)
	}

	// Mail from an address only typed, never confirmed, starts a
	// conversation of a new contact.
	typer, err := f.email.SetContact(ctx, onMain(newVisitor(t, f)), email.ContactInput{Email: "typed@visitor.test"}, confirmPage)
	if err != nil {
		t.Fatal(err)
	}
	out = receive(t, f, "typed@visitor.test", "support@reply.example.com", "t-1@mail.visitor.test", "Who gets this?")
	conv, _, err = f.chat.Thread(ctx, out.ConversationID, 1)
	if err != nil || conv.VisitorID == typer.VisitorID {
		t.Fatalf("mail from an unconfirmed address reached the visitor who typed it (%v)", err)
	}

	// Eve's conversation closes after an agent answered: no transcript
	// goes to the unconfirmed address.
	sent := f.ses.count()
	msg, _, err := f.chat.StartByEmail(ctx, chat.Principal{Role: chat.RoleVisitor, ID: eve}, chat.EmailInput{Dedupe: "eve-start", Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.chat.Reply(ctx, f.agent, msg.ConversationID, chat.SendInput{ClientID: uuid.NewString(), Body: "Hello Eve"}); err != nil {
		t.Fatal(err)
	}
	closed, err := f.chat.Close(ctx, f.agent, msg.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.email.OnClosed(ctx, email.Closed{Version: "1", ID: closed.ID + ":x", ConversationID: closed.ID}); err != nil {
		t.Fatal(err)
	}
	if f.ses.count() != sent {
		t.Errorf("a transcript went to an unconfirmed address")
	}
	// The agent may still reply by email in the conversation: the reply
	// address binds the answer to this thread.
	if _, _, err := f.email.Reply(ctx, f.agent, msg.ConversationID, chat.SendInput{ClientID: uuid.NewString(), Body: "Are you Ada?"}); err != nil {
		t.Errorf("email reply to the visitor's own unconfirmed address: %v", err)
	}
	sum := chat.Summary{VisitorID: eve}
	if err := f.email.Decorate(ctx, &sum); err != nil || sum.ContactEmail != "ada@visitor.test" || sum.ContactVerified {
		t.Errorf("the agent's summary = %+v, %v; want the address marked unverified", sum, err)
	}
}

// TestConfirmationLink: the emailed link confirms the address for the
// visitor who typed it (mail from it then reaches that visitor, whoever
// it reached before); it stops working when it expires or the visitor
// changes the address; the same visitor giving the same address again
// gets one email per ten minutes.
func TestConfirmationLink(t *testing.T) {
	f := setup(t)
	ctx := t.Context()
	vid := newVisitor(t, f)
	in := email.ContactInput{Email: "Grace@Visitor.Test", Name: "Grace", PageURL: "https://shop.example.com/cart"}
	c, err := f.email.SetContact(ctx, onMain(vid), in, confirmPage)
	if err != nil || mail.Key(c.Email) != "grace@visitor.test" || c.Verified() {
		t.Fatalf("SetContact = %+v, %v", c, err)
	}
	if _, err := f.email.SetContact(ctx, onMain(vid), in, confirmPage); err != nil {
		t.Fatal(err)
	}
	links := confirmLinks(t, f, "grace@visitor.test")
	if len(links) != 1 || links[0] == "" {
		t.Fatalf("links = %q, want one (no second email within ten minutes)", links)
	}
	f.skew = 11 * time.Minute
	if _, err := f.email.SetContact(ctx, onMain(vid), in, confirmPage); err != nil {
		t.Fatal(err)
	}
	if links = confirmLinks(t, f, "grace@visitor.test"); len(links) != 2 {
		t.Fatalf("%d links after ten minutes, want 2", len(links))
	}
	f.skew = 0

	forged := tokenOf(t, links[0])
	forged = forged[:len(forged)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(forged, "a")]
	for name, tok := range map[string]string{"forged": forged, "empty": "", "garbage": "<script>"} {
		if _, err := f.email.Confirm(ctx, tok); !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("%s token: %v, want invalid", name, err)
		}
	}
	tok := tokenOf(t, links[1])
	if pending, err := f.email.CheckConfirmation(ctx, tok); err != nil || pending.Verified() {
		t.Fatalf("CheckConfirmation = %+v, %v; want pending", pending, err)
	}
	if _, err := f.store.VisitorByEmail(ctx, "grace@visitor.test"); !errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("looking at the link bound the address: %v", err)
	}
	// Someone else's mail binding exists already (Grace wrote before from
	// another browser): confirming moves it to this visitor.
	earlier := receive(t, f, "grace@visitor.test", "support@reply.example.com", "g-1@mail.visitor.test", "Hi from my phone")
	confirmed, err := f.email.Confirm(ctx, tok)
	if err != nil || !confirmed.Verified() || confirmed.VisitorID != vid {
		t.Fatalf("Confirm = %+v, %v", confirmed, err)
	}
	if again, err := f.email.Confirm(ctx, tok); err != nil || !again.Verified() {
		t.Errorf("confirming twice = %+v, %v", again, err)
	}
	out := receive(t, f, "grace@visitor.test", "support@reply.example.com", "g-2@mail.visitor.test", "Hi from my laptop")
	conv, _, err := f.chat.Thread(ctx, out.ConversationID, 1)
	if err != nil || conv.VisitorID != vid || out.ConversationID == earlier.ConversationID {
		t.Errorf("mail after the confirmation went to visitor %s (%v), want %s", conv.VisitorID, err, vid)
	}
	sum := chat.Summary{VisitorID: vid}
	if err := f.email.Decorate(ctx, &sum); err != nil || !sum.ContactVerified {
		t.Errorf("summary = %+v, %v; want verified", sum, err)
	}

	// Expired.
	f.skew = email.ConfirmTTL + time.Hour
	if _, err := f.email.CheckConfirmation(ctx, tok); !errors.Is(err, chat.ErrInvalid) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired link: %v", err)
	}
	f.skew = 0

	// The visitor changes the address: the old link is void, and the new
	// address starts unverified.
	c, err = f.email.SetContact(ctx, onMain(vid), email.ContactInput{Email: "grace.h@visitor.test"}, confirmPage)
	if err != nil || c.Verified() || c.Name != "Grace" {
		t.Fatalf("changed address = %+v, %v", c, err)
	}
	if _, err := f.email.Confirm(ctx, tok); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("the old link after the change: %v, want invalid", err)
	}
	// Mail from the old address no longer reaches the visitor.
	out = receive(t, f, "grace@visitor.test", "support@reply.example.com", "g-3@mail.visitor.test", "Old address")
	if conv, _, _ := f.chat.Thread(ctx, out.ConversationID, 1); conv.VisitorID == vid {
		t.Errorf("mail from the replaced address still reaches the visitor")
	}
}

// onMain is a visitor of the main channel.
func onMain(visitorID string) chat.Principal {
	return chat.Principal{Role: chat.RoleVisitor, ID: visitorID, ChannelID: "main"}
}

// TestConfirmationsPerAddress: an address gets one confirmation email per
// ten minutes and ConfirmPerAddressDaily a day, however many visitors give
// it; each visitor's answer is what it would be had the email gone out.
func TestConfirmationsPerAddress(t *testing.T) {
	f := setup(t)
	ctx := t.Context()
	// 01:00 UTC tomorrow: the steps below stay within one day.
	now := time.Now()
	f.skew = now.Truncate(24 * time.Hour).Add(25 * time.Hour).Sub(now)
	const addr = "owner@visitor.test"
	give := func() email.Contact {
		t.Helper()
		c, err := f.email.SetContact(ctx, onMain(newVisitor(t, f)), email.ContactInput{Email: addr}, confirmPage)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := give()
	for range 3 {
		if c := give(); c.Email != first.Email || c.Verified() || c.ConfirmSentAt.IsZero() {
			t.Errorf("held back: %+v, want the answer of a sent one (%+v)", c, first)
		}
	}
	if n := len(confirmLinks(t, f, addr)); n != 1 {
		t.Fatalf("%d emails after four visitors within ten minutes, want 1", n)
	}
	for i := 2; i <= email.ConfirmPerAddressDaily+2; i++ {
		f.skew += email.ConfirmResendAfter
		give()
		if n, want := len(confirmLinks(t, f, addr)), min(i, email.ConfirmPerAddressDaily); n != want {
			t.Fatalf("%d emails after %d windows, want %d", n, i, want)
		}
	}
	f.skew += 24 * time.Hour
	give()
	if n := len(confirmLinks(t, f, addr)); n != email.ConfirmPerAddressDaily+1 {
		t.Errorf("%d emails the next day, want %d", n, email.ConfirmPerAddressDaily+1)
	}
	// Another address is not held back by this one.
	if _, err := f.email.SetContact(ctx, onMain(newVisitor(t, f)), email.ContactInput{Email: "other@visitor.test"}, confirmPage); err != nil {
		t.Fatal(err)
	}
	if n := len(confirmLinks(t, f, "other@visitor.test")); n != 1 {
		t.Errorf("another address got %d emails, want 1", n)
	}
}

// receiveVerdicts delivers a plain text mail from from to the support
// address (no reply token) as SES receipt sesID with the given checks.
func receiveVerdicts(t *testing.T, f *fixture, sesID, from string, v email.Verdicts) email.Outcome {
	t.Helper()
	f.s3.objects["inbound/"+sesID] = []byte("From: " + from + "\r\nTo: support@reply.example.com\r\nSubject: Invoice\r\nMessage-ID: <" + sesID + "@mail.example>\r\n\r\nPlease send me the invoice.\r\n")
	out, err := f.email.Receive(t.Context(), email.Received{SESMessageID: sesID, Recipients: []string{"support@reply.example.com"}, Verdicts: v})
	if err != nil || out.Quarantined != "" || out.ConversationID == "" {
		t.Fatalf("receive = %+v, %v; want a new conversation", out, err)
	}
	return out
}

// TestOnlyDMARCConfirmsASender: a mail without a reply token makes its
// sender's address verified only when DMARC passed, the one check that
// ties the From address to the sender (SPF checks the envelope's domain,
// DKIM any signer's; GRAY means the domain publishes no policy). Otherwise
// the conversation is created for a contact whose address is unverified
// and unbound: the agent may still answer it by email, but no transcript
// goes out automatically, and later mail from the address is not routed
// to it.
func TestOnlyDMARCConfirmsASender(t *testing.T) {
	tests := []struct {
		name    string
		v       email.Verdicts
		confirm bool
	}{
		{"nothing checked (all GRAY)", email.Verdicts{SPF: "GRAY", DKIM: "GRAY", DMARC: "GRAY", Spam: "PASS", Virus: "PASS"}, false},
		{"SPF alone", email.Verdicts{SPF: "PASS", DKIM: "GRAY", DMARC: "GRAY", Spam: "PASS", Virus: "PASS"}, false},
		{"SPF and DKIM without DMARC", email.Verdicts{SPF: "PASS", DKIM: "PASS", DMARC: "GRAY", Spam: "PASS", Virus: "PASS"}, false},
		{"DMARC could not be checked", email.Verdicts{SPF: "PASS", DKIM: "PASS", DMARC: "PROCESSING_FAILED", Spam: "PASS", Virus: "PASS"}, false},
		{"DMARC passed", email.Verdicts{SPF: "GRAY", DKIM: "PASS", DMARC: "PASS", Spam: "PASS", Virus: "PASS"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			ctx := t.Context()
			out := receiveVerdicts(t, f, "ses0001", "CEO <ceo@victim.test>", tt.v)
			conv, _, err := f.chat.Thread(ctx, out.ConversationID, 1)
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.store.Contact(ctx, conv.VisitorID)
			if err != nil || c.Email != "ceo@victim.test" || c.Verified() != tt.confirm {
				t.Fatalf("contact %+v (%v), want ceo@victim.test verified %v", c, err, tt.confirm)
			}
			if vid, err := f.store.VisitorByEmail(ctx, "ceo@victim.test"); (err == nil) != tt.confirm || (err == nil && vid != c.VisitorID) {
				t.Errorf("address bound to %q (%v), want bound %v", vid, err, tt.confirm)
			}
			// A retry of the same receipt makes no second contact.
			again, err := f.email.Receive(ctx, email.Received{SESMessageID: "ses0001", Recipients: []string{"support@reply.example.com"}, Verdicts: tt.v})
			if err != nil || !again.Duplicate || again.ConversationID != out.ConversationID {
				t.Errorf("retry = %+v, %v; want the duplicate of %s", again, err, out.ConversationID)
			}
			// The agent answers by email, whichever kind the address is.
			if _, _, err := f.email.Reply(ctx, f.agent, out.ConversationID, chat.SendInput{ClientID: uuid.NewString(), Body: "Which invoice?"}); err != nil {
				t.Fatalf("the agent's email reply: %v", err)
			}
			closed, err := f.chat.Close(ctx, f.agent, out.ConversationID)
			if err != nil {
				t.Fatal(err)
			}
			sent := f.ses.count()
			if err := f.email.OnClosed(ctx, email.Closed{Version: "1", ID: closed.ID + ":x", ConversationID: closed.ID}); err != nil {
				t.Fatal(err)
			}
			if got := f.ses.count() - sent; got != map[bool]int{false: 0, true: 1}[tt.confirm] {
				t.Errorf("%d automatic transcripts sent, want one only to a confirmed address", got)
			}
		})
	}
}

// TestUnauthenticatedMailFromAVerifiedAddress: mail claiming a verified
// contact's address that does not prove it (no DMARC pass) never lands in
// that contact's conversations: it starts one of a new, unverified contact.
func TestUnauthenticatedMailFromAVerifiedAddress(t *testing.T) {
	f := setup(t)
	f.conversation(t, true) // Ada's verified ada@visitor.test
	ada := mustVisitor(t, f)
	out := receiveVerdicts(t, f, "ses0002", "Ada Lovelace <ada@visitor.test>", email.Verdicts{SPF: "PASS", DKIM: "GRAY", DMARC: "GRAY", Spam: "PASS", Virus: "PASS"})
	conv, _, err := f.chat.Thread(t.Context(), out.ConversationID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if conv.VisitorID == ada {
		t.Fatalf("unauthenticated mail from Ada's address went to Ada's contact")
	}
	if c, err := f.store.Contact(t.Context(), conv.VisitorID); err != nil || c.Verified() {
		t.Errorf("its contact = %+v, %v; want unverified", c, err)
	}
	if vid, err := f.store.VisitorByEmail(t.Context(), "ada@visitor.test"); err != nil || vid != ada {
		t.Errorf("Ada's address bound to %q (%v), want still Ada", vid, err)
	}
}
