package browser

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// promptly is how soon a reply must show as sent: the resend of a reply
// whose answer never came is 30 s away.
const promptly = 8 * time.Second

// TestInboxRepliesAfterReconnect: the agent's socket drops with a thread
// open and comes back while the thread's read over HTTP hangs (a network
// slow to wake). Replies written then show as sent within seconds and
// reach the visitor, one after the other, and the thread is followed
// again: another agent's reply, which only the followers of a read
// conversation hear, shows live.
func TestInboxRepliesAfterReconnect(t *testing.T) {
	tag := uuid.NewString()[:8]
	v, tab := chiaraFollows(t, "Stalled "+tag)

	// From now on the thread's reads over HTTP hang until let through.
	eval[bool](t, tab, `(() => {
		window.__held = [];
		const fetch = window.fetch;
		window.fetch = function (url, init) {
			if (!String(url).includes("/agent/conversations/`+v.conversation+`?")) return fetch.apply(this, arguments);
			const args = arguments;
			return new Promise((r) => window.__held.push(r)).then(() => fetch.apply(this, args));
		};
		return true;
	})()`)
	dropSockets(t, agentSockets(t, demoSubOf(t, "chiara")))
	waitFor(t, tab, "the socket is back and reads the thread again", `window.__held.length > 0`)

	sent := func(body string) string {
		return `[...document.querySelectorAll(".tlog .body")].some(b => b.textContent === ` + js(body) + `) && !document.querySelector(".tlog .msg.pending")`
	}
	for _, body := range []string{"First after the drop " + tag, "Second after the drop " + tag} {
		typeInto(t, tab, "textarea.reply", body+"\r")
		waitWithin(t, tab, promptly, "the reply "+body+" shows as sent", sent(body))
		heard(t, v, body)
	}

	if _, err := apiAgent(t, "alice").Reply(t.Context(), v.conversation, "Alice joins "+tag); err != nil {
		t.Fatal(err)
	}
	waitWithin(t, tab, promptly, "another agent's reply shows live", `document.querySelector(".tlog").textContent.includes(`+js("Alice joins "+tag)+`)`)

	eval[bool](t, tab, `(window.__held.forEach((r) => r()), true)`)
	v.say(t.Context(), "Visitor again "+tag)
	waitFor(t, tab, "the visitor's next message shows", `document.querySelector(".tlog").textContent.includes(`+js("Visitor again "+tag)+`)`)
	for _, body := range []string{"First after the drop " + tag, "Second after the drop " + tag, "Alice joins " + tag} {
		if n := eval[int](t, tab, `[...document.querySelectorAll(".tlog .body")].filter(b => b.textContent === `+js(body)+`).length`); n != 1 {
			t.Errorf("the thread shows %q %d times, want once", body, n)
		}
	}
}

// chiaraFollows starts a visitor's conversation, named name, and opens it
// in Chiara's inbox, which follows and reads it.
func chiaraFollows(t *testing.T, name string) (*visitor, context.Context) {
	t.Helper()
	v := newVisitor(t, name)
	tab := newTab(t, newBrowser(t))
	signIn(t, tab, "chiara")
	recordSent(t, tab, "resume")
	openConversation(t, tab, name)
	waitFor(t, tab, "the thread is followed and read", `window.__sent.some(f => f.conversationId === `+js(v.conversation)+`) && `+itemOf(v.conversation)+`?.querySelector(".dot") === null`)
	return v, tab
}

// heard waits until the visitor's socket is pushed the message body.
func heard(t *testing.T, v *visitor, body string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), promptly)
	defer cancel()
	if _, err := v.socket.Next(ctx, func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.Body == body
	}); err != nil {
		t.Fatalf("the visitor never heard %q: %v", body, err)
	}
}

// TestInboxRepliesOnASilentSocket: the agent's socket goes half-open (a
// laptop woken from sleep: the browser still thinks it open, nothing gets
// through either way). A reply written then is not answered, so the inbox
// probes the socket, finds it dead, opens a new one and sends the reply
// again there: it shows as sent and reaches the visitor once, within
// seconds rather than at the 30-second resends, which the dead socket
// would have swallowed too.
func TestInboxRepliesOnASilentSocket(t *testing.T) {
	tag := uuid.NewString()[:8]
	v, tab := chiaraFollows(t, "Asleep "+tag)

	socks := agentSockets(t, demoSubOf(t, "chiara"))
	for _, id := range socks {
		if !cloud.SilenceSocket(id) {
			t.Fatalf("socket %s is not connected", id)
		}
	}
	body := "Written after the sleep " + tag
	typeInto(t, tab, "textarea.reply", body+"\r")
	waitWithin(t, tab, 15*time.Second, "the reply shows as sent", `[...document.querySelectorAll(".tlog .body")].some(b => b.textContent === `+js(body)+`) && !document.querySelector(".tlog .msg.pending")`)
	heard(t, v, body)
	if n := eval[int](t, tab, `[...document.querySelectorAll(".tlog .body")].filter(b => b.textContent === `+js(body)+`).length`); n != 1 {
		t.Errorf("the thread shows the reply %d times, want once", n)
	}
	for _, id := range agentSockets(t, demoSubOf(t, "chiara")) {
		for _, old := range socks {
			if id == old {
				t.Errorf("the silent socket %s is still the agent's", id)
			}
		}
	}
}
