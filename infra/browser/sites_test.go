package browser

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/settings"
)

// TestChatOnlyOnListedSites: a page of the demo site embeds a channel
// that lists the site, and the visitor chats. An admin takes the site off
// the channel's list (no redeploy): once the settings cache has passed,
// a visitor opening the chat there reads that it is not available on this
// website and has nothing to type into. Put back, the chat works again.
func TestChatOnlyOnListedSites(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := newChannel(t, "main", "Sites "+tag, nil)
	page := sitePage(t, embed(ch["id"].(string)))
	b := newBrowser(t)
	chatOn := func(what string) context.Context {
		t.Helper()
		tab := newTab(t, b)
		step(t, tab, "open the page, "+what, chromedp.Navigate(page), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
		return frame(t, tab)
	}

	chat := chatOn("listed")
	typeInto(t, chat, "textarea.input", "Hello from a listed site "+tag+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)

	ch["allowedOrigins"] = []string{"https://elsewhere.example.com"}
	ch = saveChannel(t, ch)
	if err := cloud.Advance(settings.CacheTTL); err != nil {
		t.Fatal(err)
	}
	chat = chatOn("taken off the list")
	waitFor(t, chat, "the window says the chat is not available here", `(() => { const n = document.querySelector(".notice");
		return !n.hidden && n.textContent === "This chat is not available on this website." && document.querySelector(".composer").hidden })()`)

	ch["allowedOrigins"] = []string{demoOrigin()}
	saveChannel(t, ch)
	if err := cloud.Advance(settings.CacheTTL); err != nil {
		t.Fatal(err)
	}
	chat = chatOn("listed again")
	typeInto(t, chat, "textarea.input", "Back again "+tag+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
}
