package browser

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// js quotes a Go string as a JavaScript string literal.
func js(s string) string { return strconv.Quote(s) }

// TestConversation: a visitor on the demo site and an agent in the inbox
// hold a whole conversation, each in their own browser context.
func TestConversation(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	avatarURL := cloud.URL() + "/_local/avatars/alice.svg"

	// The agent signs in and sets the profile visitors will see.
	signIn(t, agent, "alice")
	step(t, agent, "open the profile", chromedp.Click(chromedp.CSS(".me")))
	step(t, agent, "edit the profile",
		chromedp.SetValue(chromedp.ID("p-name"), "Alice M."),
		chromedp.SetValue(chromedp.ID("p-avatar"), avatarURL),
		chromedp.SetValue(chromedp.ID("p-meet"), "https://meet.example.com/alice"),
		chromedp.Click(chromedp.CSS(`.profile button[type=submit]`)))
	waitFor(t, agent, "the profile is saved", `document.querySelector(".me").textContent === "Alice M." && !document.querySelector("dialog").open`)

	// The visitor opens the demo site: the launcher only.
	step(t, visitor, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite))
	step(t, visitor, "the launcher shows", chromedp.WaitVisible(launcher))
	screenshot(t, visitor, "widget-closed.png")
	step(t, visitor, "open the chat", chromedp.Click(launcher))
	chat := frame(t, visitor)
	waitFor(t, chat, "the team is shown before assignment", `document.querySelector(".head-name").textContent === "Northwind Coffee"`)
	if !eval[bool](t, chat, `document.activeElement === document.querySelector("textarea.input")`) {
		t.Error("the message input has no focus after opening")
	}

	typeInto(t, chat, "textarea.input", "Hi! Is the Huila still in stock?\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	if v := eval[string](t, chat, `document.querySelector("textarea.input").value`); v != "" {
		t.Errorf("the composer holds %q after Enter sent the message, want it empty", v)
	}

	// The agent sees the new chat live, unread, with the visitor online.
	// Other tests share the inbox: this one looks only at its own item
	// (found by its first message; the preview changes with each reply).
	waitFor(t, agent, "the new chat is listed", `[...document.querySelectorAll(".item")].some(i => i.textContent.includes("Huila") && i.querySelector(".dot") && i.querySelector(".online"))`)
	id := eval[string](t, agent, `[...document.querySelectorAll(".item")].find(i => i.textContent.includes("Huila")).dataset.id`)
	item := `[...document.querySelectorAll(".item")].find(i => i.dataset.id === ` + js(id) + `)`
	eval[bool](t, agent, `(`+item+`).click() || true`)
	waitFor(t, agent, "the thread shows the message", `document.querySelector(".tlog").textContent.includes("Is the Huila still in stock?")`)
	waitFor(t, agent, "reading clears the unread dot", `(`+item+`).querySelector(".dot") === null`)

	// Typing, visitor to agent.
	typeInto(t, chat, "textarea.input", "And do you grind it")
	waitFor(t, agent, "the visitor's typing shows", `document.querySelector(".typing").textContent === "Visitor is typing…"`)
	typeInto(t, chat, "textarea.input", " for espresso?\r")
	waitFor(t, agent, "the second message arrives", `document.querySelector(".tlog").textContent.includes("And do you grind it for espresso?")`)

	// Take over: the widget switches to the agent's profile name and avatar.
	step(t, agent, "take the chat", chromedp.Click(chromedp.CSS(".actions .primary")))
	waitFor(t, chat, "the widget shows the agent", `document.querySelector(".head-name").textContent === "Alice M." && document.querySelector(".head-avatar img")?.src === `+js(avatarURL))
	waitFor(t, chat, "the join event shows", `document.querySelector(".log").textContent.includes("Alice M. joined the conversation")`)

	// Typing, agent to visitor, then a reply.
	typeInto(t, agent, "textarea.reply", "Yes, we have")
	waitFor(t, chat, "the agent's typing shows", `document.querySelector(".typing").textContent === "Alice M. is typing…"`)
	typeInto(t, agent, "textarea.reply", " it, and we grind to order: https://northwind.example/grind\r")
	waitFor(t, chat, "the reply arrives", `document.querySelector(".log").textContent.includes("we grind to order")`)
	if v := eval[string](t, agent, `document.querySelector("textarea.reply").value`); v != "" {
		t.Errorf("the reply editor holds %q after Enter sent the reply, want it empty", v)
	}
	waitFor(t, chat, "the link is a safe link", `(() => { const a = document.querySelector(".theirs .bubble a"); return a && a.href === "https://northwind.example/grind" && a.target === "_blank" && a.rel.includes("noopener") })()`)
	waitFor(t, chat, "the visitor's message shows as seen", `document.querySelector(".receipt").textContent === "" || document.querySelector(".receipt").textContent === "Seen"`)
	waitFor(t, agent, "the inbox shows the reply as seen", seenUnder("we grind to order"))
	// The log scrolls smoothly: the picture waits for it to reach the reply.
	waitFor(t, chat, "the log shows its end", `(l => l.scrollHeight - l.scrollTop - l.clientHeight < 2)(document.querySelector(".log"))`)
	screenshot(t, visitor, "widget-open.png")
	screenshot(t, agent, "inbox.png")

	// Close: the widget shows the closed state and starts anew.
	step(t, agent, "close the chat", chromedp.Click(chromedp.CSS(`.actions button:last-child`)))
	waitFor(t, chat, "the closed state shows", `!document.querySelector(".ended").hidden && document.querySelector(".composer").hidden`)
	waitFor(t, agent, "the closed thread leaves the open list", `(`+item+`) === undefined`)
	step(t, chat, "start a new conversation", chromedp.Click(chromedp.CSS(".start-new")))
	waitFor(t, chat, "the composer is back", `!document.querySelector(".composer").hidden && document.querySelectorAll(".log .row").length === 1`)
	typeInto(t, chat, "textarea.input", "One more thing: do you ship to Austria?\r")
	waitFor(t, chat, "the new message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	waitFor(t, chat, "the header is the team again", `document.querySelector(".head-name").textContent === "Northwind Coffee"`)
	waitFor(t, agent, "the new thread is listed", `[...document.querySelectorAll(".item")].some(i => i.textContent.includes("ship to Austria"))`)

	// A reload shows the conversation again (same device, no cookie).
	old := frameID(chat)
	step(t, visitor, "reload", chromedp.Reload())
	step(t, visitor, "open the chat again", chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	again := frame(t, visitor, old)
	waitFor(t, again, "the history is back", `document.querySelector(".log").textContent.includes("do you ship to Austria?")`)
	if got := eval[string](t, visitor, `document.cookie`); got != "" {
		t.Errorf("the host page has cookies: %q", got)
	}
}

// TestMobile: on a narrow screen the chat window takes the whole screen.
func TestMobile(t *testing.T) {
	browser := newBrowser(t)
	tab := newTab(t, browser)
	step(t, tab, "phone viewport", chromedp.EmulateViewport(390, 780, chromedp.EmulateMobile))
	step(t, tab, "open the demo site with #chat-open", chromedp.Navigate(cloud.Endpoints().DemoSite+"#chat-open"))
	chat := frame(t, tab)
	waitFor(t, tab, "the panel covers the screen", `(() => { const p = document.querySelector("parley-chat").shadowRoot.querySelector(".panel").getBoundingClientRect(); return p.width === innerWidth && p.height === innerHeight })()`)
	typeInto(t, chat, "textarea.input", "Hello from my phone\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	screenshot(t, tab, "widget-mobile.png")

	// The close button inside the window gives the page back.
	step(t, chat, "minimize", chromedp.Click(chromedp.CSS(".icon-btn.minimize")))
	waitFor(t, tab, "the launcher is back", `!document.querySelector("parley-chat").shadowRoot.querySelector(".wrap, div").classList.contains("open") && window.Parley.isOpen() === false`)
	if strings.Contains(eval[string](t, tab, `location.hash`), "x") {
		t.Fatal("unexpected hash")
	}
}
