package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// mailboxMessage is one entry of the local cloud's mailbox (JSON view).
type mailboxMessage struct {
	To      []string          `json:"to"`
	Subject string            `json:"subject"`
	Headers map[string]string `json:"headers"`
	Text    string            `json:"text"`
}

// waitMail polls the local mailbox until a message to addr whose subject
// contains subject and whose text contains text arrives.
func waitMail(t *testing.T, addr, subject, text string) mailboxMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(cloud.Endpoints().Mailbox + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var box struct {
			Messages []mailboxMessage `json:"messages"`
		}
		err = json.NewDecoder(resp.Body).Decode(&box)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range box.Messages {
			for _, to := range m.To {
				if strings.EqualFold(to, addr) && strings.Contains(m.Subject, subject) && strings.Contains(m.Text, text) {
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s with subject %q and text %q in the local mailbox (%d messages)", addr, subject, text, len(box.Messages))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mailIn mails text from the address from to the inbox, through the
// local SMTP listener: a conversation by email.
func mailIn(t *testing.T, from, subject, text string) {
	t.Helper()
	raw := fmt.Sprintf("From: <%s>\r\nTo: hello@reply.example.com\r\nSubject: %s\r\nMessage-ID: <%s@visitor.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, subject, uuid.NewString(), time.Now().Format(time.RFC1123Z), text)
	if err := smtp.SendMail(cloud.Endpoints().SMTP, nil, from, []string{"hello@reply.example.com"}, []byte(raw)); err != nil {
		t.Fatalf("SMTP: %v", err)
	}
}

// startChat opens the demo site in tab, opens the chat and sends body;
// it returns the chat window.
func startChat(t *testing.T, tab context.Context, body string) context.Context {
	t.Helper()
	step(t, tab, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite))
	step(t, tab, "open the chat", chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, tab)
	typeInto(t, chat, "textarea.input", body+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	return chat
}

// giveEmail fills the widget's email capture card and saves it.
func giveEmail(t *testing.T, chat context.Context, addr string) {
	t.Helper()
	waitFor(t, chat, "the email prompt shows after the first message", `document.querySelector(".log .capture") !== null`)
	step(t, chat, "type the address", chromedp.SetValue(chromedp.CSS("#cap-email"), addr), chromedp.Click(chromedp.CSS(".cap-save")))
	waitFor(t, chat, "the saved address shows", `!document.querySelector(".cap-bar").hidden && document.querySelector(".cap-bar").textContent.includes(`+js(addr)+`) && document.querySelector(".log .capture") === null`)
}

// openConversation clicks the inbox's list item whose preview holds text.
func openConversation(t *testing.T, agent context.Context, text string) {
	t.Helper()
	cond := `[...document.querySelectorAll(".item")].find(i => i.textContent.includes(` + js(text) + `))`
	waitFor(t, agent, "the conversation is listed", cond)
	eval[bool](t, agent, `(`+cond+`).click() || true`)
	waitFor(t, agent, "the thread shows", `document.querySelector(".tlog") && document.querySelector(".tlog").textContent.includes(`+js(text)+`)`)
}

// closeThread closes the conversation the inbox's thread shows.
func closeThread(t *testing.T, agent context.Context) {
	t.Helper()
	eval[bool](t, agent, `([...document.querySelectorAll(".thead .actions button")].find(b => b.textContent === "Close").click(), true)`)
}

const emailPressed = `document.querySelector('.channel-switch [data-channel="email"]').getAttribute("aria-pressed") === "true"`

// TestEmailCaptureAndReplyByEmail: the visitor leaves an address in the
// widget (a bad one first), goes offline; the inbox switches the reply
// editor to email by itself, the reply reaches the mailbox and shows with
// the Email label. Closed, the conversation's transcript goes to another
// address with an edited subject and shows as an event.
func TestEmailCaptureAndReplyByEmail(t *testing.T) {
	browser := newBrowser(t)
	visitor, leave := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(leave)
	if err := chromedp.Do(visitor, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	agent := newTab(t, browser)
	addr := "grace-" + uuid.NewString()[:8] + "@visitor.test"

	chat := startChat(t, visitor, "Can you email me the invoice for order 1815?")

	// Email capture: a bad address is refused with a clear message.
	waitFor(t, chat, "the email prompt shows after the first message", `document.querySelector(".log .capture") !== null`)
	step(t, chat, "type a bad address", chromedp.SetValue(chromedp.CSS("#cap-email"), "grace at home"), chromedp.Click(chromedp.CSS(".cap-save")))
	waitFor(t, chat, "the error shows", `!document.querySelector(".cap-err").hidden && document.querySelector(".cap-err").textContent.includes("valid email address") && document.querySelector("#cap-email").getAttribute("aria-invalid") === "true"`)
	giveEmail(t, chat, addr)
	waitFor(t, chat, "the widget asks to confirm the address", `document.querySelector(".cap-bar").textContent.includes("confirm")`)
	waitMail(t, addr, "Confirm your email address", "")
	screenshot(t, visitor, "widget-email.png")

	// The agent opens it: the visitor is online, so chat is suggested, and
	// the contact's address shows.
	signIn(t, agent, "alice")
	openConversation(t, agent, "invoice for order 1815")
	waitFor(t, agent, "the address shows, unconfirmed", `document.querySelector(".thead .contact-addr").textContent === `+js(addr)+` && document.querySelector(".thead .pill.unconfirmed") !== null`)
	waitFor(t, agent, "the contact's sidebar calls it the same", `document.querySelector(".thead .pill.unconfirmed").textContent === "Unconfirmed" &&
		[...document.querySelectorAll(".csb-facts dd")].some(d => d.textContent === `+js(addr+"Unconfirmed")+`)`)
	waitFor(t, agent, "chat is suggested while the visitor is online", `document.querySelector('.channel-switch [data-channel="chat"]').getAttribute("aria-pressed") === "true" && !document.querySelector('.channel-switch [data-channel="email"]').disabled`)

	// The visitor leaves: the editor switches to email, live.
	leave() // the visitor closes the tab
	waitFor(t, agent, "email is suggested once the visitor is offline", emailPressed+` && document.querySelector(".presence").textContent === "Offline"`)
	waitFor(t, agent, "the editor says where the email goes", `document.querySelector(".channel-note").textContent.includes(`+js(addr)+`) && document.querySelector(".composer .primary").textContent === "Send email"`)
	typeInto(t, agent, "textarea.reply", "Here it is: invoice 1815 is attached to your account.\r")
	m := waitMail(t, addr, "", "invoice 1815 is attached")
	if !strings.Contains(m.Text, "Can you email me the invoice for order 1815?") {
		t.Errorf("the email lacks the conversation's history:\n%s", m.Text)
	}
	waitFor(t, agent, "the reply shows with the Email label", `[...document.querySelectorAll(".tlog .msg")].some(r => r.textContent.includes("invoice 1815 is attached") && r.querySelector(".channel.email")?.textContent === "Email" && !r.classList.contains("pending"))`)
	// The editor's buttons, at their widest (email, and the meetings link
	// a channel may have shown too), stay within its column beside the
	// contact's sidebar.
	if !eval[bool](t, agent, `(() => {
		const hidden = [...document.querySelectorAll(".composer-bar > [hidden]")];
		hidden.forEach((e) => (e.hidden = false));
		const edge = document.querySelector(".csb").getBoundingClientRect().left;
		const fits = [...document.querySelectorAll(".composer-bar > *")].every((e) => e.getBoundingClientRect().right <= edge);
		hidden.forEach((e) => (e.hidden = true));
		return fits;
	})()`) {
		t.Error("the reply editor's buttons overflow its column")
	}
	screenshot(t, agent, "inbox-email.png")

	// Closed: a manual transcript to another address, subject edited.
	step(t, agent, "close", chromedp.Click(chromedp.CSS(`.actions button:last-child`)))
	waitFor(t, agent, "the closed note offers a transcript", `!document.querySelector(".closed-note").hidden`)
	step(t, agent, "open the transcript dialog", chromedp.Click(chromedp.CSS(".closed-note button")))
	waitFor(t, agent, "the dialog offers the contact's address", `document.querySelector("dialog[open] label[for=t-to-contact]").textContent === `+js(addr)+` && document.querySelector("#t-to-contact").checked`)
	other := "accounts-" + uuid.NewString()[:8] + "@visitor.test"
	subject := "Invoice 1815: our conversation"
	step(t, agent, "choose another address and edit the subject",
		chromedp.Click(chromedp.CSS("#t-to-other")),
		chromedp.SetValue(chromedp.CSS("#t-other"), other),
		chromedp.SetValue(chromedp.CSS("#t-subject"), subject),
		chromedp.Click(chromedp.CSS(`dialog[open] button[type=submit]`)))
	tr := waitMail(t, other, subject, "invoice 1815 is attached")
	waitFor(t, agent, "the transcript event shows", `[...document.querySelectorAll(".tlog .event.transcript")].some(e => e.textContent.includes("emailed the transcript to `+other+`") && e.textContent.includes(`+js(subject)+`))`)
	// The event may come over the socket before the answer that closes the dialog.
	waitFor(t, agent, "the transcript dialog closes after sending", `!document.querySelector("dialog[open]")`)

	// The visitor answers by email: the conversation reopens, and the thread
	// says so before the emailed message.
	replyTo := tr.Headers["Reply-To"]
	raw := fmt.Sprintf("From: Grace <%s>\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <%s@visitor.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThanks, found it!\r\n",
		addr, replyTo, subject, uuid.NewString(), time.Now().Format(time.RFC1123Z))
	if err := smtp.SendMail(cloud.Endpoints().SMTP, nil, addr, []string{replyTo}, []byte(raw)); err != nil {
		t.Fatalf("SMTP: %v", err)
	}
	waitFor(t, agent, "the reopen by email shows", `[...document.querySelectorAll(".tlog .event")].some(e => e.textContent.includes("reopened the conversation by email"))`)
	waitFor(t, agent, "the emailed answer shows with the Email label", `[...document.querySelectorAll(".tlog .msg.from-visitor")].some(r => r.textContent.includes("Thanks, found it!") && r.querySelector(".channel.email"))`)
	waitFor(t, agent, "the composer is back", `!document.querySelector(".composer").hidden`)

	// A mail that is only the quote is shown whole, with a note saying so.
	raw = fmt.Sprintf("From: Grace <%s>\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <%s@visitor.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Alice <chat@example.com> wrote:\r\n> Invoice 1815 is attached.\r\n",
		addr, replyTo, subject, uuid.NewString(), time.Now().Format(time.RFC1123Z))
	if err := smtp.SendMail(cloud.Endpoints().SMTP, nil, addr, []string{replyTo}, []byte(raw)); err != nil {
		t.Fatalf("SMTP: %v", err)
	}
	waitFor(t, agent, "the quote-only mail shows whole, with the note", `[...document.querySelectorAll(".tlog .msg.from-visitor")].some(r => r.querySelector(".body").textContent.includes("> Invoice 1815 is attached.") && r.querySelector(".extraction-note")?.textContent === "Shown in full: the reply could not be separated from the quote.")`)
}

// TestEmailUndeliverable: an address that bounces makes the email option
// unavailable, with the reason.
func TestEmailUndeliverable(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	startChat(t, visitor, "Please write to me about the espresso grinder")

	// The agent records the address the visitor dictates: it bounces.
	signIn(t, agent, "alice")
	openConversation(t, agent, "espresso grinder")
	step(t, agent, "add the address", chromedp.Click(chromedp.CSS(".thead .contact .link")))
	step(t, agent, "type it", chromedp.SetValue(chromedp.CSS("#c-email"), "bounce@simulator.amazonses.com"), chromedp.Click(chromedp.CSS(`dialog[open] button[type=submit]`)))
	waitFor(t, agent, "the address shows, vouched for by the agent", `document.querySelector(".thead .contact-addr").textContent === "bounce@simulator.amazonses.com" && document.querySelector(".thead .pill.unconfirmed") === null`)
	// The visitor is online: chat is suggested; the agent picks email.
	waitFor(t, agent, "email is possible", `!document.querySelector('.channel-switch [data-channel="email"]').disabled`)
	step(t, agent, "choose email", chromedp.Click(chromedp.CSS(`.channel-switch [data-channel="email"]`)))
	waitFor(t, agent, "email is chosen", emailPressed)
	typeInto(t, agent, "textarea.reply", "The grinder ships next week.\r")
	waitFor(t, agent, "the email reply shows", `[...document.querySelectorAll(".tlog .msg")].some(r => r.textContent.includes("The grinder ships next week.") && r.querySelector(".channel.email"))`)

	// SES's simulator bounces it; reading the thread again shows why email
	// is no longer offered.
	deadline := time.Now().Add(20 * time.Second)
	for {
		// The list redraws live, so the click goes through the page.
		eval[bool](t, agent, `document.querySelector('.item[aria-current="true"]').click() || true`)
		waitFor(t, agent, "the thread shows", `document.querySelector(".tlog").textContent.includes("The grinder ships next week.")`)
		ok := eval[bool](t, agent, `document.querySelector('.channel-switch [data-channel="email"]').disabled`)
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bounce never made the address undeliverable in the inbox")
		}
		time.Sleep(300 * time.Millisecond)
	}
	waitFor(t, agent, "the reason shows", `document.querySelector(".channel-note").textContent.startsWith("Email unavailable: address undeliverable: bounce@simulator.amazonses.com is undeliverable") && document.querySelector(".thead .pill.bad") !== null`)
	waitFor(t, agent, "chat is chosen", `document.querySelector('.channel-switch [data-channel="chat"]').getAttribute("aria-pressed") === "true"`)
}

// TestContactEditInInbox: the agent adds the visitor's address from the
// thread's header, after a refused one.
func TestContactEditInInbox(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	startChat(t, visitor, "My colleague will follow up about the wholesale prices")

	signIn(t, agent, "alice")
	openConversation(t, agent, "wholesale prices")
	waitFor(t, agent, "no address yet", `document.querySelector(".thead .contact.none") !== null && document.querySelector('.channel-switch [data-channel="email"]').disabled && document.querySelector(".channel-note").textContent.includes("no email address")`)
	step(t, agent, "add an address", chromedp.Click(chromedp.CSS(".thead .contact .link")))
	step(t, agent, "a bad address", chromedp.SetValue(chromedp.CSS("#c-email"), "someone@"), chromedp.Click(chromedp.CSS(`dialog[open] button[type=submit]`)))
	waitFor(t, agent, "the error shows", `!document.querySelector("dialog[open] .error").hidden`)
	addr := "buyer-" + uuid.NewString()[:8] + "@visitor.test"
	step(t, agent, "a good address", chromedp.SetValue(chromedp.CSS("#c-email"), addr), chromedp.Click(chromedp.CSS(`dialog[open] button[type=submit]`)))
	waitFor(t, agent, "the address shows", `!document.querySelector("dialog[open]") && document.querySelector(".thead .contact-addr").textContent === `+js(addr)+` && !document.querySelector('.channel-switch [data-channel="email"]').disabled`)
}

// TestQuarantineView: mail that fails DMARC, sent through the local SMTP
// listener, is listed in the inbox's quarantine with its reason.
func TestQuarantineView(t *testing.T) {
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")

	marker := "Quarantine me " + uuid.NewString()[:8]
	from := "mallory@spoofed.test"
	raw := fmt.Sprintf("From: Mallory <%s>\r\nTo: hello@reply.example.com\r\nSubject: Urgent: pay this invoice\r\nMessage-ID: <%s@spoofed.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\nX-Parley-Local-Verdict: dmarc=fail\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, uuid.NewString(), time.Now().Format(time.RFC1123Z), marker)
	if err := smtp.SendMail(cloud.Endpoints().SMTP, nil, from, []string{"hello@reply.example.com"}, []byte(raw)); err != nil {
		t.Fatalf("SMTP: %v", err)
	}

	step(t, agent, "open the quarantine", chromedp.Click(chromedp.CSS(".quarantine-btn")))
	item := `[...document.querySelectorAll(".q-item")].find(i => i.textContent.includes(` + js(marker) + `))`
	deadline := time.Now().Add(20 * time.Second)
	for !eval[bool](t, agent, "!!"+item) {
		if time.Now().After(deadline) {
			t.Fatal("the quarantined mail is not listed")
		}
		step(t, agent, "refresh", chromedp.Click(chromedp.CSS(".q-head button")))
		time.Sleep(200 * time.Millisecond)
	}
	waitFor(t, agent, "it shows sender, subject and reason", `(() => { const i = `+item+`; return i.querySelector(".q-from").textContent === `+js(from)+` && i.querySelector(".q-subject").textContent === "Urgent: pay this invoice" && i.querySelector(".q-reason").textContent.includes("DMARC") })()`)
	if !eval[bool](t, agent, `document.querySelector(".quarantine-btn").getAttribute("aria-pressed") === "true"`) {
		t.Error("the quarantine button does not show it is the current view")
	}
	screenshot(t, agent, "inbox-quarantine.png")
}
