package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/settings"
)

// TestSatisfactionSurvey: on a channel with the survey on, the agent
// closes the conversation and the open widget asks "How was this
// conversation?" (its chunk loaded only then). The visitor picks a score
// with the keyboard (a radio group: arrow keys move), writes a comment and
// sends; the agent viewing the thread sees the rating as a line of the
// thread and in the contact panel, live. The visitor changes the rating:
// both follow.
func TestSatisfactionSurvey(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := newChannel(t, "main", "Survey "+tag, func(c doc) { c["csat"] = true })
	first := "Where is my order " + tag
	// Every function's settings cache has the channel as saved.
	if err := cloud.Advance(settings.CacheTTL); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t)
	agent := newTab(t, b)
	signIn(t, agent, "ben")
	site := newTab(t, b)
	step(t, site, "open a page of the site", chromedp.Navigate(sitePage(t, embed(ch["id"].(string)))), chromedp.WaitVisible(launcher))
	step(t, site, "open the chat", chromedp.Click(launcher))
	chat := frame(t, site)
	waitFor(t, chat, "the chat is ready", `!document.querySelector("textarea.input").closest("[hidden]")`)
	typeInto(t, chat, "textarea.input", first+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	if eval[bool](t, chat, `[...performance.getEntriesByType("resource")].some(e => /\/survey-[^/]*\.js$/.test(e.name))`) {
		t.Error("the survey's chunk loaded before any close asked for it")
	}

	openConversation(t, agent, first)
	closeThread(t, agent)
	waitFor(t, agent, "the close says the visitor was asked", `document.querySelector(".tlog").textContent.includes("the visitor was asked for a rating")`)

	waitFor(t, chat, "the widget asks", `(() => { const s = document.querySelector("form.survey");
		return s && s.querySelector("legend").textContent === "How was this conversation?" && s.querySelectorAll("input[type=radio][name=sv-score]").length === 5 &&
			s.querySelector("input[value='1']").getAttribute("aria-label") === "1 – Very bad" })()`)
	eval[bool](t, chat, `(document.querySelector("form.survey input[value='1']").focus(), true)`)
	step(t, chat, "move to 4 with the arrow keys", chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight))
	waitFor(t, chat, "4 is chosen", `document.querySelector("form.survey input:checked")?.value === "4"`)
	typeInto(t, chat, "textarea.sv-comment", "Helpful <b>and</b> quick")
	step(t, chat, "send the rating", chromedp.Click(chromedp.CSS("button.sv-send")))
	waitFor(t, chat, "the widget thanks", `document.querySelector(".sv-status").textContent.startsWith("Thank you for your feedback!")`)
	waitFor(t, chat, "the thanks scrolls into view", `(() => { const s = document.querySelector(".sv-status").getBoundingClientRect(), l = document.querySelector(".log").getBoundingClientRect();
		return s.top >= l.top && s.bottom <= l.bottom + 1 })()`)
	screenshot(t, site, "csat-widget.png")

	waitFor(t, agent, "the thread shows the rating", `(() => { const r = document.querySelector(".tlog .event-rating");
		return r && r.textContent.includes("rated the conversation 4 of 5") && r.querySelector(".quote").textContent === "Helpful <b>and</b> quick" })()`)
	waitFor(t, agent, "the contact panel shows it", `(() => { const r = document.querySelector(".csb-rating");
		return r && r.querySelector(".csb-score strong").textContent === "4 of 5" && r.querySelector(".csb-quote").textContent === "Helpful <b>and</b> quick" })()`)
	screenshot(t, agent, "csat-thread.png")

	// The visitor changes its mind.
	eval[bool](t, chat, `(document.querySelector("form.survey input[value='2']").click(), true)`)
	step(t, chat, "send again", chromedp.Click(chromedp.CSS("button.sv-send")))
	waitFor(t, agent, "the thread shows the change", `[...document.querySelectorAll(".tlog .event-rating")].some(r => r.textContent.includes("changed the rating to 2 of 5"))`)
	waitFor(t, agent, "the contact panel follows", `document.querySelector(".csb-rating .csb-score strong")?.textContent === "2 of 5"`)
	if !eval[bool](t, agent, `document.querySelectorAll(".tlog b, .csb b").length === 0`) {
		t.Error("the inbox rendered markup from the comment")
	}
}
