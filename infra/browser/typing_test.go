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

// typingHeld, in the chat window's next documents, holds back every
// pushed "typing" frame while window.__hold is set, until
// window.__release() hands them on: a push that arrives late, as API
// Gateway may deliver pushes in any order.
const typingHeld = `window.__hold = false; window.__held = [];
window.__release = () => { const h = window.__held; window.__held = []; for (const [ws, e] of h) ws.__handler(e); };
const set = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage").set;
Object.defineProperty(WebSocket.prototype, "onmessage", { set(fn) {
	this.__handler = fn;
	set.call(this, (e) => {
		if (window.__hold && JSON.parse(e.data).type === "typing") window.__held.push([this, e]);
		else fn(e);
	});
} });`

// TestWidgetDropsATypingFrameOlderThanTheMessage: an agent's "typing"
// push that arrives after the agent's message (relayed before it was
// written) does not show the agent typing; one relayed after it does.
func TestWidgetDropsATypingFrameOlderThanTheMessage(t *testing.T) {
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	chat := startChat(t, tab, "Late typing "+tag)
	metas := scanTable(t, "sk = :meta AND firstLine = :first", nil, map[string]types.AttributeValue{
		":meta": &types.AttributeValueMemberS{Value: "META"}, ":first": &types.AttributeValueMemberS{Value: "Late typing " + tag},
	})
	if len(metas) != 1 {
		t.Fatalf("%d conversations begin with the message, want 1", len(metas))
	}
	id := metas[0]["conversationId"].(*types.AttributeValueMemberS).Value
	step(t, chat, "hold the chat window's typing pushes on its next load", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: typingHeld})
		return err
	}))
	eval[bool](t, chat, `(location.reload(), true)`)
	waitFor(t, chat, "the thread is back", `document.querySelector(".log")?.textContent.includes(`+js("Late typing "+tag)+`)`)

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
	eval[bool](t, chat, `(window.__hold = true)`)
	typing()
	waitFor(t, chat, "the typing push is held", `window.__held.length === 1`)
	if _, err := alice.Reply(t.Context(), id, "Here is the answer "+tag); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the reply arrives", `document.querySelector(".log").textContent.includes(`+js("Here is the answer "+tag)+`)`)
	eval[bool](t, chat, `(window.__hold = false, window.__release(), true)`)
	if got := eval[string](t, chat, `document.querySelector(".typing").textContent`); got != "" {
		t.Errorf("a typing push relayed before the reply shows %q after it", got)
	}
	typing()
	waitFor(t, chat, "a typing push relayed after the reply shows", `document.querySelector(".typing").textContent.endsWith("is typing…")`)
}
