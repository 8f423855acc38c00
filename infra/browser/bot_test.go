package browser

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/settings"
)

// The chatflow's bot in the chat window (web/widget/bot.ts): each test
// runs on a chat channel of its own whose flow is a bot, saved through the
// settings API as an admin would, embedded in a page of its own.

const (
	// botAvatar is the bot's picture: an https URL (as the flow's
	// validation wants) that cannot load here, so the widget shows the
	// bot's initials in its place.
	botAvatar = "https://cdn.example.com/robin.png"
	// firstQuestion is the bot's first question, with two buttons.
	firstQuestion = "What brings you here?"
	// hostileQuestion and hostileButton are a question and a button label
	// with markup: the widget shows them as text.
	hostileQuestion = `What went wrong? <img src=x onerror="window.__xss='q'">`
	hostileButton   = `<svg onload=window.__xss=1>`
)

// greeter is a bot: a question with two buttons; for Sales a question
// whose buttons (the second one's label is markup) or typed text answer,
// for Support a free-text question with markup in it; the email address;
// the handover.
func greeter() doc {
	return doc{
		"id": "greeter", "name": "Greeter", "kind": "bot", "welcome": "Hi! I am Robin, the bot of Northwind.",
		"bot": doc{"name": "Robin", "avatarUrl": botAvatar}, "sessionMinutes": 0,
		"steps": []doc{
			{"id": "topic", "type": "buttons", "text": firstQuestion, "save": "topic",
				"buttons": []doc{{"label": "Sales", "next": "plan"}, {"label": "Support", "next": "problem"}}},
			{"id": "plan", "type": "buttons", "text": "Which plan?", "save": "plan", "freeText": true, "next": "email",
				"buttons": []doc{{"label": "Team", "next": "email"}, {"label": hostileButton, "next": "email"}}},
			{"id": "problem", "type": "text", "text": hostileQuestion, "save": "problem", "next": "email"},
			{"id": "email", "type": "email", "text": "Your email address?", "save": "email", "next": "handover"},
			{"id": "handover", "type": "handover", "text": "Passing you to the team.", "away": "away"},
			{"id": "away", "type": "message", "text": "Nobody is in; we will write to you.", "next": "done"},
			{"id": "done", "type": "end"},
		},
	}
}

// botChannel makes a channel of the main inbox with the chatflows flows
// and the rules; other pages get greeter. Every function's settings cache
// has it once it returns.
func botChannel(t *testing.T, tag string, flows []doc, rules []doc) doc {
	t.Helper()
	ch := newChannel(t, "main", "Bot "+tag, func(c doc) {
		c["chatflows"] = flows
		c["targeting"] = doc{"rules": rules, "otherPages": doc{"flow": "greeter"}}
	})
	if err := cloud.Advance(settings.CacheTTL); err != nil {
		t.Fatal(err)
	}
	return ch
}

// inert is a condition: nothing of markup in a message or a button was
// drawn or ran.
const inert = `document.querySelectorAll(".log img:not(.avatar img), .log svg:not(.warn svg)").length === 0 && window.__xss === undefined`

// Conditions on the chat window.
const (
	// botReplies is the open question's group of buttons.
	botReplies = `document.querySelector(".log .bot-replies[role=group]")`
	// replyLabels are the labels of its buttons, "|"-separated.
	replyLabels = `[...document.querySelectorAll(".log .bot-replies button")].map(b => b.textContent).join("|")`
)

// headIs is a condition: the header shows name, its line under it sub,
// and the picture at url, or (a picture that cannot load) the initials.
func headIs(name, sub, url, initials string) string {
	return `(() => { const img = document.querySelector(".head-avatar img"), av = document.querySelector(".head-avatar .avatar");
		return document.querySelector(".head-name").textContent === ` + js(name) + ` && document.querySelector(".head-sub").textContent === ` + js(sub) + ` &&
			(img ? img.getAttribute("src") === ` + js(url) + ` : ` + js(initials) + ` !== "" && av.textContent === ` + js(initials) + `) })()`
}

