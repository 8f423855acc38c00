package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWidgetBurstKeepsOrder: a new visitor sends several messages in one
// go, before the first is answered. They land in one conversation, in the
// order written, each shown once and none left pending: the widget sends
// one at a time, the next with the conversation the first one started.
// (It leaves an unread conversation in the inbox: its file sorts after the
// tests that read the inbox's unread dots.)
func TestWidgetBurstKeepsOrder(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	step(t, visitor, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite))
	step(t, visitor, "open the chat", chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, visitor)
	waitFor(t, chat, "the chat is connected", `document.querySelector(".notice").hidden && document.querySelector(".head-name").textContent !== ""`)
	eval[bool](t, chat, `(() => {
		const input = document.querySelector("textarea.input"), form = document.querySelector("form.composer");
		for (const body of ["first", "second", "third", "fourth", "fifth"]) {
			input.value = "burst " + body;
			form.requestSubmit();
		}
		return true;
	})()`)
	waitFor(t, chat, "every message is stored, once, in the order written",
		`[...document.querySelectorAll(".log .row.mine .bubble")].map(b => b.textContent).join("|") === "burst first|burst second|burst third|burst fourth|burst fifth" && document.querySelector(".log .pending") === null && document.querySelector(".receipt").textContent === "Sent"`)
}
