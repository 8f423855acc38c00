package browser

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/identity"
)

// TestContactSidebar: a site identifies its user with a signed name and
// address and sets attributes; the visitor chats, the agent closes, the
// visitor starts again and moves to another page of the single-page site.
// The inbox names the visitor in the list and the thread, and its sidebar
// shows the contact, the attributes (unverified), where the chat started
// and the page the visitor moved to (live), and the earlier conversation,
// which opens with one click; the agent renames the contact there. The
// widget lists both conversations and
// shows the earlier one's history. Markup in the name, an attribute and
// the page's title stays text on both sides.
func TestContactSidebar(t *testing.T) {
	tag := uuid.NewString()[:8]
	const xssName = `<img src=x onerror="window.__xss='name'">Dana`
	const xssAttr = `<svg onload="window.__xss='attr'"></svg>`
	const xssTitle = `<img src=x onerror="window.__xss='title'"> Plans`
	email := "dana-" + tag + "@visitor.test"
	first, second := "Question about my plan "+tag, "One more thing "+tag
	a := identity.Assertion{ExternalID: "user-" + tag, Name: xssName, Email: email, IssuedAt: cloud.Now().Unix()}
	a.Signature = identity.SignAssertion(identitySecret(t), a)

	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "ben")
	site := newTab(t, browser)
	step(t, site, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	eval[bool](t, site, `(window.Parley.identify({externalId: `+js(a.ExternalID)+`, name: `+js(a.Name)+`, email: `+js(a.Email)+
		`, issuedAt: `+strconv.FormatInt(a.IssuedAt, 10)+`, signature: `+js(a.Signature)+`}), true)`)
	eval[bool](t, site, `(window.Parley.setAttributes({plan: `+js(xssAttr)+`, seats: 12, trial: false}), true)`)
	eval[bool](t, site, `(document.title = `+js(xssTitle)+`, true)`)
	step(t, site, "open the chat", chromedp.Click(launcher))
	chat := frame(t, site)
	waitFor(t, chat, "the chat is ready", `!document.querySelector("textarea.input").closest("[hidden]")`)
	typeInto(t, chat, "textarea.input", first+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)

	// The list and the thread call the visitor by the signed name, as text.
	waitFor(t, agent, "the list names the visitor", `[...document.querySelectorAll(".item")].some(i => i.textContent.includes(`+js(first)+`) && i.querySelector(".name").textContent === `+js(xssName)+`)`)
	openConversation(t, agent, first)
	waitFor(t, agent, "the sidebar shows the contact", `(() => { const s = document.querySelector(".csb"); return s && s.querySelector(".csb-name")?.textContent === `+js(xssName)+
		` && s.textContent.includes(`+js(email)+`) && s.querySelector(".pill.verified") !== null && s.textContent.includes(`+js(a.ExternalID)+`) })()`)
	waitFor(t, agent, "the attributes show, unverified", `(() => { const s = document.querySelector(".csb"); return [...s.querySelectorAll("dd")].some(d => d.textContent === `+js(xssAttr)+
		`) && [...s.querySelectorAll("dd")].some(d => d.textContent === "12") && s.textContent.includes("Unverified") })()`)
	waitFor(t, agent, "where the chat started shows", `(() => { const v = document.querySelector(".csb-visit"); return v && v.textContent.includes(`+js(xssTitle)+`) && v.querySelector("a.csb-url").href.startsWith(`+js(cloud.Endpoints().DemoSite)+`) })()`)
	if !eval[bool](t, agent, `document.querySelector(".thead h2").textContent === `+js(xssName)+` && [...document.querySelectorAll(".tlog .from-visitor")].every(m => m.textContent.includes(`+js(xssName)+`))`) {
		t.Error("the thread does not call the visitor by name")
	}

	closeThread(t, agent)
	waitFor(t, chat, "the widget shows the close", `!document.querySelector(".ended").hidden`)
	step(t, chat, "start a new conversation", chromedp.Click(chromedp.CSS(".start-new")))
	typeInto(t, chat, "textarea.input", second+"\r")
	waitFor(t, chat, "the new message is stored", `document.querySelector(".receipt").textContent === "Sent"`)

	openConversation(t, agent, second)
	past := `[...document.querySelectorAll(".csb-past a")].find(a => a.textContent.includes(` + js(first) + `))`
	waitFor(t, agent, "the sidebar lists the earlier conversation", past)

	// The visitor moves to another page of the single-page site: the
	// sidebar hears of it while the thread is open.
	eval[bool](t, site, `(history.pushState({}, "", "/pricing?from=chat"), document.title = "Pricing", true)`)
	waitFor(t, agent, "the new page shows live", `[...document.querySelectorAll(".csb-pages li")].some(l => l.textContent.includes("Pricing") && l.querySelector("a").href.endsWith("/pricing?from=chat"))`)

	screenshot(t, agent, "contact-sidebar.png")
	eval[bool](t, agent, `(`+past+`).click() || true`)
	waitFor(t, agent, "the earlier conversation opens", `document.querySelector(".tlog").textContent.includes(`+js(first)+`) && !document.querySelector(".tlog").textContent.includes(`+js(second)+`)`)

	// The widget lists both conversations and shows the earlier one.
	waitFor(t, chat, "the conversations button shows", `!document.querySelector(".head [aria-controls=past]").hidden`)
	step(t, chat, "list the conversations", chromedp.Click(chromedp.CSS(".head [aria-controls=past]")))
	waitFor(t, chat, "both are listed", `document.querySelectorAll(".past-item").length === 2 && document.querySelector(".log").hidden`)
	eval[bool](t, chat, `([...document.querySelectorAll(".past-item")].find(b => b.querySelector(".past-status.closed")).click(), true)`)
	waitFor(t, chat, "its history shows", `!document.querySelector(".log").hidden && document.querySelector(".log").textContent.includes(`+js(first)+`) && !document.querySelector(".ended").hidden`)

	// The agent renames the contact from the sidebar: the sidebar, the
	// thread and the list call the visitor by the new name.
	step(t, agent, "edit the contact", chromedp.Click(chromedp.CSS(".csb-edit-btn")))
	step(t, agent, "type the new name", chromedp.SetValue(chromedp.CSS("#csb-name"), "Dana K. Scully"), chromedp.Click(chromedp.CSS(".csb-edit button[type=submit]")))
	waitFor(t, agent, "the sidebar shows the new name", `document.querySelector(".csb-name")?.textContent === "Dana K. Scully" && document.querySelector("#csb-name") === null`)
	waitFor(t, agent, "the thread and the list show it", `document.querySelector(".thead h2").textContent === "Dana K. Scully" && [...document.querySelectorAll(".item .name")].some(n => n.textContent === "Dana K. Scully")`)

	inert := `document.querySelectorAll(".csb img, .csb svg:not(.icon), .item img[src='x'], .past img, .log img[src='x']").length === 0 && window.__xss === undefined`
	if !eval[bool](t, agent, inert) {
		t.Error("the inbox rendered markup or ran script from the site's name, attributes or title")
	}
	if !eval[bool](t, chat, inert) {
		t.Error("the widget rendered markup or ran script")
	}
	if eval[bool](t, site, `window.__xss !== undefined`) {
		t.Error("a payload ran on the host page")
	}

	// Close the open conversation: the tests after this one share the
	// inbox's open list.
	openConversation(t, agent, second)
	closeThread(t, agent)
	waitFor(t, agent, "the open list is empty of it", `![...document.querySelectorAll(".item")].some(i => i.textContent.includes(`+js(second)+`))`)
}