// asked is a condition: the bot's newest entry is question, with the
// buttons labels ("|"-separated, "" for none).
func asked(question, labels string) string {
	return `(() => { const rows = [...document.querySelectorAll(".log .row")], last = rows[rows.length - 1];
		return last && last.classList.contains("theirs") && last.querySelector(".bubble").textContent === ` + js(question) + ` &&
			` + replyLabels + ` === ` + js(labels) + ` })()`
}

// openByKeyboard opens page in a new visitor's tab, and the chat with the
// keyboard.
func openByKeyboard(t *testing.T, b context.Context, page string) (site, chat context.Context) {
	t.Helper()
	site = newTab(t, b)
	step(t, site, "open a page of the site", chromedp.Navigate(page), chromedp.WaitVisible(launcher))
	eval[bool](t, site, `(document.querySelector("parley-chat").shadowRoot.querySelector(".launcher").focus(), true)`)
	step(t, site, "open the chat with the keyboard", chromedp.KeyEvent(kb.Enter))
	return site, frame(t, site)
}

// openBotChat opens a page embedding channel (whose other pages get
// greeter) and the chat; the chat window shows the bot's opening (from the
// config: no conversation exists yet).
func openBotChat(t *testing.T, b context.Context, channel string) (site, chat context.Context) {
	t.Helper()
	site, chat = openByKeyboard(t, b, sitePage(t, embed(channel)))
	waitFor(t, chat, "the bot is in the header", headIs("Robin", "Automated assistant", botAvatar, "RO"))
	waitFor(t, chat, "the bot welcomes and asks", asked(firstQuestion, "Sales|Support"))
	return site, chat
}

