package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/identity"
)

// TestSecondTabFollowsTheConversation: the chat is open in two tabs of
// one browser (one visitor); the first message, written in one, starts
// the conversation, which the other takes up. The other tab then hears
// the agent's reply and gets its own messages acknowledged, as the first.
func TestSecondTabFollowsTheConversation(t *testing.T) {
	text := "Two tabs " + uuid.NewString()[:8]
	reply := "Both tabs hear this " + uuid.NewString()[:8]
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "chiara")

	first := newTab(t, browser)
	second, cancel := chromedp.NewContext(first) // the same browser context: the same visitor
	t.Cleanup(cancel)
	step(t, first, "open the chat in the first tab", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chatA := frame(t, first)
	step(t, second, "open the chat in the second tab", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chatB := frame(t, second, frameID(chatA))
	waitFor(t, chatB, "the second tab is ready", `!document.querySelector("textarea.input").closest("[hidden]")`)

	typeInto(t, chatA, "textarea.input", text+"\r")
	waitFor(t, chatA, "the first message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	waitFor(t, chatB, "the second tab shows it", `document.querySelector(".log").textContent.includes(`+js(text)+`)`)

	waitFor(t, agent, "the chat is listed", `[...document.querySelectorAll(".item")].some(i => i.textContent.includes(`+js(text)+`))`)
	step(t, agent, "open it", chromedp.Click(chromedp.CSS(".item")))
	typeInto(t, agent, "textarea.reply", reply+"\r")
	waitFor(t, chatA, "the first tab hears the reply", `document.querySelector(".log").textContent.includes(`+js(reply)+`)`)
	waitFor(t, chatB, "the second tab hears the reply", `document.querySelector(".log").textContent.includes(`+js(reply)+`)`)

	// The agent has the thread open, so the message may be read as soon
	// as it is stored.
	typeInto(t, chatB, "textarea.input", "From the second tab\r")
	waitFor(t, chatB, "the second tab's message is acknowledged", `document.querySelector(".log").textContent.includes("From the second tab") && !document.querySelector(".pending") && ["Sent", "Seen"].includes(document.querySelector(".receipt").textContent)`)
	waitFor(t, agent, "the agent gets it", `document.querySelector(".tlog").textContent.includes("From the second tab")`)
}

// TestIdentifiedVisitorOutlastsAFailedTicket: the socket of a visitor the
// site identified drops, and the first ticket request after it fails on
// the network. The chat reconnects as the same user, not as the
// browser's anonymous visitor, and the user's next message goes into the
// user's conversation.
func TestIdentifiedVisitorOutlastsAFailedTicket(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	before := "Before the drop " + uuid.NewString()[:8]
	after := "After the failed ticket " + uuid.NewString()[:8]
	browser := newBrowser(t)
	tab := newTab(t, browser)
	chat := identifyOnDemo(t, tab, user, identity.Sign(secret, user))
	typeInto(t, chat, "textarea.input", before+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)

	tickets := holdRequests(t, chat, "*/widget/ticket")
	dropVisitorSockets(t)
	tickets.fail(tickets.next("a new ticket"))
	tickets.release(tickets.next("another ticket after the failure"))
	typeInto(t, chat, "textarea.input", after+"\r")
	waitFor(t, chat, "the message after the reconnect is stored", `document.querySelector(".log").textContent.includes(`+js(after)+`) && !document.querySelector(".pending") && document.querySelector(".receipt").textContent === "Sent"`)
	if !eval[bool](t, chat, `document.querySelector(".log").textContent.includes(`+js(before)+`)`) {
		t.Error("after the reconnect the chat no longer shows the user's conversation")
	}

	other := identifyOnDemo(t, newTab(t, browser), user, identity.Sign(secret, user))
	waitFor(t, other, "the user's conversation holds both messages, in another browser", `document.querySelector(".log").textContent.includes(`+js(before)+`) && document.querySelector(".log").textContent.includes(`+js(after)+`)`)
}
