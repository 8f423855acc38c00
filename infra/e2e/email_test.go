package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail/mailtest"
)

// mailboxMessage is one entry of the local mailbox's JSON view.
type mailboxMessage struct {
	ID      string            `json:"id"`
	From    string            `json:"from"`
	To      []string          `json:"to"`
	Subject string            `json:"subject"`
	Headers map[string]string `json:"headers"`
	Text    string            `json:"text"`
	HTML    string            `json:"html"`
	Raw     string            `json:"raw"`
}

func mailbox(t *testing.T) []mailboxMessage {
	t.Helper()
	resp, err := http.Get(cloud.Endpoints().Mailbox + ".json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Messages []mailboxMessage `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

// mailTo returns the messages sent to addr whose subject contains subject.
func mailTo(t *testing.T, addr, subject string) []mailboxMessage {
	var out []mailboxMessage
	for _, m := range mailbox(t) {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) && strings.Contains(m.Subject, subject) {
				out = append(out, m)
			}
		}
	}
	return out
}

// eventually polls check until it returns nil or the deadline passes.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type summary struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	LastSeq          int64  `json:"lastSeq"`
	ContactEmail     string `json:"contactEmail"`
	SuggestedChannel string `json:"suggestedChannel"`
	EmailBlocked     string `json:"emailBlocked"`
}

type thread struct {
	Conversation summary              `json:"conversation"`
	Messages     []chatclient.Message `json:"messages"`
}

func getThread(t *testing.T, a *chatclient.Agent, id string) thread {
	t.Helper()
	var th thread
	if err := a.Call(wait(t), http.MethodGet, "/agent/conversations/"+id+"?limit=100", nil, &th); err != nil {
		t.Fatal(err)
	}
	return th
}

func emailReply(t *testing.T, a *chatclient.Agent, id, body string) (chatclient.Message, error) {
	var out struct {
		Message chatclient.Message `json:"message"`
	}
	err := a.Call(wait(t), http.MethodPost, "/agent/conversations/"+id+"/messages",
		map[string]string{"clientId": uuid.NewString(), "body": body, "channel": "email"}, &out)
	return out.Message, err
}

// sendSMTP delivers a raw message to the local cloud's SMTP listener with a
// real SMTP client.
func sendSMTP(t *testing.T, from, to string, raw string) {
	t.Helper()
	if err := smtp.SendMail(cloud.Endpoints().SMTP, nil, from, []string{to}, []byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		t.Fatalf("SMTP send to %s: %v", to, err)
	}
}

func replyMail(from, to, messageID, inReplyTo, extra, body string) string {
	return fmt.Sprintf("From: Ada Lovelace <%s>\nTo: %s\nSubject: Re: Your conversation\nMessage-ID: <%s>\nIn-Reply-To: <%s>\nDate: %s\nMIME-Version: 1.0\n%sContent-Type: text/plain; charset=utf-8\n\n%s",
		from, to, messageID, inReplyTo, time.Now().Format(time.RFC1123Z), extra, body)
}

