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

// TestWidgetReadsEachSeqOnce: the chat window tells the server each seq
// the visitor read once. A reload starts from the marker the session
// reads; a pushed conversation that carries a lower marker (the server
// keeps the visitor's apart from the conversation) does not make the
// window send again what it sent.
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
	waitFor(t, chat, "the visitor's own message is read", `window.__reads.includes(3)`)
	if _, err := alice.Act(t.Context(), id, "read", map[string]int64{"seq": 3}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, chat, "the agent's read shows", `document.querySelector(".receipt").textContent === "Seen"`)
	// The window reads again when it becomes visible: nothing is new.
	eval[bool](t, chat, `(document.dispatchEvent(new Event("visibilitychange")), true)`)
	if got := eval[[]int64](t, chat, `window.__reads`); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Errorf("reads sent %v, want [2 3]", got)
	}
}
