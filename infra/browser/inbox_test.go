package browser

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud/oidc"
)

// visitor is a visitor on the demo site whose chat is driven from the test
// (the widget's HTTP routes and socket), with one conversation.
type visitor struct {
	*chatclient.Visitor
	socket       *chatclient.Socket
	conversation string
}

// newVisitor starts a visitor session and a conversation with body.
func newVisitor(t *testing.T, body string) *visitor {
	t.Helper()
	ep := chatclient.Endpoints{HTTPAPI: cloud.Endpoints().HTTPAPI, WebSocket: cloud.Endpoints().WebSocket, InboxOrigin: cloud.URL()}
	v, _, err := chatclient.NewVisitor(t.Context(), ep, cloud.Endpoints().WidgetOrigin(), "main", "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := v.Connect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	w := &visitor{Visitor: v, socket: s}
	w.conversation = w.say(t.Context(), body)
	if w.conversation == "" {
		t.Fatalf("the first message %q started no conversation", body)
	}
	return w
}

// say sends body and waits until it is stored; it returns the conversation.
func (v *visitor) say(ctx context.Context, body string) string {
	id, err := chatclient.SendMessage(ctx, v.socket, v.conversation, body)
	if err != nil {
		return ""
	}
	f, err := v.socket.Next(ctx, func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.ClientID == id
	})
	if err != nil {
		return ""
	}
	return f.ConversationID
}

// pressEnter presses Enter as a keyboard does: the key-down carries the
// text, so a handler that prevents the key-down's default also prevents
// the newline (chromedp.KeyEvent sends the text as a separate char event,
// which no handler can prevent).
var pressEnter = chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		k := input.DispatchKeyEventParams{Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
		if typ == input.DispatchKeyEventTypeKeyDown {
			k.Text, k.UnmodifiedText = "\r", "\r"
		}
		if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, k); err != nil {
			return err
		}
	}
	return nil
})

// itemOf finds the inbox's list item of a conversation.
func itemOf(id string) string {
	return `document.querySelector('.item[data-id="` + id + `"]')`
}