// openConversation is the id of the open conversation whose entry in the
// inbox's list has field set to value, or "".
func openConversation(t *testing.T, a *chatclient.Agent, field, value string) string {
	t.Helper()
	list, err := a.List(wait(t), "open", "all", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list.Conversations {
		var entry map[string]any
		if err := json.Unmarshal(c.Raw, &entry); err == nil && entry[field] == value {
			return c.ID
		}
	}
	return ""
}

func countBodies(msgs []chatclient.Message, body string) int {
	n := 0
	for _, m := range msgs {
		if m.Body == body {
			n++
		}
	}
	return n
}

type quarantined struct {
	ID             string `json:"id"`
	From           string `json:"from"`
	Reason         string `json:"reason"`
	ConversationID string `json:"conversationId"`
	Preview        string `json:"preview"`
}

func quarantine(t *testing.T, a *chatclient.Agent) []quarantined {
	var out struct {
		Mails []quarantined `json:"mails"`
	}
	if err := a.Call(wait(t), http.MethodGet, "/agent/quarantine?limit=100", nil, &out); err != nil {
		t.Fatal(err)
	}
	return out.Mails
}

// TestEmailContinuation is E1–E3 end to end: a visitor leaves an address
// and goes offline, the inbox suggests email, the agent's reply reaches the
// mailbox with the history and threading headers, the visitor's reply
// comes back over SMTP once even when delivered twice, forged and failing
// mail is quarantined, the transcript goes out once when the conversation
// closes, and a manual transcript with a custom subject is recorded.
func TestEmailContinuation(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	addr := "ada-" + uuid.NewString()[:8] + "@visitor.test"

	if _, err := chatclient.SendMessage(wait(t), tab, "", "Where is my order <#42>?"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID

	// Email capture (W6): the address is validated.
	var bad *chatclient.APIError
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": "ada@visitor.test\r\nBcc: eve@evil.test"}, nil); !errors.As(err, &bad) || bad.Status != http.StatusBadRequest {
		t.Fatalf("a malformed address was accepted: %v", err)
	}
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr, "name": "Ada Lovelace", "pageUrl": "https://shop.example.com/orders?id=42"}, nil); err != nil {
		t.Fatal(err)
	}
	// The owner of the address confirms it (transcripts go to confirmed
	// addresses only).
	confirmAddress(t, addr)

	alice := newAgent(t, "alice")
	if _, err := alice.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Reply(wait(t), convID, "Let me check that for you."); err != nil {
		t.Fatal(err)
	}

	// Online: chat; offline with a known address: email.
	if th := getThread(t, alice, convID); th.Conversation.SuggestedChannel != "chat" || th.Conversation.ContactEmail != addr {
		t.Fatalf("visitor online: summary = %+v, want chat suggested and the contact's address", th.Conversation)
	}
	tab.Close()
	eventually(t, "email suggested once the visitor is offline", func() error {
		if s := getThread(t, alice, convID).Conversation; s.SuggestedChannel != "email" {
			return fmt.Errorf("suggestedChannel = %q", s.SuggestedChannel)
		}
		return nil
	})

	// The agent continues by email.
	reply, err := emailReply(t, alice, convID, "Your order ships today & arrives <Friday>.")
	if err != nil {
		t.Fatal(err)
	}
	if reply.Channel != "email" {
		t.Errorf("reply channel = %q, want email", reply.Channel)
	}
	sent := mailTo(t, addr, "Your conversation")
	if len(sent) != 1 {
		t.Fatalf("mailbox holds %d messages to %s, want 1", len(sent), addr)
	}
	m := sent[0]
	from, err := mail.ParseAddress(m.Headers["From"])
	if err != nil || from.Address != "chat@example.com" || !strings.Contains(from.Name, "Alice") {
		t.Errorf("From = %q, want Alice's name and the channel's sender address", m.Headers["From"])
	}
	to, err := mail.ParseAddress(m.Headers["To"])
	if err != nil || to.Address != addr || to.Name != "Ada Lovelace" {
		t.Errorf("To = %q", m.Headers["To"])
	}
	replyTo := m.Headers["Reply-To"]
	if !strings.HasPrefix(replyTo, "reply+") || !strings.HasSuffix(replyTo, "@reply.example.com") {
		t.Fatalf("Reply-To = %q, want reply+<token>@reply.example.com", replyTo)
	}
	if !strings.HasPrefix(m.Headers["Message-Id"], "<"+convID) {
		t.Errorf("Message-ID = %q", m.Headers["Message-Id"])
	}
	for _, want := range []string{"Your order ships today & arrives <Friday>.", "Where is my order <#42>?", "Let me check that for you.", "https://shop.example.com/orders?id=42"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.HTML, "<Friday>") || !strings.Contains(m.HTML, "&lt;Friday&gt;") || !strings.Contains(m.HTML, "&lt;#42&gt;") {
		t.Errorf("HTML part does not escape the messages:\n%s", m.HTML)
	}

	// The visitor answers from a mail client, quoting the history; the same
	// mail arrives twice.
	quoted := "Great, thanks a lot!\n\nOn Sat, 21 Nov 2026 at 19:42, Alice <chat@example.com> wrote:\n> Your order ships today.\n> Where is my order?\n"
	answerID := uuid.NewString() + "@mail.visitor.test"
	inReplyTo := strings.Trim(m.Headers["Message-Id"], "<>")
	for range 2 {
		sendSMTP(t, addr, replyTo, replyMail(addr, replyTo, answerID, inReplyTo, "", quoted))
	}
	th := getThread(t, alice, convID)
	if n := countBodies(th.Messages, "Great, thanks a lot!"); n != 1 {
		t.Fatalf("the reply appears %d times in the thread, want once:\n%+v", n, th.Messages)
	}
	last := th.Messages[len(th.Messages)-1]
	if last.Channel != "email" || last.Author.Type != "visitor" {
		t.Errorf("emailed reply = %+v, want a visitor message on the email channel", last)
	}

	// A forged reply address, a failing DMARC verdict and a stranger using
	// a genuine reply address are quarantined, never posted.
	forged := "reply+a" + strings.Repeat("b", 45) + "@reply.example.com"
	sendSMTP(t, addr, forged, replyMail(addr, forged, uuid.NewString()+"@x", inReplyTo, "", "Forged hello"))
	sendSMTP(t, addr, replyTo, replyMail(addr, replyTo, uuid.NewString()+"@x", inReplyTo, "X-Parley-Local-Verdict: dmarc=fail\n", "Spoofed hello"))
	sendSMTP(t, "eve@evil.test", replyTo, strings.Replace(replyMail("eve@evil.test", replyTo, uuid.NewString()+"@x", inReplyTo, "", "Stranger hello"), "Ada Lovelace", "Eve", 1))
	th = getThread(t, alice, convID)
	for _, body := range []string{"Forged hello", "Spoofed hello", "Stranger hello"} {
		if n := countBodies(th.Messages, body); n != 0 {
			t.Errorf("%q was posted to the thread", body)
		}
	}
	reasons := map[string]string{}
	for _, q := range quarantine(t, alice) {
		reasons[q.Preview] = q.Reason
	}
	for body, want := range map[string]string{"Forged hello": "forged", "Spoofed hello": "DMARC", "Stranger hello": "not the conversation's contact"} {
		if !strings.Contains(reasons[body], want) {
			t.Errorf("quarantine reason for %q = %q, want it to mention %q", body, reasons[body], want)
		}
	}

	// Closing writes the close into the seq stream; the table's stream hands
	// it to the publisher, which puts conversation.closed on the bus, and the
	// bus's rule invokes the transcript consumer: one email arrives.
	closed, err := alice.Act(wait(t), convID, "close", nil)
	if err != nil {
		t.Fatal(err)
	}
	transcripts := mailTo(t, addr, email.DefaultTranscriptSubject)
	for deadline := time.Now().Add(15 * time.Second); len(transcripts) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		transcripts = mailTo(t, addr, email.DefaultTranscriptSubject)
	}
	if len(transcripts) != 1 {
		t.Fatalf("%d transcripts in the mailbox after the close, want 1", len(transcripts))
	}
	// Delivery is at least once: the same event twice more sends nothing.
	ev := map[string]any{
		"version": "0", "id": uuid.NewString(), "detail-type": "conversation.closed", "source": "parley.chat",
		"account": "000000000000", "time": time.Now().UTC().Format(time.RFC3339), "region": "us-east-1", "resources": []string{},
		"detail": map[string]any{
			"version": "1", "id": fmt.Sprintf("%s:%d", convID, closed.LastSeq), "conversationId": convID, "seq": closed.LastSeq,
			"occurredAt": time.Now().UTC().Format(time.RFC3339Nano), "channelId": "main", "inboxId": "main", "reason": "agent",
			"actor": map[string]string{"type": "agent", "id": "alice", "name": "Alice"},
		},
	}
	payload, _ := json.Marshal(ev)
	for range 2 {
		if _, err := cloud.InvokeFunction(wait(t), "TranscriptFunction", payload); err != nil {
			t.Fatalf("TranscriptFunction: %v", err)
		}
	}
	if transcripts = mailTo(t, addr, email.DefaultTranscriptSubject); len(transcripts) != 1 {
		t.Fatalf("%d transcripts after the event was delivered again, want 1", len(transcripts))
	}
	tr := transcripts[0]
	for _, want := range []string{"Where is my order <#42>?", "Great, thanks a lot!", "https://shop.example.com/orders?id=42", "Started "} {
		if !strings.Contains(tr.Text, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr.Text)
		}
	}
	if tr.Headers["Reply-To"] != replyTo {
		t.Errorf("transcript Reply-To = %q, want %q", tr.Headers["Reply-To"], replyTo)
	}

	// Manual transcript (E3) to another address with an edited subject.
	subject := "Résumé de votre conversation n°42"
	var out struct {
		Message chatclient.Message `json:"message"`
	}
	if err := alice.Call(wait(t), http.MethodPost, "/agent/conversations/"+convID+"/transcript",
		map[string]string{"to": "boss@visitor.test", "subject": subject}, &out); err != nil {
		t.Fatal(err)
	}
	if got := mailTo(t, "boss@visitor.test", subject); len(got) != 1 {
		t.Errorf("manual transcript: %d messages with the subject %q to boss@visitor.test", len(got), subject)
	}
	var event struct {
		Type, Email, Subject string
	}
	if err := json.Unmarshal(out.Message.Event, &event); err != nil || out.Message.Kind != "event" || event.Type != "transcript_sent" || event.Subject != subject || event.Email != "boss@visitor.test" {
		t.Errorf("manual transcript recorded as %+v %s", out.Message, out.Message.Event)
	}
	th = getThread(t, alice, convID)
	events := 0
	for _, m := range th.Messages {
		if m.Kind == "event" && strings.Contains(string(m.Event), "transcript_sent") {
			events++
		}
	}
	if events != 2 {
		t.Errorf("%d transcript events in the thread, want 2 (automatic and manual)", events)
	}
	// The visitor's history shows the transcript events without the other
	// address or the agent's subject.
	var history json.RawMessage
	if err := visitor.Call(wait(t), http.MethodGet, "/widget/conversations/"+convID+"/messages?limit=100", nil, &history); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(history), "transcript_sent") || strings.Contains(string(history), "boss@visitor.test") || strings.Contains(string(history), subject) {
		t.Errorf("the visitor's history shows agent-only details:\n%s", history)
	}

	// Answering the transcript reopens the conversation.
	sendSMTP(t, addr, replyTo, replyMail(addr, replyTo, uuid.NewString()+"@mail.visitor.test", "", "", "One more question, please."))
	th = getThread(t, alice, convID)
	if th.Conversation.Status != "open" || countBodies(th.Messages, "One more question, please.") != 1 {
		t.Errorf("after an emailed reply to a closed conversation: status %q, messages %+v", th.Conversation.Status, th.Messages)
	}
}

