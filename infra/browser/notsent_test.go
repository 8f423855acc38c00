package browser

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// TestFailedEmailReplyAndNoteStay: in a conversation that came by email,
// the network fails every try of two email replies and a note. Each
// stays in the thread, marked, saying why, with Try again and Edit. Try
// again sends an email reply and the note with the client ids they were
// tried with: each is stored, and the reply emailed, once. Edit puts the
// other reply back into the editor, as an email reply, to be sent anew.
func TestFailedEmailReplyAndNoteStay(t *testing.T) {
	tag := uuid.NewString()[:8]
	from := "not-sent-" + tag + "@visitor.test"
	mailIn(t, from, "Order "+tag, "Where is order "+tag+"?")
	agent := newTab(t, newBrowser(t))
	signIn(t, agent, "alice")
	openConversation(t, agent, "Where is order "+tag)
	waitFor(t, agent, "email is chosen", emailPressed)
	id := eval[string](t, agent, `location.hash.slice("#/c/".length)`)
	sends := holdRequests(t, agent, "*/agent/conversations/"+id+"/messages", "*/agent/conversations/"+id+"/notes")

	retried, edited, note := "Sent again "+tag, "Edited "+tag, "A note "+tag
	for _, body := range []string{retried, edited, note} {
		if body == note {
			step(t, agent, "switch to a note", chromedp.Click(chromedp.CSS(`.mode-switch [data-mode="note"]`)))
		}
		typeInto(t, agent, "textarea.reply", body)
		step(t, agent, "send "+body, pressEnter)
	}

	row := func(body string) string {
		return `[...document.querySelectorAll(".tlog .msg")].find(m => m.querySelector(".body")?.textContent === ` + js(body) + `)`
	}
	notSent := func(body string) string {
		return `(r => r?.classList.contains("failed") && /^Not sent: no connection to the server; check the network/.test(r.querySelector(".not-sent span")?.textContent) &&
			[...r.querySelectorAll(".not-sent button")].map(b => b.textContent).join() === "Try again,Edit")(` + row(body) + `)`
	}
	tried := map[string][]string{}
	for _, r := range sends.failUntil("each stays in the thread, not sent, with why", notSent(retried)+` && `+notSent(edited)+` && `+notSent(note)) {
		var sent struct{ ClientID, Body string }
		sentJSON(t, r, &sent)
		tried[sent.Body] = append(tried[sent.Body], sent.ClientID)
	}
	for _, body := range []string{retried, edited, note} {
		if ids := slices.Compact(slices.Clone(tried[body])); len(ids) != 1 {
			t.Errorf("%q was tried with the client ids %v, want one", body, tried[body])
		}
	}
	if got := eval[string](t, agent, `document.querySelector("textarea.reply").value`); got != "" {
		t.Errorf("the editor holds %q, want it empty: the failed ones are in the thread", got)
	}

	click := func(body, button string) {
		t.Helper()
		eval[bool](t, agent, `[...`+row(body)+`.querySelectorAll(".not-sent button")].find(b => b.textContent === `+js(button)+`).click() || true`)
	}
	for _, body := range []string{retried, note} {
		click(body, "Try again")
		r := sends.nextRequest("the try again of " + body)
		var sent struct{ ClientID, Body string }
		sentJSON(t, r, &sent)
		if sent.Body != body || sent.ClientID != tried[body][0] {
			t.Errorf("Try again sent %q with client id %s, want %q with %s", sent.Body, sent.ClientID, body, tried[body][0])
		}
		sends.pass(r.RequestID)
	}
	waitFor(t, agent, "the reply is sent by email", `(r => r && !r.matches(".pending, .failed") && !r.querySelector(".not-sent") && r.querySelector(".channel.email"))(`+row(retried)+`)`)
	waitFor(t, agent, "the note is added", `(r => r?.matches(".note") && !r.matches(".pending, .failed") && !r.querySelector(".not-sent"))(`+row(note)+`)`)
	waitMail(t, from, "", retried)

	click(edited, "Edit")
	waitFor(t, agent, "the editor holds the reply again, by email", `document.querySelector("textarea.reply").value === `+js(edited)+` &&
		document.activeElement === document.querySelector("textarea.reply") && !document.querySelector(".composer.note-mode") && `+emailPressed+` && !(`+row(edited)+`)`)
	step(t, agent, "send it", pressEnter)
	sends.release(sends.next("the edited reply"))
	waitFor(t, agent, "the edited reply is sent by email", `(r => r && !r.matches(".pending, .failed") && r.querySelector(".channel.email"))(`+row(edited)+`)`)
	waitMail(t, from, "", edited)

	got, err := apiAgent(t, "alice").Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, m := range got.Messages {
		if m.Author.Type == "agent" {
			stored[m.Body]++
		}
	}
	if diff := cmp.Diff(map[string]int{retried: 1, note: 1, edited: 1}, stored); diff != "" {
		t.Errorf("the agent's messages stored (-want +got):\n%s", diff)
	}
	mailed := map[string]int{}
	for _, m := range cloud.Mailbox() {
		if slices.Contains(m.To, from) {
			mailed[strings.SplitN(m.Text, "\n", 2)[0]]++
		}
	}
	if diff := cmp.Diff(map[string]int{retried: 1, edited: 1}, mailed); diff != "" {
		t.Errorf("the replies mailed (-want +got):\n%s", diff)
	}
	for _, body := range []string{retried, edited, note} {
		if n := eval[int](t, agent, `[...document.querySelectorAll(".tlog .body")].filter(b => b.textContent === `+js(body)+`).length`); n != 1 {
			t.Errorf("the thread shows %q %d times, want once", body, n)
		}
	}
}