// TestBotInTheWidget: a visitor opens the chat on a channel whose flow is
// a bot: the bot's name and picture in the header, its welcome and first
// question with two buttons in a group named by the question, and no
// conversation: a reload shows the opening again. Typed text where only
// the buttons answer starts the conversation, whose entries take the
// opening's place (none twice), and is asked again; a button's label
// goes as the answer and its buttons go; a reload shows the same
// conversation at the same question; free text, markup in the question
// shown as text; an address that is not one is kept in the composer with
// a hint, a real one goes to the contact (the email capture's bar) and as
// the answer; the bot hands over. An agent takes the conversation in the
// inbox: the widget shows the agent's name and picture.
func TestBotInTheWidget(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := botChannel(t, tag, []doc{greeter()}, []doc{})
	benAvatar := cloud.URL() + "/_local/avatars/ben.svg"
	ben := apiAgent(t, "ben")
	if err := ben.Call(t.Context(), http.MethodPut, "/agent/me", doc{"avatarUrl": benAvatar}, nil); err != nil {
		t.Fatal(err)
	}
	var me doc
	if err := ben.Call(t.Context(), http.MethodGet, "/agent/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	agent := newTab(t, b)
	signIn(t, agent, "ben")
	site, chat := openBotChat(t, b, ch["id"].(string))

	group := eval[doc](t, chat, `(() => { const g = `+botReplies+`; return {label: g.getAttribute("aria-label"), buttons: [...g.querySelectorAll("button")].map(b => b.type).join()} })()`)
	if group["label"] != firstQuestion || group["buttons"] != "button,button" {
		t.Errorf("the buttons' group is %v; want real buttons, named by the question", group)
	}
	if got := eval[string](t, chat, `document.querySelector("textarea.input").placeholder`); got != "Choose an option above" {
		t.Errorf("the composer says %q while only the buttons answer", got)
	}
	screenshot(t, site, "widget-bot.png")

	// Opening the chat starts nothing, before or after a reload: the
	// opening is shown again, and the channel has no conversation (none in
	// the agents' list, none in the reports).
	chID := ch["id"].(string)
	opened := frameID(chat)
	step(t, site, "reload before answering", chromedp.Reload())
	step(t, site, "open the chat again", chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat = frame(t, site, opened)
	waitFor(t, chat, "the opening again", asked(firstQuestion, "Sales|Support"))
	if n := channelConversations(t, chID); n != 0 {
		t.Fatalf("opening the chat made %d conversations; the visitor's first answer starts one", n)
	}

	// Typing is still taken where only the buttons answer: it starts the
	// conversation, and the bot asks again. The conversation's entries
	// take the opening's rows over: the same nodes stay on the page, so
	// nothing flickers and a screen reader hears nothing twice.
	if !eval[bool](t, chat, `(window.__opening = [...document.querySelectorAll(".log .row")], window.__opening.length === 2)`) {
		t.Fatal("the opening is not the welcome and the question")
	}
	eval[bool](t, chat, `addEventListener("keydown", () => (window.__firstKey ??= performance.now()), true), true`)
	typeInto(t, chat, "textarea.input", "Can I just ask?\r")
	waitFor(t, chat, "the bot asks again", `[...document.querySelectorAll(".log .row.mine .bubble")].some(b => b.textContent === "Can I just ask?") && `+asked(firstQuestion, "Sales|Support"))
	// A browser without a visitor asks for its session (whose answer
	// carries the socket's ticket) only once the visitor writes.
	calls := eval[[]string](t, chat, `performance.getEntriesByType("resource").filter((e) => /\/widget\/(session|ticket)$/.test(e.name))
		.map((e) => e.name.replace(/.*\/widget\//, "") + (e.startTime >= window.__firstKey ? " after the first key" : " before it"))`)
	if diff := cmp.Diff([]string{"session after the first key"}, calls); diff != "" {
		t.Errorf("the chat window's session requests (-want +got):\n%s", diff)
	}
	if n := eval[int](t, chat, `document.querySelectorAll(".log .bot-replies").length`); n != 1 {
		t.Errorf("%d groups of buttons; the answered question's must go", n)
	}
	said := eval[string](t, chat, `[...document.querySelectorAll(".log .bubble")].map(b => b.textContent).join("|")`)
	if want := "Hi! I am Robin, the bot of Northwind.|" + firstQuestion + "|Can I just ask?|" + firstQuestion; said != want {
		t.Errorf("the log says %q, want %q: the conversation's entries in place of the opening, once", said, want)
	}
	if !eval[bool](t, chat, `window.__opening.every((r) => r.isConnected)`) {
		t.Error("the opening's rows were drawn again when the conversation came")
	}
	if n := channelConversations(t, chID); n != 1 {
		t.Errorf("the first answer made %d conversations, want 1", n)
	}
	step(t, chat, "press Support", chromedp.Click(chromedp.CSS(".log .bot-replies button:last-child")))
	waitFor(t, chat, "the free-text question, its markup as text", asked(hostileQuestion, ""))
	waitFor(t, chat, "the label went as the visitor's answer", `[...document.querySelectorAll(".log .row.mine .bubble")].some(b => b.textContent === "Support")`)

	// A reload shows the same conversation, at the same question.
	old := frameID(chat)
	step(t, site, "reload", chromedp.Reload())
	step(t, site, "open the chat again", chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat = frame(t, site, old)
	waitFor(t, chat, "the conversation is back", asked(hostileQuestion, "")+` && document.querySelector(".log").textContent.includes("Can I just ask?")`)
	if n := eval[int](t, chat, `[...document.querySelectorAll(".log .bubble")].filter(b => b.textContent.startsWith("Hi! I am Robin")).length`); n != 1 {
		t.Errorf("the welcome shows %d times after a reload; the bot must not start again", n)
	}
	if got := eval[string](t, chat, `document.querySelector("textarea.input").placeholder`); got != "Write a message…" {
		t.Errorf("the composer says %q on a free-text question", got)
	}
	typeInto(t, chat, "textarea.input", "The grinder jams\r")

	// The email step: the widget checks the address before sending it.
	waitFor(t, chat, "the email question", asked("Your email address?", "")+` && document.querySelector("textarea.input").placeholder === "Your email address"`)
	// (Sent with the button: a typed Enter's key events would leave a new
	// line behind in the composer, which counts as editing the address.)
	step(t, chat, "type an address that is not one", chromedp.SetValue(chromedp.CSS("textarea.input"), "grace at home"), chromedp.Click(chromedp.CSS("button.send")))
	waitFor(t, chat, "a hint says why, and the text stays", `(() => { const e = document.querySelector(".bot-err"), i = document.querySelector("textarea.input");
		return !e.hidden && e.textContent.includes("valid email address") && i.value === "grace at home" && i.getAttribute("aria-invalid") === "true" })()`)
	if eval[bool](t, chat, `[...document.querySelectorAll(".log .row.mine .bubble")].some(b => b.textContent === "grace at home")`) {
		t.Error("an address that is not one was sent")
	}
	addr := "grace-" + tag + "@visitor.test"
	step(t, chat, "type the address", chromedp.SetValue(chromedp.CSS("textarea.input"), addr), chromedp.Click(chromedp.CSS("button.send")))
	waitFor(t, chat, "the contact has the address", `!document.querySelector(".cap-bar").hidden && document.querySelector(".cap-bar").textContent.includes(`+js(addr)+`)`)
	waitFor(t, chat, "the bot hands over", `document.querySelector(".log").textContent.includes("Passing you to the team.") && `+botReplies+` === null`)
	waitFor(t, chat, "the bot is still in the header", headIs("Robin", "Automated assistant", botAvatar, "RO"))
	waitMail(t, addr, "Confirm your email address", "")

	// An agent takes it: the widget switches to the agent.
	openConversation(t, agent, addr)
	step(t, agent, "take the chat", chromedp.Click(chromedp.CSS(".actions .primary")))
	name := me["displayName"].(string)
	waitFor(t, chat, "the widget shows the agent", headIs(name, obj(ch, "look")["teamName"].(string), benAvatar, ""))
	waitFor(t, chat, "the agent joined", `document.querySelector(".log").textContent.includes(`+js(name+" joined the conversation")+`)`)
	// The address's bar appeared below the log meanwhile; the log still
	// follows the rows that came after it.
	waitFor(t, chat, "the log shows its end", `(() => { const l = document.querySelector(".log"); return l.scrollHeight - l.scrollTop - l.clientHeight < 2 })()`)
	screenshot(t, site, "widget-bot-agent.png")
	if !eval[bool](t, chat, inert) {
		t.Error("the widget rendered markup from the bot's question")
	}
}

// TestBotByKeyboard: the bot's buttons without a mouse. From the composer
// (focused on open) Shift+Tab reaches the buttons, Enter presses one; the
// next question's first button takes the focus, Tab moves to the next,
// Space presses it (its label is markup: it goes as text); the email
// question gives the focus to the composer.
func TestBotByKeyboard(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := botChannel(t, tag, []doc{greeter()}, []doc{})
	site, chat := openBotChat(t, newBrowser(t), ch["id"].(string))
	focused := `document.activeElement.textContent`

	waitFor(t, chat, "the composer has the focus", `document.activeElement === document.querySelector("textarea.input")`)
	for range 4 {
		if eval[bool](t, chat, `document.activeElement.classList.contains("bot-reply")`) {
			break
		}
		step(t, chat, "Shift+Tab", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	}
	if got := eval[string](t, chat, focused); got != "Support" {
		t.Fatalf("Shift+Tab from the composer reached %q, want the last button", got)
	}
	step(t, chat, "back to the first button", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	if got := eval[string](t, chat, focused); got != "Sales" {
		t.Fatalf("the focus is on %q, want Sales", got)
	}
	step(t, chat, "press Sales with Enter", chromedp.KeyEvent(kb.Enter))

	waitFor(t, chat, "the next question", asked("Which plan?", "Team|"+hostileButton))
	waitFor(t, chat, "its first button has the focus", focused+` === "Team" && document.activeElement.closest(".bot-replies")`)
	if got := eval[string](t, chat, `document.querySelector("textarea.input").placeholder`); got != "Write a message…" {
		t.Errorf("the composer says %q where buttons and typing both answer", got)
	}
	step(t, chat, "Tab to the next button", chromedp.KeyEvent(kb.Tab))
	waitFor(t, chat, "it has the focus", focused+` === `+js(hostileButton))
	step(t, chat, "press it with Space", chromedp.KeyEvent(" "))

	waitFor(t, chat, "the email question", asked("Your email address?", ""))
	waitFor(t, chat, "the composer has the focus", `document.activeElement === document.querySelector("textarea.input")`)
	addr := "kay-" + tag + "@visitor.test"
	step(t, chat, "type the address", chromedp.KeyEvent(addr+"\r"))
	waitFor(t, chat, "the bot hands over", `document.querySelector(".log").textContent.includes("Passing you to the team.")`)
	answers := eval[string](t, chat, `[...document.querySelectorAll(".log .row.mine .bubble")].map(b => b.textContent).join("|")`)
	if want := "Sales|" + hostileButton + "|" + addr; answers != want {
		t.Errorf("the visitor answered %q, want %q", answers, want)
	}
	if !eval[bool](t, chat, inert) {
		t.Error("the widget rendered markup from a button's label")
	}
	if eval[bool](t, site, `window.__xss !== undefined`) {
		t.Error("markup of the bot ran on the host page")
	}
}

// TestBotChosenByPage: the channel's rules give its pricing pages a bot of
// their own, and every other page greeter. On a pricing page the chat
// window shows the pricing bot's opening: its name in the header, its
// welcome and its question; the visitor's answer starts that bot, which
// hands over.
func TestBotChosenByPage(t *testing.T) {
	tag := uuid.NewString()[:8]
	sales := doc{
		"id": "sales", "name": "Sales", "kind": "bot", "welcome": "Hi! Sam from sales here.", "bot": doc{"name": "Sam"},
		"steps": []doc{
			{"id": "seats", "type": "text", "text": "How many seats do you need?", "save": "seats", "next": "handover"},
			{"id": "handover", "type": "handover", "text": "Passing you to sales."},
		},
	}
	ch := botChannel(t, tag, []doc{greeter(), sales}, []doc{{"pages": "/pages/pricing-" + tag + "*", "flow": "sales"}})
	_, chat := openByKeyboard(t, newBrowser(t), sitePageAt(t, "pricing-"+tag+".html", embed(ch["id"].(string))))
	waitFor(t, chat, "the pricing bot is in the header", headIs("Sam", "Automated assistant", "", "SA"))
	waitFor(t, chat, "it welcomes and asks", asked("How many seats do you need?", "")+` && document.querySelector(".log").textContent.includes("Hi! Sam from sales here.")`)
	if eval[bool](t, chat, `document.querySelector(".log").textContent.includes("Robin")`) {
		t.Error("the channel's other bot spoke on the pricing page")
	}
	typeInto(t, chat, "textarea.input", "12\r")
	waitFor(t, chat, "the pricing bot hands over", `document.querySelector(".log").textContent.includes("Passing you to sales.")`)
	said := eval[string](t, chat, `[...document.querySelectorAll(".log .bubble")].map(b => b.textContent).join("|")`)
	if want := "Hi! Sam from sales here.|How many seats do you need?|12|Passing you to sales."; said != want {
		t.Errorf("the log says %q, want %q", said, want)
	}
}

// TestBotRefusedStart: the channel's bot is gone (its flow is live chat
// now) while a window still shows its opening. The visitor's answer asks
// for the start, which the server refuses: the window turns to live chat
// and the typed text goes as its first message, not lost.
func TestBotRefusedStart(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := botChannel(t, tag, []doc{greeter()}, []doc{})
	_, chat := openBotChat(t, newBrowser(t), ch["id"].(string))
	ch["chatflows"] = []doc{{"id": "greeter", "name": "Greeter", "kind": "live", "welcome": "Live chat now."}}
	saveChannel(t, ch)
	if err := cloud.Advance(settings.CacheTTL); err != nil {
		t.Fatal(err)
	}
	typeInto(t, chat, "textarea.input", "Hello, anyone there?\r")
	waitFor(t, chat, "the text went as live chat", `document.querySelector(".receipt").textContent === "Sent" &&
		[...document.querySelectorAll(".log .row.mine .bubble")].map(b => b.textContent).join("|") === "Hello, anyone there?"`)
	if eval[bool](t, chat, `document.querySelector(".log").textContent.includes(`+js(firstQuestion)+`)`) {
		t.Error("the bot's opening stays in live chat")
	}
	if n := channelConversations(t, ch["id"].(string)); n != 1 {
		t.Errorf("%d conversations, want the live chat's", n)
	}
}

// TestBotStartOnASilentSocket: the visitor's first answer, which starts
// the bot's conversation, goes on a socket that died unseen (the socket
// was open already: the visitor gave an address first). The window pings,
// hears nothing, and starts again on a new socket: the bot answers within
// seconds, not after the half-minute resend.
func TestBotStartOnASilentSocket(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := botChannel(t, tag, []doc{greeter()}, []doc{})
	_, chat := openBotChat(t, newBrowser(t), ch["id"].(string))
	addr := "asleep-" + tag + "@visitor.test"
	step(t, chat, "give an address with the envelope", chromedp.Click(chromedp.CSS(".head .icon-btn:not(.minimize)")),
		chromedp.SetValue(chromedp.CSS("#cap-email"), addr), chromedp.Click(chromedp.CSS(".cap-save")))
	waitFor(t, chat, "the address is saved", `!document.querySelector(".cap-bar").hidden && document.querySelector(".cap-bar").textContent.includes(`+js(addr)+`)`)
	var silenced []string
	for deadline := time.Now().Add(20 * time.Second); len(silenced) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the window opened no socket for the address")
		}
		silenced = visitorSockets(t)
	}
	for _, id := range silenced {
		cloud.SilenceSocket(id)
	}
	step(t, chat, "press Sales", chromedp.Click(chromedp.CSS(".log .bot-replies button:first-child")))
	waitWithin(t, chat, 15*time.Second, "the bot answers on a new socket", asked("Which plan?", "Team|"+hostileButton))
	if n := channelConversations(t, ch["id"].(string)); n != 1 {
		t.Errorf("the channel has %d conversations, want the one the answer started", n)
	}
}

// TestBotPageIdentifyFailsOnce: on a bot's page, with no session yet, the
// site's identify fails on the network; the visitor answers the bot
// meanwhile (the answer waits for the identify, and asks for the
// session). The identify is tried again, is answered, and the answer
// starts the bot's conversation as the user.
func TestBotPageIdentifyFailsOnce(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := botChannel(t, tag, []doc{greeter()}, []doc{})
	site, chat := openBotChat(t, newBrowser(t), ch["id"].(string))
	user := "user-" + tag
	identifies := holdRequests(t, chat, "*/widget/identify")
	eval[bool](t, site, `(window.Parley.identify({externalId: `+js(user)+`, signature: `+js(identity.Sign(identitySecret(t), user))+`}), true)`)
	identifies.fail(identifies.next("the identify"))
	step(t, chat, "press Sales", chromedp.Click(chromedp.CSS(".log .bot-replies button:first-child")))
	identifies.release(identifies.next("the identify, tried again"))
	waitFor(t, chat, "the bot answers", asked("Which plan?", "Team|"+hostileButton))
	if n := channelConversations(t, ch["id"].(string)); n != 1 {
		t.Errorf("the channel has %d conversations, want the one the answer started", n)
	}
}

// TestBotPageOfTheSite: on a bot's page the session waits for the
// visitor's first answer, and what the site says of its visitor is not
// lost meanwhile. The page sets attributes; the visitor answers with a
// button: the session starts then, and the conversation's contact holds
// them. Another visitor gives an address with the header's envelope
// before answering: it is saved. A signed-in user of the site answers in
// one browser and opens the chat in another: the identify shows the
// user's conversation at once, with no answer needed first.
func TestBotPageOfTheSite(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := botChannel(t, tag, []doc{greeter()}, []doc{})
	chID := ch["id"].(string)
	page := sitePage(t, embed(chID))
	b := newBrowser(t)

	site := newTab(t, b)
	step(t, site, "open a page of the site", chromedp.Navigate(page), chromedp.WaitVisible(launcher))
	eval[bool](t, site, `(window.Parley.setAttributes({plan: "pro-`+tag+`"}), true)`)
	step(t, site, "open the chat", chromedp.Click(launcher))
	chat := frame(t, site)
	waitFor(t, chat, "the bot welcomes and asks", asked(firstQuestion, "Sales|Support"))
	eval[bool](t, chat, `addEventListener("pointerdown", () => (window.__first ??= performance.now()), true), true`)
	step(t, chat, "press Support", chromedp.Click(chromedp.CSS(".log .bot-replies button:last-child")))
	waitFor(t, chat, "the next question", asked(hostileQuestion, ""))
	calls := eval[[]string](t, chat, `performance.getEntriesByType("resource").filter((e) => /\/widget\/(session|ticket)$/.test(e.name))
		.map((e) => e.name.replace(/.*\/widget\//, "") + (e.startTime >= window.__first ? " after the answer" : " before it"))`)
	if diff := cmp.Diff([]string{"session after the answer"}, calls); diff != "" {
		t.Errorf("the page's attributes started the session before the visitor answered (-want +got):\n%s", diff)
	}
	convs := scanTable(t, "sk = :meta AND channelId = :ch AND attribute_exists(conversationId)", nil,
		map[string]types.AttributeValue{":meta": &types.AttributeValueMemberS{Value: "META"}, ":ch": &types.AttributeValueMemberS{Value: chID}})
	if len(convs) != 1 {
		t.Fatalf("the channel has %d conversations, want the one the answer started", len(convs))
	}
	id, _ := convs[0]["conversationId"].(*types.AttributeValueMemberS)
	ben := apiAgent(t, "ben")
	want := doc{"plan": "pro-" + tag}
	// The attributes go once the session is there, beside the answer.
	var got doc
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var answer struct{ Card struct{ Attributes doc } }
		if err := ben.Call(t.Context(), http.MethodGet, "/agent/conversations/"+id.Value+"/contact", nil, &answer); err != nil {
			t.Fatal(err)
		}
		if got = answer.Card.Attributes; cmp.Equal(want, got) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the contact's attributes (-want +got):\n%s", cmp.Diff(want, got))
		}
	}

	// The envelope in the header, before any answer: the address is kept
	// (the session starts for it), and no conversation starts.
	_, chat = openBotChat(t, b, chID)
	addr := "early-" + tag + "@visitor.test"
	step(t, chat, "give an address with the envelope", chromedp.Click(chromedp.CSS(".head .icon-btn:not(.minimize)")),
		chromedp.SetValue(chromedp.CSS("#cap-email"), addr), chromedp.Click(chromedp.CSS(".cap-save")))
	waitFor(t, chat, "the address is saved", `!document.querySelector(".cap-bar").hidden && document.querySelector(".cap-bar").textContent.includes(`+js(addr)+`)`)
	if n := channelConversations(t, chID); n != 1 {
		t.Errorf("the channel has %d conversations after an address was given, want still 1", n)
	}

	user := "user-" + tag
	signedIn := func(name string) context.Context {
		tab := newTab(t, b)
		step(t, tab, name, chromedp.Navigate(page), chromedp.WaitVisible(launcher))
		eval[bool](t, tab, `(window.Parley.identify({externalId: `+js(user)+`, signature: `+js(identity.Sign(identitySecret(t), user))+`}), true)`)
		step(t, tab, "open the chat", chromedp.Click(launcher))
		return frame(t, tab)
	}
	first := signedIn("the user opens the page")
	waitFor(t, first, "the bot welcomes and asks", asked(firstQuestion, "Sales|Support"))
	step(t, first, "press Sales", chromedp.Click(chromedp.CSS(".log .bot-replies button:first-child")))
	waitFor(t, first, "the next question", asked("Which plan?", "Team|"+hostileButton))
	waitFor(t, signedIn("the user opens the page in another browser"), "the user's conversation, at its question",
		`[...document.querySelectorAll(".log .row.mine .bubble")].some(b => b.textContent === "Sales") && `+asked("Which plan?", "Team|"+hostileButton))
}