// TestEmailFromUnknownSender is E4: mail from an address nobody knows opens
// a new conversation for a new contact.
func TestEmailFromUnknownSender(t *testing.T) {
	addr := "newcomer-" + uuid.NewString()[:8] + "@visitor.test"
	body := "Hallo, habt ihr das in Größe M?"
	raw := fmt.Sprintf("From: Nora Neu <%s>\nTo: support@reply.example.com\nSubject: =?utf-8?q?Gr=C3=B6=C3=9Fe_M?=\nMessage-ID: <%s@mail.visitor.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n\n-- \nNora\n", addr, uuid.NewString(), body)
	sendSMTP(t, addr, "support@reply.example.com", raw)
	alice := newAgent(t, "alice")
	found := openConversation(t, alice, "preview", body)
	if found == "" {
		t.Fatalf("no open conversation with the mail's text")
	}
	th := getThread(t, alice, found)
	if th.Conversation.ContactEmail != addr || len(th.Messages) != 1 || th.Messages[0].Channel != "email" || th.Messages[0].Author.Name != "Nora Neu" {
		t.Errorf("new conversation = %+v %+v", th.Conversation, th.Messages)
	}
}

// TestLargeEmailReachesTheConversation: a mail of more than 10 MiB (a
// phone photo of 8 MB is, base64-encoded) sent over SMTP opens a
// conversation with its text; the photo is kept and a file over 10 MB
// noted under it.
func TestLargeEmailReachesTheConversation(t *testing.T) {
	tag := uuid.NewString()[:8]
	addr, name := "photos-"+tag+"@visitor.test", "Pia "+tag
	body := "The parcel arrived broken, photos attached."
	photo := make([]byte, 8<<20)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	raw := mailtest.Mail([]string{"From: " + name + " <" + addr + ">", "To: support@reply.example.com", "Subject: Broken parcel", "Message-ID: <" + uuid.NewString() + "@mail.visitor.test>"},
		mailtest.Multipart("mixed", mailtest.Text(body),
			mailtest.File("parcel.jpg", "image/jpeg", photo), mailtest.File("scan.tiff", "image/tiff", make([]byte, 12<<20))))
	if len(raw) <= 10<<20 {
		t.Fatalf("the mail is %d bytes, want more than 10 MiB", len(raw))
	}
	sendSMTP(t, addr, "support@reply.example.com", strings.ReplaceAll(raw, "\r\n", "\n"))

	alice := newAgent(t, "alice")
	// Its preview is the last message's, the note on the file.
	convID := openConversation(t, alice, "visitorName", name)
	if convID == "" {
		t.Fatalf("no open conversation of %s", name)
	}
	var bodies []string
	for _, m := range getThread(t, alice, convID).Messages {
		bodies = append(bodies, m.Body)
	}
	if diff := cmp.Diff([]string{body, "[attachment scan.tiff was larger than 10 MB and not kept]"}, bodies); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	var files struct {
		Attachments []attachmentInfo `json:"attachments"`
	}
	if err := alice.Call(wait(t), http.MethodGet, "/agent/conversations/"+convID+"/attachments", nil, &files); err != nil {
		t.Fatal(err)
	}
	if len(files.Attachments) != 1 || files.Attachments[0].Filename != "parcel.jpg" || files.Attachments[0].Size != int64(len(photo)) {
		t.Errorf("attachments %+v, want the photo of %d bytes", files.Attachments, len(photo))
	}
}

