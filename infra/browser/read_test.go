package browser

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// readsSent records, in the chat window's next documents, the seq of
// every read the window sends.
const readsSent = `window.__reads = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
	const f = JSON.parse(data);
	if (f.action === "read") window.__reads.push(f.seq);
	return send.call(this, data);
};`

// TestWidgetReadsEachSeqOnce: the chat window tells the server how far
// the visitor read once per reply, and not for the visitor's own
// messages (they change no "Seen" in the inbox). A reload starts from
// the marker the session reads; a pushed conversation that carries a
// lower marker (the server keeps the visitor's apart from the
// conversation) does not make the window send again what it sent.
func TestWidgetReadsEachSeqOnce(t *testing.T) {
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	chat := startChat(t, tab, "Read once "+tag)
	metas := scanTable(t, "sk = :meta AND firstLine = :first", nil, map[string]types.AttributeValue{
		":meta": &types.AttributeValueMemberS{Value: "META"}, ":first": &types.AttributeValueMemberS{Value: "Read once " + tag},
	})
	if len(metas) != 1 {
		t.Fatalf("%d conversations begin with the message, want 1", len(metas))
	}
	id := metas[0]["conversationId"].(*types.AttributeValueMemberS).Value
	alice := apiAgent(t, "alice")

	step(t, chat, "record the reads of the chat window's next load", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: readsSent})
		return err
	}))
	eval[bool](t, chat, `(location.reload(), true)`)
	waitFor(t, chat, "the thread is back", `document.querySelector(".log")?.textContent.includes(`+js("Read once "+tag)+`)`)

	// The reply is the first seq the reloaded window has not read.
	if _, err := alice.Reply(t.Context(), id, "Reading you "+tag); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the reply is read", `window.__reads.includes(2)`)
	typeInto(t, chat, "textarea.input", "Thanks "+tag+"\r")
	waitFor(t, chat, "the visitor's message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	if _, err := alice.Act(t.Context(), id, "read", map[string]int64{"seq": 3}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the agent's read shows", `document.querySelector(".receipt").textContent === "Seen"`)
	// The window reads again when it becomes visible: nothing is new.
	eval[bool](t, chat, `(document.dispatchEvent(new Event("visibilitychange")), true)`)
	// The next reply is read; the reads are sent in order, so the
	// visitor's own message 3 was never read alone.
	if _, err := alice.Reply(t.Context(), id, "Anything else "+tag+"?"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the next reply is read", `window.__reads.includes(4)`)
	if got := eval[[]int64](t, chat, `window.__reads`); len(got) != 2 || got[0] != 2 || got[1] != 4 {
		t.Errorf("reads sent %v, want [2 4]", got)
	}
}

// socketAndVisibility records the chat window's reads and its socket
// (window.__ws), and lets the test say whether the page is visible
// (window.__vis).
const socketAndVisibility = readsSent + `
const sendOnce = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) { window.__ws = this; return sendOnce.call(this, data); };
window.__vis = "visible";
Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => window.__vis });`

// TestWidgetReadsAgainOnANewSocket: a reply arrives while the page is
// hidden; the visitor comes back while the socket is down, so the read
// cannot go. The next socket's resume sends it.
func TestWidgetReadsAgainOnANewSocket(t *testing.T) {
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	chat := startChat(t, tab, "Read on the next socket "+tag)
	id := pkOf(t, "Read on the next socket "+tag)[len("CONV#"):]
	step(t, chat, "record the reads and the socket of the chat window's next load", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: socketAndVisibility})
		return err
	}))
	eval[bool](t, chat, `(location.reload(), true)`)
	waitFor(t, chat, "the thread is back with its socket", `document.querySelector(".log")?.textContent.includes(`+js("Read on the next socket "+tag)+`) && !!window.__ws`)
	eval[bool](t, chat, `(window.__vis = "hidden", true)`)
	if _, err := apiAgent(t, "alice").Reply(t.Context(), id, "Answered while away "+tag); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the reply arrives", `document.querySelector(".log").textContent.includes(`+js("Answered while away "+tag)+`)`)
	if got := eval[[]int64](t, chat, `window.__reads`); len(got) > 0 {
		t.Fatalf("the hidden page sent reads %v", got)
	}
	eval[bool](t, chat, `(window.__old = window.__ws, window.__ws.close(), window.__vis = "visible", document.dispatchEvent(new Event("visibilitychange")), true)`)
	waitFor(t, chat, "a new socket", `window.__ws !== window.__old`)
	waitFor(t, chat, "the read goes on the new socket", `window.__reads.includes(2)`)
}