// TestComposerThroughLiveUpdates: while 20 messages arrive in the open
// thread and 20 in another conversation of the list, the agent keeps
// typing into the middle of a reply. The editor is the same node
// throughout, keeps the focus, the text and the caret; the list keeps its
// rows' nodes as they move; Enter sends the reply once.
func TestComposerThroughLiveUpdates(t *testing.T) {
	tag := uuid.NewString()[:8]
	open := newVisitor(t, "Where is order "+tag+"?")
	other := newVisitor(t, "Another question "+tag)
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")
	openConversation(t, agent, "Where is order "+tag)
	waitFor(t, agent, "both conversations are listed", itemOf(open.conversation)+` && `+itemOf(other.conversation))

	typeInto(t, agent, "textarea.reply", "the order ships tomorrow")
	typeInto(t, agent, "textarea.reply", kb.Home)
	if !eval[bool](t, agent, `(() => {
		const r = document.querySelector("textarea.reply");
		window.__composer = r;
		window.__rows = [`+itemOf(open.conversation)+`, `+itemOf(other.conversation)+`];
		return document.activeElement === r && r.selectionStart === 0;
	})()`) {
		t.Fatal("the reply editor lacks the focus, or its caret is not at the start")
	}

	sent := make(chan error, 1)
	go func() {
		for i := 1; i <= 20; i++ {
			for _, v := range []*visitor{open, other} {
				if v.say(t.Context(), fmt.Sprintf("Live %s %d from %s", tag, i, v.conversation[:4])) == "" {
					sent <- fmt.Errorf("message %d of %s was not stored", i, v.conversation)
					return
				}
			}
		}
		sent <- nil
	}()
	// The agent types on while the messages come in: each piece after some
	// more have arrived. Keys go to whatever has the focus, so a lost focus
	// would show in the text.
	shown := func(n int) string {
		return `document.querySelectorAll(".tlog .msg.from-visitor").length >= ` + fmt.Sprint(n)
	}
	for i, piece := range []string{"Thanks ", "for ", "waiting", ": "} {
		waitFor(t, agent, fmt.Sprintf("%d live messages are in the thread", 1+5*(i+1)), shown(1+5*(i+1)))
		step(t, agent, "type "+piece, chromedp.KeyEvent(piece))
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	waitFor(t, agent, "all 20 live messages are in the thread", shown(21)+` && document.querySelector(".tlog").textContent.includes("Live `+tag+` 20 from")`)
	waitFor(t, agent, "the other conversation's last message is in the list", itemOf(other.conversation)+`.textContent.includes("Live `+tag+` 20 from")`)

	const want = "Thanks for waiting: the order ships tomorrow"
	got := eval[string](t, agent, `(() => {
		const r = document.querySelector("textarea.reply");
		return [r === window.__composer, document.activeElement === r, r.value, r.selectionStart, r.selectionEnd,
			window.__rows.every((row, i) => row.isConnected && row === [`+itemOf(open.conversation)+`, `+itemOf(other.conversation)+`][i])].join("|");
	})()`)
	if wantGot := fmt.Sprintf("true|true|%s|%d|%d|true", want, len("Thanks for waiting: "), len("Thanks for waiting: ")); got != wantGot {
		t.Fatalf("same editor|focused|text|caret start|caret end|same list rows = %q, want %q", got, wantGot)
	}

	step(t, agent, "send", pressEnter)
	waitFor(t, agent, "the reply is stored", `[...document.querySelectorAll(".tlog .msg.from-agent")].some(m => m.textContent.includes(`+js(want)+`) && !m.classList.contains("pending"))`)
	if n := eval[int](t, agent, `[...document.querySelectorAll(".tlog .body")].filter(b => b.textContent === `+js(want)+`).length`); n != 1 {
		t.Errorf("the thread shows the reply %d times, want once", n)
	}
	if v := eval[string](t, agent, `document.querySelector("textarea.reply").value`); v != "" {
		t.Errorf("the editor still holds %q after sending", v)
	}
	msgs, err := open.Messages(t.Context(), open.conversation)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Body == want {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the conversation holds the reply %d times, want once", n)
	}
}

// TestTakeItFocusesTheEditor: the agent clicks "Take it" on an
// unassigned conversation; the button goes away with it, and the keys
// typed next go into the reply editor, whose Enter sends them.
func TestTakeItFocusesTheEditor(t *testing.T) {
	tag := uuid.NewString()[:8]
	v := newVisitor(t, "Anyone there? "+tag)
	agent := newTab(t, newBrowser(t))
	signIn(t, agent, "chiara")
	openConversation(t, agent, "Anyone there? "+tag)
	take := `[...document.querySelectorAll(".thead .actions button")].find(b => b.textContent === "Take it")`
	waitFor(t, agent, "the conversation offers Take it", take)
	step(t, agent, "click Take it", chromedp.Click(chromedp.CSS(".thead .actions button.primary")))
	waitFor(t, agent, "the conversation is taken", `document.querySelector(".thead .sub").textContent.includes("Assigned to ") && !(`+take+`)`)
	waitFor(t, agent, "the reply editor has the focus", `document.activeElement === document.querySelector("textarea.reply")`)

	reply := "On it " + tag
	step(t, agent, "type", chromedp.KeyEvent(reply))
	if got := eval[string](t, agent, `document.querySelector("textarea.reply").value`); got != reply {
		t.Fatalf("the reply editor holds %q after typing, want %q", got, reply)
	}
	step(t, agent, "send", pressEnter)
	heard(t, v, reply)
}

// TestDeepLinkThroughSignIn: a link to a conversation, opened signed out,
// leads through the sign-in to that conversation, and a reload stays there.
func TestDeepLinkThroughSignIn(t *testing.T) {
	text := "Deep link " + uuid.NewString()[:8]
	v := newVisitor(t, text)
	browser := newBrowser(t)
	agent := newTab(t, browser)
	sub, err := oidc.DemoSub("ben")
	if err != nil {
		t.Fatal(err)
	}
	link := cloud.Endpoints().Inbox + "#/c/" + v.conversation
	step(t, agent, "open the link", chromedp.Navigate(link))
	waitFor(t, agent, "the issuer's sign-in page shows", `location.href.includes("/oidc/")`)
	step(t, agent, "choose the demo agent", chromedp.Click(chromedp.CSS(`button[value="`+sub+`"]`)))
	there := `location.href === ` + js(link) + ` && document.querySelector(".tlog")?.textContent.includes(` + js(text) + `) && ` +
		itemOf(v.conversation) + `?.getAttribute("aria-current") === "true"`
	waitFor(t, agent, "the conversation shows after the sign-in", there)

	step(t, agent, "reload", chromedp.Reload())
	waitFor(t, agent, "the conversation shows after the reload", there)
}

// TestBackAndForward: the browser's back and forward buttons move between
// the list's filters and the conversations opened.
func TestBackAndForward(t *testing.T) {
	tag := uuid.NewString()[:8]
	first := newVisitor(t, "First thread "+tag)
	second := newVisitor(t, "Second thread "+tag)
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "chiara")
	inbox := cloud.Endpoints().Inbox
	at := func(hash string) string { return `location.href === ` + js(inbox+hash) }
	showing := func(v *visitor, text string) string {
		return at("#/c/"+v.conversation) + ` && document.querySelector(".tlog")?.textContent.includes(` + js(text) + `) && ` +
			itemOf(v.conversation) + `?.getAttribute("aria-current") === "true" && document.querySelectorAll('.item[aria-current="true"]').length === 1`
	}
	list := at("#/inbox/main/all") + ` && document.querySelector(".empty-title")?.textContent === "No conversation selected" && !document.querySelector('.item[aria-current="true"]')`
	waitFor(t, agent, "the inbox starts at the list", list)

	step(t, agent, "show unassigned", chromedp.Click(chromedp.CSS(`.seg[aria-label="Show"] button:nth-child(2)`)))
	waitFor(t, agent, "the filter is a place", at("#/inbox/main/unassigned")+` && document.querySelector('.seg[aria-label="Show"] button:nth-child(2)').getAttribute("aria-pressed") === "true"`)
	click := func(v *visitor) {
		waitFor(t, agent, "the conversation is listed", itemOf(v.conversation))
		step(t, agent, "open it", chromedp.Click(chromedp.CSS(`.item[data-id="`+v.conversation+`"]`)))
	}
	click(first)
	waitFor(t, agent, "the first thread shows", showing(first, "First thread "+tag))
	click(second)
	waitFor(t, agent, "the second thread shows", showing(second, "Second thread "+tag))

	back := func() { eval[bool](t, agent, `history.back() || true`) }
	forward := func() { eval[bool](t, agent, `history.forward() || true`) }
	back()
	waitFor(t, agent, "back: the first thread", showing(first, "First thread "+tag))
	forward()
	waitFor(t, agent, "forward: the second thread", showing(second, "Second thread "+tag))
	back()
	waitFor(t, agent, "back: the first thread again", showing(first, "First thread "+tag))
	back()
	waitFor(t, agent, "back: the unassigned list", at("#/inbox/main/unassigned")+` && document.querySelector(".empty-title") && document.querySelector('.seg[aria-label="Show"] button:nth-child(2)').getAttribute("aria-pressed") === "true"`)
	back()
	waitFor(t, agent, "back: all conversations", list+` && document.querySelector('.seg[aria-label="Show"] button:nth-child(3)').getAttribute("aria-pressed") === "true"`)
}
