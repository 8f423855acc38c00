package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/email"
)

var confirmLinkRE = regexp.MustCompile(`https?://\S+/widget/contact/confirm\?token=[a-z0-9]+`)

// giveAddress is the widget's email capture; it returns the raw answer.
func giveAddress(t *testing.T, v *chatclient.Visitor, addr string) string {
	t.Helper()
	var raw json.RawMessage
	if err := v.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr}, &raw); err != nil {
		t.Fatalf("give %s: %v", addr, err)
	}
	return string(raw)
}

// confirmLink waits for the n-th confirmation email to addr and returns
// its link.
func confirmLink(t *testing.T, addr string, n int) string {
	t.Helper()
	var link string
	eventually(t, "confirmation email to "+addr, func() error {
		mails := mailTo(t, addr, email.ConfirmSubject)
		if len(mails) < n {
			return fmt.Errorf("%d confirmation emails, want %d", len(mails), n)
		}
		if link = confirmLinkRE.FindString(mails[n-1].Text); link == "" {
			return fmt.Errorf("no link in:\n%s", mails[n-1].Text)
		}
		return nil
	})
	return link
}

// confirmAddress does what the owner of addr does with the confirmation
// email: opens the link (a page with a button, which confirms nothing by
// itself) and presses the button.
func confirmAddress(t *testing.T, addr string) {
	t.Helper()
	link := confirmLink(t, addr, 1)
	status, page := openConfirmPage(t, http.MethodGet, link, "")
	if status != http.StatusOK || !strings.Contains(page, "<form") {
		t.Fatalf("confirmation page = %d %s", status, page)
	}
	u, _ := url.Parse(link)
	status, page = openConfirmPage(t, http.MethodPost, link, "token="+u.Query().Get("token"))
	if status != http.StatusOK || !strings.Contains(page, "is confirmed") {
		t.Fatalf("confirming = %d %s", status, page)
	}
}

