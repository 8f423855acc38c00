package browser

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sweep makes the local cloud's clock pass d and fires the inactivity
// schedule, as the scheduled rule does every minute.
func sweep(t *testing.T, d time.Duration) {
	t.Helper()
	if err := cloud.Advance(d); err != nil {
		t.Fatal(err)
	}
	if err := cloud.FireSchedule("InactivitySweeperFunction.Sweep"); err != nil {
		t.Fatalf("sweep: %v", err)
	}
}

// TestInactivityInWidgetAndInbox: a visitor goes quiet; the warning shows
// in the widget as a notice (not an agent's bubble) and in the inbox; the
// close for inactivity shows the closed state, says why on both sides, and
// the visitor can start a new conversation.
func TestInactivityInWidgetAndInbox(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	chat := startChat(t, visitor, "Do you roast on Mondays?")
	signIn(t, agent, "alice")
	openConversation(t, agent, "roast on Mondays")

	// 28 quiet minutes: the warning (the default timeout is 30 minutes,
	// the warning 2 minutes before).
	sweep(t, 28*time.Minute+time.Second)
	waitFor(t, chat, "the warning shows as a notice", `(() => { const w = document.querySelector(".log .warn"); return w && w.getAttribute("role") === "note" && w.textContent.includes("2 minutes") && !w.closest(".row") })()`)
	if n := eval[int](t, chat, `document.querySelectorAll(".log .row.theirs").length`); n != 1 {
		t.Errorf("the widget shows %d agent-side bubbles, want only the greeting", n)
	}
	if !eval[bool](t, chat, `!document.querySelector(".composer").hidden`) {
		t.Error("the composer is hidden after the warning")
	}
	waitFor(t, agent, "the inbox shows the warning", `document.querySelector(".tlog .event-warning")?.textContent.includes("warned")`)
	screenshot(t, visitor, "widget-warning.png")

	// Two more minutes: closed for inactivity.
	sweep(t, 2*time.Minute)
	waitFor(t, chat, "the closed state shows", `!document.querySelector(".ended").hidden && document.querySelector(".composer").hidden`)
	waitFor(t, chat, "the close says why", `document.querySelector(".log").textContent.includes("closed after a period of inactivity")`)
	waitFor(t, agent, "the inbox says why", `document.querySelector(".tlog .event.inactivity")?.textContent.includes("Closed after 30 minutes without a reply from the visitor")`)

	step(t, chat, "start a new conversation", chromedp.Click(chromedp.CSS(".start-new")))
	typeInto(t, chat, "textarea.input", "Back again: and on Fridays?\r")
	waitFor(t, chat, "the new conversation starts", `document.querySelector(".receipt").textContent === "Sent" && !document.querySelector(".log .warn")`)
}
