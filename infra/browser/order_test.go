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

// framesHeld, in the chat window's next documents, holds back every
// pushed frame that window.__holdIf(frame) accepts, until
// window.__release() hands them on: a push that arrives late, as API
// Gateway may deliver pushes in any order. window.__typed lists the
// typing actions the window sends, window.__got the types of the frames
// it got.
const framesHeld = `window.__holdIf = null; window.__held = []; window.__typed = []; window.__got = [];
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
	const f = JSON.parse(data);
	if (f.action === "typing") window.__typed.push(f);
	return send.call(this, data);
};
window.__release = () => { const h = window.__held; window.__held = []; for (const [ws, e] of h) ws.__handler(e); };
const set = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage").set;
Object.defineProperty(WebSocket.prototype, "onmessage", { set(fn) {
	this.__handler = fn;
	set.call(this, (e) => {
		const f = JSON.parse(e.data);
		window.__got.push(f.type);
		if (window.__holdIf && window.__holdIf(f)) window.__held.push([this, e]);
		else fn(e);
	});
} });`

// chatHoldingFrames starts a conversation in the demo site's chat window,
// reloads the window with framesHeld, and returns it and the
// conversation's id.
func chatHoldingFrames(t *testing.T, first string) (context.Context, string) {
	t.Helper()
	tab := newTab(t, newBrowser(t))
	chat := startChat(t, tab, first)
	metas := scanTable(t, "sk = :meta AND firstLine = :first", nil, map[string]types.AttributeValue{
		":meta": &types.AttributeValueMemberS{Value: "META"}, ":first": &types.AttributeValueMemberS{Value: first},
	})
	if len(metas) != 1 {
		t.Fatalf("%d conversations begin with the message, want 1", len(metas))
	}
	step(t, chat, "hold the chat window's chosen pushes on its next load", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: framesHeld})
		return err
	}))
	eval[bool](t, chat, `(location.reload(), true)`)
	waitFor(t, chat, "the thread is back", `document.querySelector(".log")?.textContent.includes(`+js(first)+`)`)
	// The thread shows from the session's read before the socket follows
	// it: pushes reach the window once its resume is answered.
	waitFor(t, chat, "the window's socket follows the thread", `window.__got.includes("messages")`)
	return chat, metas[0]["conversationId"].(*types.AttributeValueMemberS).Value
}

// TestWidgetDropsATypingFrameOlderThanTheMessage: an agent's "typing"
// push that arrives after the agent's message (sent before it) does not
// show the agent typing, whether the push came late or the server ran
// the two in the other order (the frame carries the seq the agent held);
// one sent after the message does. The chat window's own typing says the
// last seq it holds.
func TestWidgetDropsATypingFrameOlderThanTheMessage(t *testing.T) {
	chat, id := chatHoldingFrames(t, "Late typing "+uuid.NewString()[:8])
	alice := apiAgent(t, "alice")
	sock, err := alice.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	typing := func(held int64) {
		t.Helper()
		f := map[string]any{"action": "typing", "conversationId": id, "on": true}
		if held > 0 {
			f["seq"] = held
		}
		if err := sock.Send(t.Context(), f); err != nil {
			t.Fatal(err)
		}
	}
	noTyping := func(what string) {
		t.Helper()
		if got := eval[string](t, chat, `document.querySelector(".typing").textContent`); got != "" {
			t.Errorf("%s shows %q after the reply", what, got)
		}
	}
	eval[bool](t, chat, `(window.__holdIf = (f) => f.type === "typing", true)`)
	typing(0)
	waitFor(t, chat, "the typing push is held", `window.__held.length === 1`)
	reply, err := alice.Reply(t.Context(), id, "Here is the answer")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the reply arrives", `document.querySelector(".log").textContent.includes("Here is the answer")`)
	eval[bool](t, chat, `(window.__holdIf = null, window.__release(), true)`)
	noTyping("a typing push relayed before the reply")
	// Sent holding the seq before the reply, run by the server after it:
	// held until it is here, to look once it was handled.
	eval[bool](t, chat, `(window.__holdIf = (f) => f.type === "typing", true)`)
	typing(reply.Seq - 1)
	waitFor(t, chat, "the second typing push is here", `window.__held.length === 1`)
	eval[bool](t, chat, `(window.__holdIf = null, window.__release(), true)`)
	noTyping("a typing frame sent before the reply and run after it")
	typing(reply.Seq)
	waitFor(t, chat, "a typing frame sent after the reply shows", `document.querySelector(".typing").textContent.endsWith("is typing…")`)

	typeInto(t, chat, "textarea.input", "Thanks")
	waitFor(t, chat, "the window says it is typing", `window.__typed.some((f) => f.on)`)
	if got := eval[float64](t, chat, `window.__typed.find((f) => f.on).seq`); int64(got) != reply.Seq {
		t.Errorf("the window's typing says seq %v, want %d (the reply, the last it holds)", got, reply.Seq)
	}
}

// TestWidgetKeepsTheNewerState: a pushed conversation state older than
// the one the chat window holds (an agent's read, pushed before the close
// that came after it and delivered after the close) does not show the
// closed conversation open again, and its read marker still counts.
func TestWidgetKeepsTheNewerState(t *testing.T) {
	chat, id := chatHoldingFrames(t, "Late state "+uuid.NewString()[:8])
	alice := apiAgent(t, "alice")
	eval[bool](t, chat, `(window.__holdIf = (f) => f.type === "conversation", true)`)
	if _, err := alice.Act(t.Context(), id, "read", map[string]int64{"seq": 1}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the read's state is held", `window.__held.length === 1`)
	eval[bool](t, chat, `(window.__holdIf = null, true)`)
	if _, err := alice.Act(t.Context(), id, "close", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the close shows", `!document.querySelector(".ended").hidden && document.querySelector(".composer").hidden`)
	eval[bool](t, chat, `(window.__release(), true)`)
	if got := eval[bool](t, chat, `document.querySelector(".ended").hidden || !document.querySelector(".composer").hidden`); got {
		t.Error("the read's older state, delivered after the close, shows the conversation open again")
	}
	if got := eval[string](t, chat, `document.querySelector(".receipt").textContent`); got != "Seen" {
		t.Errorf("receipt %q, want Seen (the agent read the visitor's message)", got)
	}
}