// seenUnder is true when the inbox's thread shows "Seen" under the
// message holding text, and under no other.
func seenUnder(text string) string {
	return `(() => { const s = [...document.querySelectorAll(".tlog .seen")];
		return s.length === 1 && s[0].textContent === "Seen" && s[0].closest(".msg").textContent.includes(` + js(text) + `) })()`
}

const seenNowhere = `document.querySelector(".tlog .seen") === null`

// TestInboxShowsWhatTheVisitorSaw: the thread shows "Seen" under the
// agent's last reply the visitor has read: live when the open chat
// window reads it, after a reload of the inbox from the thread's read,
// not while the chat window is closed, and no longer once the visitor
// writes after it.
func TestInboxShowsWhatTheVisitorSaw(t *testing.T) {
	tag := uuid.NewString()[:8]
	browser := newBrowser(t)
	site := newTab(t, browser)
	agent := newTab(t, browser)
	chat := startChat(t, site, "Seen or not "+tag)
	signIn(t, agent, "alice")
	openConversation(t, agent, "Seen or not "+tag)
	if !eval[bool](t, agent, seenNowhere) {
		t.Error("the thread shows Seen before any reply")
	}

	typeInto(t, agent, "textarea.reply", "First answer "+tag+"\r")
	waitFor(t, chat, "the reply arrives", `document.querySelector(".log").textContent.includes(`+js("First answer "+tag)+`)`)
	waitFor(t, agent, "the open chat window read it: Seen under the reply", seenUnder("First answer "+tag))

	step(t, agent, "reload the inbox", chromedp.Reload())
	waitFor(t, agent, "the thread opens again from its address", `document.querySelector(".tlog")?.textContent.includes(`+js("First answer "+tag)+`)`)
	waitFor(t, agent, "the thread's read brings Seen back", seenUnder("First answer "+tag))

	// From here the chat window records the reads it sends.
	eval[bool](t, chat, `(() => { `+readsSent+` })(), true`)
	step(t, site, "close the chat window", chromedp.Click(launcher))
	waitFor(t, site, "the chat window is closed", `window.Parley.isOpen() === false`)
	typeInto(t, agent, "textarea.reply", "Second answer "+tag+"\r")
	waitFor(t, chat, "the second reply reaches the closed window", `document.querySelector(".log").textContent.includes(`+js("Second answer "+tag)+`)`)
	if got := eval[[]int64](t, chat, `window.__reads`); len(got) > 0 {
		t.Errorf("the closed chat window sent reads %v", got)
	}
	if !eval[bool](t, agent, seenUnder("First answer "+tag)) {
		t.Error("Seen is no longer under the first reply")
	}
	step(t, site, "open the chat window again", chromedp.Click(launcher))
	waitFor(t, chat, "the opened window reads the second reply", `window.__reads.length === 1`)
	waitFor(t, agent, "Seen moves to the second reply", seenUnder("Second answer "+tag))

	typeInto(t, chat, "textarea.input", "Thanks "+tag+"\r")
	waitFor(t, agent, "the visitor's message arrives", `document.querySelector(".tlog").textContent.includes(`+js("Thanks "+tag)+`)`)
	waitFor(t, agent, "the visitor wrote after the reply: no Seen", seenNowhere)
}