// TestEmailHeadersShowWhatWasTyped: a transcript subject and a contact
// name holding RFC 2047 encoded-words, one of them carrying CR LF and a
// Bcc header, reach the mailbox exactly as typed: the decoded Subject is
// the agent's text, the decoded To the visitor's name, and no header or
// recipient appears that nobody typed.
func TestEmailHeadersShowWhatWasTyped(t *testing.T) {
	const (
		subject = "=?UTF-8?Q?Your_transcript=0D=0ABcc:_eve@evil.test?="
		name    = "=?utf-8?b?QWRhDQpCY2M6IGV2ZUBldmlsLnRlc3Q=?= Lovelace"
	)
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	if _, err := chatclient.SendMessage(wait(t), tab, "", "Can I have a transcript?"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	addr := "words-" + uuid.NewString()[:8] + "@visitor.test"
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr, "name": name}, nil); err != nil {
		t.Fatal(err)
	}
	alice := newAgent(t, "alice")
	if _, err := alice.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	if err := alice.Call(wait(t), http.MethodPost, "/agent/conversations/"+convID+"/transcript", map[string]string{"subject": subject}, nil); err != nil {
		t.Fatal(err)
	}
	var got []mailboxMessage
	for _, m := range mailbox(t) {
		if len(m.To) > 0 && m.To[0] == addr && strings.Contains(m.Text, "Can I have a transcript?") {
			got = append(got, m)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d transcripts to %s, want 1", len(got), addr)
	}
	m := got[0]
	var dec mime.WordDecoder
	to, err := dec.DecodeHeader(m.Headers["To"])
	if err != nil {
		t.Fatal(err)
	}
	parsedTo, err := mail.ParseAddress(m.Headers["To"])
	if err != nil {
		t.Fatalf("To %q does not parse: %v", m.Headers["To"], err)
	}
	type view struct {
		Subject, To, ToName string
		Recipients          []string
		Bcc, Cc             bool
	}
	_, bcc := m.Headers["Bcc"]
	_, cc := m.Headers["Cc"]
	want := view{Subject: subject, To: name + " <" + addr + ">", ToName: name, Recipients: []string{addr}}
	if diff := cmp.Diff(want, view{m.Subject, to, parsedTo.Name, m.To, bcc, cc}); diff != "" {
		t.Errorf("the transcript as the mailbox decodes it (-want +got):\n%s", diff)
	}
}