// openConfirmPage opens the confirmation link exactly as it was mailed (a
// GET shows the page; the form's POST confirms), the way the address's owner
// would from a mail client.
func openConfirmPage(t *testing.T, method, link, form string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(wait(t), method, link, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

// conversationsOf is the visitor's list of conversations as the widget
// gets it when it opens.
func conversationsOf(t *testing.T, v *chatclient.Visitor) []string {
	t.Helper()
	_, answer, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", v.Token)
	if err != nil {
		t.Fatal(err)
	}
	var previews []string
	for _, c := range answer.Conversations {
		var s struct {
			Preview string `json:"preview"`
		}
		_ = json.Unmarshal(c.Raw, &s)
		previews = append(previews, s.Preview)
	}
	return previews
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestEmailAddressNeedsConfirmation is the address claim end to end: a
// visitor who types someone else's address learns nothing (the same
// answer as for any address) and never sees that person's mail; an
// address nobody confirmed routes no mail to the visitor who typed it;
// once the owner follows the emailed link, mail from the address reaches
// the visitor's widget.
func TestEmailAddressNeedsConfirmation(t *testing.T) {
	suffix := uuid.NewString()[:8]
	adaAddr := "ada-" + suffix + "@visitor.test"
	ada, eve := newVisitor(t), newVisitor(t)

	giveAddress(t, ada, adaAddr)
	confirmAddress(t, adaAddr)

	// Eve gives Ada's address, then a fresh one: the same answer.
	taken := giveAddress(t, eve, adaAddr)
	fresh := giveAddress(t, eve, "fresh-"+suffix+"@visitor.test")
	if taken != strings.Replace(fresh, "fresh-", "ada-", 1) || !strings.Contains(taken, `"verified":false`) {
		t.Errorf("answers differ: taken address %s, fresh address %s", taken, fresh)
	}
	giveAddress(t, eve, adaAddr)

	// Ada writes a new mail (no reply token): it reaches Ada's widget,
	// not Eve's.
	body := "Private: my order number is 4711 " + suffix
	sendSMTP(t, adaAddr, "support@reply.example.com", fmt.Sprintf("From: Ada <%s>\nTo: support@reply.example.com\nSubject: Order\nMessage-ID: <%s@mail.visitor.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n", adaAddr, uuid.NewString(), body))
	eventually(t, "Ada's mail in Ada's widget", func() error {
		if !contains(conversationsOf(t, ada), body) {
			return errors.New("not yet")
		}
		return nil
	})
	if contains(conversationsOf(t, eve), body) {
		t.Fatalf("Ada's mail reached Eve's widget")
	}

	// An address only typed: its mail opens a conversation of a new
	// contact, not one of the visitor who typed it.
	typedAddr := "typed-" + suffix + "@visitor.test"
	typer := newVisitor(t)
	giveAddress(t, typer, typedAddr)
	typedBody := "Who reads this? " + suffix
	sendSMTP(t, typedAddr, "support@reply.example.com", fmt.Sprintf("From: <%s>\nTo: support@reply.example.com\nSubject: Hi\nMessage-ID: <%s@mail.visitor.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n", typedAddr, uuid.NewString(), typedBody))
	alice := newAgent(t, "alice")
	var newConv string
	eventually(t, "the typed address's mail in the inbox", func() error {
		list, err := alice.List(wait(t), "open", "all", "", 100)
		if err != nil {
			return err
		}
		for _, c := range list.Conversations {
			var s struct{ Preview string }
			_ = json.Unmarshal(c.Raw, &s)
			if s.Preview == typedBody {
				newConv = c.ID
				return nil
			}
		}
		return errors.New("not yet")
	})
	if contains(conversationsOf(t, typer), typedBody) {
		t.Errorf("mail from an unconfirmed address reached the visitor who typed it")
	}
	if th := getThread(t, alice, newConv); th.Conversation.ContactEmail != typedAddr {
		t.Errorf("new contact's conversation = %+v", th.Conversation)
	}

	// The owner confirms: the address now belongs to the typer, and its
	// next mail reaches the typer's widget.
	confirmAddress(t, typedAddr)
	afterBody := "Now it is me " + suffix
	sendSMTP(t, typedAddr, "support@reply.example.com", fmt.Sprintf("From: <%s>\nTo: support@reply.example.com\nSubject: Hi\nMessage-ID: <%s@mail.visitor.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n", typedAddr, uuid.NewString(), afterBody))
	eventually(t, "the confirmed address's mail in the typer's widget", func() error {
		if !contains(conversationsOf(t, typer), afterBody) {
			return errors.New("not yet")
		}
		return nil
	})

	// A damaged link confirms nothing and says so.
	link := confirmLink(t, typedAddr, 1)
	if status, page := openConfirmPage(t, http.MethodPost, link, "token="+strings.Repeat("a", 40)); status != http.StatusBadRequest || !strings.Contains(page, "not valid") {
		t.Errorf("damaged link = %d %s", status, page)
	}
}

// TestEmailStrangerReusesMessageID: a stranger's mail carrying the
// Message-ID of the contact's next reply does not swallow the reply.
func TestEmailStrangerReusesMessageID(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	addr := "msgid-" + uuid.NewString()[:8] + "@visitor.test"
	if _, err := chatclient.SendMessage(wait(t), tab, "", "Question about an invoice"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	giveAddress(t, visitor, addr)
	confirmAddress(t, addr)
	ben := newAgent(t, "ben")
	if _, err := emailReply(t, ben, convID, "Which invoice?"); err != nil {
		t.Fatal(err)
	}
	sent := mailTo(t, addr, "Your conversation")
	if len(sent) != 1 {
		t.Fatalf("%d emails to the contact, want 1", len(sent))
	}
	replyTo := sent[0].Headers["Reply-To"]
	shared := uuid.NewString() + "@mail.visitor.test"
	sendSMTP(t, "mallory@evil.test", "support@reply.example.com", fmt.Sprintf("From: <mallory@evil.test>\nTo: support@reply.example.com\nSubject: x\nMessage-ID: <%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nFirst with this id\n", shared))
	sendSMTP(t, addr, replyTo, replyMail(addr, replyTo, shared, "", "", "Invoice 2026-17"))
	th := getThread(t, ben, convID)
	if countBodies(th.Messages, "Invoice 2026-17") != 1 {
		t.Errorf("the contact's reply is missing from the thread: %+v", th.Messages)
	}
}

// TestEmailReplyToClosedConversationStaysOpen: an agent's email reply
// reopens a closed conversation with a reopened event and starts no chat
// timer: it is not closed for inactivity half an hour later (which would
// send a second transcript). The contact's emailed answer to a closed
// conversation publishes conversation.reopened and a message.created on
// the email channel.
func TestEmailReplyToClosedConversationStaysOpen(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	addr := "reopen-" + uuid.NewString()[:8] + "@visitor.test"
	if _, err := chatclient.SendMessage(wait(t), tab, "", "Is the blue one back in stock?"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	giveAddress(t, visitor, addr)
	confirmAddress(t, addr)
	ben := newAgent(t, "ben")
	if _, err := ben.Reply(wait(t), convID, "Next week, I think."); err != nil {
		t.Fatal(err)
	}
	tab.Close()
	if _, err := ben.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the transcript after the close", func() error {
		if n := len(mailTo(t, addr, email.DefaultTranscriptSubject)); n != 1 {
			return fmt.Errorf("%d transcripts", n)
		}
		return nil
	})

	if _, err := emailReply(t, ben, convID, "It arrived today!"); err != nil {
		t.Fatal(err)
	}
	if th := getThread(t, ben, convID); th.Conversation.Status != "open" {
		t.Fatalf("after the email reply: %+v", th.Conversation)
	}
	advance(t, 29*time.Minute)
	sweep(t)
	advance(t, 3*time.Minute)
	sweep(t)
	th := getThread(t, ben, convID)
	for _, m := range th.Messages {
		if strings.HasPrefix(eventType(m), "warning/") {
			t.Errorf("the chat's inactivity warning went to a conversation continued by email")
		}
	}
	if th.Conversation.Status != "open" {
		t.Fatalf("the conversation closed for inactivity after the email reply: %+v", th.Conversation)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(mailTo(t, addr, email.DefaultTranscriptSubject)); n != 1 {
		t.Errorf("%d transcripts, want 1", n)
	}

	// The contact answers after the agent closed it again.
	if _, err := ben.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	sent := mailTo(t, addr, "Your conversation")
	replyTo := sent[len(sent)-1].Headers["Reply-To"]
	sendSMTP(t, addr, replyTo, replyMail(addr, replyTo, uuid.NewString()+"@mail.visitor.test", "", "", "Great, I'll come by."))
	got := waitPublished(t, "conversation.reopened", convID, 2)
	actors := map[string]int{}
	for _, d := range got {
		actors[d.Actor.Type]++
	}
	if len(got) != 2 || actors["agent"] != 1 || actors["visitor"] != 1 {
		t.Errorf("conversation.reopened = %+v, want one by the agent's email reply and one by the contact's email", got)
	}
	if ch := strings.Join(messageChannels(t, convID), ","); ch != "chat,chat,email,email" {
		t.Errorf("message.created channels = %s, want chat,chat,email,email", ch)
	}
	advance(t, 40*time.Minute)
	sweep(t)
	if th := getThread(t, ben, convID); th.Conversation.Status != "open" {
		t.Errorf("the contact's email left a chat timer running: %+v", th.Conversation)
	}
}

// messageChannels is the channel of each message.created published for
// the conversation, in seq order.
func messageChannels(t *testing.T, convID string) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cloud.StreamsIdle() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(cloud.Endpoints().Events + "?detailType=message.created")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log eventLog
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
		t.Fatal(err)
	}
	bySeq := map[int64]string{}
	var maxSeq int64
	for _, ev := range log.Events {
		var d struct {
			ConversationID string `json:"conversationId"`
			Seq            int64  `json:"seq"`
			Message        struct {
				Channel string `json:"channel"`
			} `json:"message"`
		}
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if d.ConversationID == convID {
			bySeq[d.Seq] = d.Message.Channel
			maxSeq = max(maxSeq, d.Seq)
		}
	}
	var out []string
	for s := int64(1); s <= maxSeq; s++ {
		if ch, ok := bySeq[s]; ok {
			out = append(out, ch)
		}
	}
	return out
}

// TestConfirmationEmailsPerRecipient: anyone can open fresh sessions, so
// the per-visitor and per-IP limits do not protect an address's owner.
// Five visitors giving the same address get the answer they always got,
// and its owner one confirmation email per ten minutes, not five; another
// address is not held back by it.
func TestConfirmationEmailsPerRecipient(t *testing.T) {
	suffix := uuid.NewString()[:8]
	target := "flooded-" + suffix + "@visitor.test"
	var answers []string
	for range 5 {
		answers = append(answers, giveAddress(t, newVisitor(t), target))
	}
	for i, a := range answers {
		if a != answers[0] {
			t.Errorf("answer %d = %s, first %s: a held-back email must not show", i+1, a, answers[0])
		}
	}
	other := "bystander-" + suffix + "@visitor.test"
	if a := giveAddress(t, newVisitor(t), other); a != strings.Replace(answers[0], "flooded-", "bystander-", 1) {
		t.Errorf("another address answered %s, want the same shape as %s", a, answers[0])
	}
	confirmLink(t, other, 1)
	// The answers came after each send: the mailbox holds all there is.
	if n := len(mailTo(t, target, email.ConfirmSubject)); n != 1 {
		t.Fatalf("%d confirmation emails to %s after five visitors gave it, want 1", n, target)
	}

	// Ten minutes later the address may get the next one.
	if err := cloud.Advance(email.ConfirmResendAfter); err != nil {
		t.Fatal(err)
	}
	giveAddress(t, newVisitor(t), target)
	giveAddress(t, newVisitor(t), target)
	if n := len(mailTo(t, target, email.ConfirmSubject)); n != 2 {
		t.Fatalf("%d confirmation emails to %s ten minutes later, want 2", n, target)
	}
}
