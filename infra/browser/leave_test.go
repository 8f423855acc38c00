package browser

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
)

// recordSent keeps in window.__sent, in the order the inbox sends them,
// the frames of its socket whose action is one of actions.
func recordSent(t *testing.T, tab context.Context, actions ...string) {
	t.Helper()
	list, err := json.Marshal(actions)
	if err != nil {
		t.Fatal(err)
	}
	eval[bool](t, tab, `(() => {
		window.__sent = [];
		const actions = `+string(list)+`;
		const send = WebSocket.prototype.send;
		WebSocket.prototype.send = function (data) {
			const f = JSON.parse(data);
			if (actions.includes(f.action)) window.__sent.push(f);
			return send.call(this, data);
		};
		return true;
	})()`)
}

// TestInboxLeavesTheThreadItLeaves: the inbox follows the thread it shows
// and no other. Opening A, then B, sends "leave" for A with the
// subscription A's resume named; going back to the list leaves B. A
// closed thread, whose stream is quiet, is left without a frame.
func TestInboxLeavesTheThreadItLeaves(t *testing.T) {
	tag := uuid.NewString()[:8]
	a, b := newVisitor(t, "Parcel A "+tag), newVisitor(t, "Parcel B "+tag)
	tab := newTab(t, newBrowser(t))
	signIn(t, tab, "chiara")
	recordSent(t, tab, "resume", "leave")
	resumed := func(id string) string {
		return `window.__sent.find(f => f.action === "resume" && f.conversationId === ` + js(id) + `)?.subscription`
	}
	left := func(id string) string {
		return `window.__sent.filter(f => f.action === "leave" && f.conversationId === ` + js(id) + `)`
	}

	openConversation(t, tab, "Parcel A "+tag)
	waitFor(t, tab, "A is followed with a subscription", resumed(a.conversation)+` !== undefined`)
	openConversation(t, tab, "Parcel B "+tag)
	waitFor(t, tab, "B is followed", resumed(b.conversation)+` !== undefined`)
	if !eval[bool](t, tab, `(() => { const l = `+left(a.conversation)+`; return l.length === 1 && l[0].subscription === `+resumed(a.conversation)+`; })()`) {
		t.Errorf("opening B did not leave A once, with A's subscription: sent %s", eval[string](t, tab, `JSON.stringify(window.__sent)`))
	}
	eval[bool](t, tab, `(location.hash = "#/inbox/main/all", true)`)
	waitFor(t, tab, "going back to the list leaves B", left(b.conversation)+`.length === 1`)

	if _, err := apiAgent(t, "chiara").Act(t.Context(), b.conversation, "close", nil); err != nil {
		t.Fatal(err)
	}
	// Closed, B is no longer in the list of open conversations: its link.
	eval[bool](t, tab, `(location.hash = "#/c/`+b.conversation+`", true)`)
	waitFor(t, tab, "the closed thread shows and is followed again", `document.querySelector(".tlog")?.textContent.includes(`+js("Parcel B "+tag)+`) && window.__sent.filter(f => f.action === "resume" && f.conversationId === `+js(b.conversation)+`).length >= 2`)
	eval[bool](t, tab, `(location.hash = "#/inbox/main/all", true)`)
	// Opening A again comes after the list: a leave for B would be sent
	// before it.
	openConversation(t, tab, "Parcel A "+tag)
	waitFor(t, tab, "A is followed again", `window.__sent.filter(f => f.action === "resume" && f.conversationId === `+js(a.conversation)+`).length >= 2`)
	if n := eval[int](t, tab, left(b.conversation)+`.length`); n != 1 {
		t.Errorf("leaving the closed thread B sent %d leaves in all, want the first one only", n)
	}
}

// TestInboxReadNamesItsThread: the inbox marks the thread it opens read
// naming the subscription its resumes of that thread name, so the server
// spares this tab's socket the push; the unread dot clears from the read's
// answer. A seq is read once, however often the tab asks while the read
// is under way.
func TestInboxReadNamesItsThread(t *testing.T) {
	tag := uuid.NewString()[:8]
	v := newVisitor(t, "Read receipt "+tag)
	tab := newTab(t, newBrowser(t))
	signIn(t, tab, "chiara")
	recordSent(t, tab, "resume")
	// Reads are recorded, and answered half a second late: what asks to
	// read meanwhile must not read the same seq again.
	eval[bool](t, tab, `(() => {
		window.__reads = [];
		const fetch = window.fetch;
		window.fetch = function (url, init) {
			if (!String(url).endsWith("/read")) return fetch.apply(this, arguments);
			window.__reads.push({ url: String(url), body: JSON.parse(init.body) });
			const args = arguments;
			return new Promise((r) => setTimeout(r, 500)).then(() => fetch.apply(this, args));
		};
		return true;
	})()`)
	item := `[...document.querySelectorAll(".item")].find(i => i.dataset.id === ` + js(v.conversation) + `)`
	waitFor(t, tab, "the conversation is listed unread", `(`+item+`)?.querySelector(".dot") != null`)
	openConversation(t, tab, "Read receipt "+tag)
	waitFor(t, tab, "the thread is read", `window.__reads.some(r => r.url.includes(`+js(v.conversation)+`))`)
	// The tab shown again, twice, while the read is under way.
	eval[bool](t, tab, `(document.dispatchEvent(new Event("visibilitychange")), document.dispatchEvent(new Event("visibilitychange")), true)`)
	waitFor(t, tab, "reading clears the unread dot", `(`+item+`).querySelector(".dot") === null`)
	got := eval[string](t, tab, `JSON.stringify({reads: window.__reads.filter(r => r.url.includes(`+js(v.conversation)+`)).map(r => r.body), resumes: window.__sent.filter(f => f.conversationId === `+js(v.conversation)+`).map(f => f.subscription)})`)
	if !eval[bool](t, tab, `(() => {
		const reads = window.__reads.filter(r => r.url.includes(`+js(v.conversation)+`));
		const subs = window.__sent.filter(f => f.conversationId === `+js(v.conversation)+`).map(f => f.subscription);
		// A socket that opens as the thread does resumes it again (the
		// reconnect follows the open thread), with the same subscription;
		// the thread is read once.
		return reads.length === 1 && subs.length >= 1 && subs.every(s => s === subs[0]) && reads.every(r => r.body.subscription === subs[0] && r.body.seq === 1);
	})()`) {
		t.Errorf("want one read of seq 1 naming the thread's subscription: %s", got)
	}
}