// TestEmailBounce is E5: a bounce marks the address undeliverable, the
// inbox says why and the next email is refused.
func TestEmailBounce(t *testing.T) {
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	if _, err := chatclient.SendMessage(wait(t), tab, "", "Please write to me later."); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	tab.Close()
	ben := newAgent(t, "ben")
	// The agent sets the address (an agent's address counts as verified and
	// gets no confirmation email, which would bounce first).
	if err := ben.Call(wait(t), http.MethodPut, "/agent/conversations/"+convID+"/contact", map[string]string{"email": "bounce@simulator.amazonses.com"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := emailReply(t, ben, convID, "Here is the answer you asked for."); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bounce marks the address undeliverable", func() error {
		if s := getThread(t, ben, convID).Conversation; !strings.Contains(s.EmailBlocked, "bounced") || s.SuggestedChannel != "chat" {
			return fmt.Errorf("summary = %+v", s)
		}
		return nil
	})
	before := len(mailTo(t, "bounce@simulator.amazonses.com", ""))
	_, err = emailReply(t, ben, convID, "Did you get it?")
	var apiErr *chatclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || !strings.Contains(apiErr.Message, "undeliverable") {
		t.Fatalf("reply to a bounced address: %v, want 409 naming the address undeliverable", err)
	}
	if after := len(mailTo(t, "bounce@simulator.amazonses.com", "")); after != before {
		t.Errorf("a refused reply still sent an email (%d -> %d)", before, after)
	}
	if countBodies(getThread(t, ben, convID).Messages, "Did you get it?") != 0 {
		t.Errorf("a refused email reply was stored")
	}
}
