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
// Gateway may deliver pushes in any order.
const framesHeld = `window.__holdIf = null; window.__held = [];
window.__release = () => { const h = window.__held; window.__held = []; for (const [ws, e] of h) ws.__handler(e); };
const set = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage").set;
Object.defineProperty(WebSocket.prototype, "onmessage", { set(fn) {
	this.__handler = fn;
	set.call(this, (e) => {
		if (window.__holdIf && window.__holdIf(JSON.parse(e.data))) window.__held.push([this, e]);
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
	return chat, metas[0]["conversationId"].(*types.AttributeValueMemberS).Value
}

// TestWidgetDropsATypingFrameOlderThanTheMessage: an agent's "typing"
// push that arrives after the agent's message (relayed before it was
// written) does not show the agent typing; one relayed after it does.
func TestWidgetDropsATypingFrameOlderThanTheMessage(t *testing.T) {
	chat, id := chatHoldingFrames(t, "Late typing "+uuid.NewString()[:8])
	alice := apiAgent(t, "alice")
	sock, err := alice.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	typing := func() {
		t.Helper()
		if err := sock.Send(t.Context(), map[string]any{"action": "typing", "conversationId": id, "on": true}); err != nil {
			t.Fatal(err)
		}
	}
	eval[bool](t, chat, `(window.__holdIf = (f) => f.type === "typing", true)`)
	typing()
	waitFor(t, chat, "the typing push is held", `window.__held.length === 1`)
	if _, err := alice.Reply(t.Context(), id, "Here is the answer"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the reply arrives", `document.querySelector(".log").textContent.includes("Here is the answer")`)
	eval[bool](t, chat, `(window.__holdIf = null, window.__release(), true)`)
	if got := eval[string](t, chat, `document.querySelector(".typing").textContent`); got != "" {
		t.Errorf("a typing push relayed before the reply shows %q after it", got)
	}
	typing()
	waitFor(t, chat, "a typing push relayed after the reply shows", `document.querySelector(".typing").textContent.endsWith("is typing…")`)
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
