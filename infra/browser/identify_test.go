package browser

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/settings"
)

// identitySecret reads the identity secret as a site's backend does.
func identitySecret(t *testing.T) []byte {
	t.Helper()
	for _, s := range cloud.Model().Secrets {
		if s.LogicalID == "IdentitySecret" {
			secret, err := chatclient.IdentitySecret(t.Context(), cloud.URL(), s.ARN)
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
	}
	t.Fatal("the template has no IdentitySecret")
	return nil
}

// identifyOnDemo opens the demo site in tab, calls Parley.identify as a
// site's page does, and opens the chat; it returns the chat window.
func identifyOnDemo(t *testing.T, tab context.Context, externalID, signature string) context.Context {
	t.Helper()
	step(t, tab, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	eval[bool](t, tab, `window.Parley.identify({externalId: `+js(externalID)+`, signature: `+js(signature)+`}) || true`)
	step(t, tab, "open the chat", chromedp.Click(launcher))
	return frame(t, tab)
}

// TestIdentifyAcrossBrowsers: a user identified by the site chats in one
// browser; in another browser the same signed identify shows the
// conversation; a wrong signature shows nothing until the right one comes.
func TestIdentifyAcrossBrowsers(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	text := "Order " + uuid.NewString()[:8] + " is late"
	browser := newBrowser(t)

	firstTab := newTab(t, browser)
	first := identifyOnDemo(t, firstTab, user, identity.Sign(secret, user))
	typeInto(t, first, "textarea.input", text+"\r")
	waitFor(t, first, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)

	// The user signs out of the site; the next person in this browser gets
	// pages that call no identify: the chat starts from the anonymous
	// token the browser kept and shows nothing of the user's.
	step(t, firstTab, "reload the demo site without identify", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	step(t, firstTab, "open the chat", chromedp.Click(launcher))
	after := frame(t, firstTab, chromedp.FromContext(first).Target.TargetID)
	waitFor(t, after, "the chat is ready", `!document.querySelector("textarea.input").closest("[hidden]")`)
	time.Sleep(time.Second) // a session that would show the history has answered by now
	if eval[bool](t, after, `document.querySelector(".log").textContent.includes(`+js(text)+`)`) {
		t.Fatal("the browser showed the identified user's conversation to a page that did not identify")
	}

	second := identifyOnDemo(t, newTab(t, browser), user, identity.Sign(secret, user))
	waitFor(t, second, "the other browser shows the user's conversation", `document.querySelector(".log").textContent.includes(`+js(text)+`)`)

	tab := newTab(t, browser)
	third := identifyOnDemo(t, tab, user, strings.Repeat("0", 64))
	waitFor(t, third, "the chat is ready", `!document.querySelector("textarea.input").closest("[hidden]")`)
	time.Sleep(time.Second) // the refused identify has answered by now
	if eval[bool](t, third, `document.querySelector(".log").textContent.includes(`+js(text)+`)`) {
		t.Fatal("a wrong signature showed the user's conversation")
	}
	eval[bool](t, tab, `window.Parley.identify({externalId: `+js(user)+`, signature: `+js(identity.Sign(secret, user))+`}) || true`)
	waitFor(t, third, "the right signature then shows it", `document.querySelector(".log").textContent.includes(`+js(text)+`)`)
}

// TestIdentifyAnsweredLate: the visitor writes while the site's identify
// is still answered. The message waits for the answer and goes into the
// identified user's conversation, not the anonymous visitor's, which the
// next person on this browser would see.
func TestIdentifyAnsweredLate(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	text := "Written before the answer " + uuid.NewString()[:8]
	browser := newBrowser(t)
	tab := newTab(t, browser)
	step(t, tab, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	step(t, tab, "open the chat", chromedp.Click(launcher))
	chat := frame(t, tab)

	// Hold the identify request, as a slow network would.
	identifies := holdRequests(t, chat, "*/widget/identify")
	eval[bool](t, tab, `window.Parley.identify({externalId: `+js(user)+`, signature: `+js(identity.Sign(secret, user))+`}) || true`)
	held := identifies.next("the identify")
	typeInto(t, chat, "textarea.input", text+"\r")
	waitFor(t, chat, "the message waits", `document.querySelector(".log").textContent.includes(`+js(text)+`) && document.querySelector(".pending") !== null`)
	identifies.release(held)
	waitFor(t, chat, "the message is stored", `document.querySelector(".log").textContent.includes(`+js(text)+`) && !document.querySelector(".pending") && document.querySelector(".receipt").textContent === "Sent"`)

	other := identifyOnDemo(t, newTab(t, browser), user, identity.Sign(secret, user))
	waitFor(t, other, "the user's conversation holds it, in another browser", `document.querySelector(".log").textContent.includes(`+js(text)+`)`)

	step(t, tab, "the next person: the demo site without identify", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	step(t, tab, "open the chat", chromedp.Click(launcher))
	after := frame(t, tab, frameID(chat))
	waitFor(t, after, "the chat is ready", `!document.querySelector("textarea.input").closest("[hidden]")`)
	time.Sleep(time.Second) // a session that would show the history has answered by now
	if eval[bool](t, after, `document.querySelector(".log").textContent.includes(`+js(text)+`)`) {
		t.Fatal("the message written before the identify's answer went to the anonymous visitor")
	}
}

// TestSiteChunkFailsOnce: the chunk that acts on the site's identify,
// attributes and pages fails to load once, while the visitor writes. The
// message is not held for an identify that cannot come: it goes, once.
// The chunk is tried again and what it brings works: the site's identify
// makes the next message the user's, and the inbox shows who wrote it and
// on which page.
func TestSiteChunkFailsOnce(t *testing.T) {
	tag := uuid.NewString()[:8]
	a := identity.Assertion{ExternalID: "user-" + tag, Name: "Rosa " + tag, IssuedAt: cloud.Now().Unix()}
	a.Signature = identity.SignAssertion(identitySecret(t), a)
	title := "Plans " + tag
	first, second := "Written while the chunk loads "+tag, "Written after the retry "+tag
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "ben")
	site := newTab(t, browser)
	chat := openChat(t, site, "")

	chunks := holdRequests(t, chat, "*/widget/site-*.js")
	eval[bool](t, site, `(document.title = `+js(title)+`, window.Parley.identify({externalId: `+js(a.ExternalID)+`, name: `+js(a.Name)+
		`, issuedAt: `+strconv.FormatInt(a.IssuedAt, 10)+`, signature: `+js(a.Signature)+`}), true)`)
	failed := chunks.next("the site chunk")
	typeInto(t, chat, "textarea.input", first+"\r")
	waitFor(t, chat, "the message waits for the identify", `document.querySelector(".pending") !== null`)
	chunks.fail(failed)
	waitWithin(t, chat, 15*time.Second, "the message goes all the same", `document.querySelector(".log").textContent.includes(`+js(first)+`) && !document.querySelector(".pending") && document.querySelector(".receipt").textContent === "Sent"`)
	openConversation(t, agent, first)
	if n := eval[int](t, agent, `[...document.querySelectorAll(".tlog .from-visitor")].filter(m => m.textContent.includes(`+js(first)+`)).length`); n != 1 {
		t.Errorf("the inbox shows the message %d times, want once", n)
	}

	// The loader's next word (every second) brings the chunk again; with it
	// the identify goes, and the window continues as the user, who has no
	// conversation yet.
	chunks.release(chunks.next("the site chunk again"))
	waitFor(t, chat, "the window continues as the user", `!document.querySelector(".log").textContent.includes(`+js(first)+`)`)
	typeInto(t, chat, "textarea.input", second+"\r")
	waitFor(t, chat, "the next message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	openConversation(t, agent, second)
	waitFor(t, agent, "the sidebar names the user", `document.querySelector(".csb-name")?.textContent === `+js(a.Name))
	waitFor(t, agent, "the sidebar shows the page", `document.querySelector(".csb-visit")?.textContent.includes(`+js(title)+`)`)

	// Close both: the tests after this one share the inbox's open list.
	closeThread(t, agent)
	openConversation(t, agent, first)
	closeThread(t, agent)
}

// TestUnsentMessageStaysWithItsVisitor: what a user the site identified
// wrote and could not send (the socket died unseen) is kept for that user
// only. The tab's next page calls no identify (the user signed out): it
// neither shows the message nor sends it as the browser's anonymous
// visitor. A page that identifies the user again sends it, into the
// user's conversation, once.
func TestUnsentMessageStaysWithItsVisitor(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	chat := identifyOnDemo(t, tab, user, identity.Sign(secret, user))
	first, kept := "Signed in "+tag, "Unsent while signed in "+tag
	leaveUnsent(t, chat, first, kept)

	anonymous := openAnonymously(t, tab, chat)
	if eval[bool](t, anonymous, `document.querySelector(".log").textContent.includes(`+js(kept)+`)`) {
		t.Error("a page that did not identify shows the user's unsent message")
	}
	if n := len(storedWith(t, kept)); n != 0 {
		t.Fatalf("the user's unsent message was stored %d times by a page that did not identify", n)
	}

	again := identifyOnDemo(t, tab, user, identity.Sign(secret, user))
	waitFor(t, again, "the user's page sends the message", `document.querySelector(".log").textContent.includes(`+js(kept)+`) &&
		!document.querySelector(".pending") && document.querySelector(".receipt").textContent === "Sent"`)
	storedOnceBeside(t, kept, first)
}

// openAnonymously opens the demo site in tab without identify, and its
// chat (a new window: not was's); it waits long enough for a window that
// would send something to have sent it.
func openAnonymously(t *testing.T, tab, was context.Context) context.Context {
	t.Helper()
	step(t, tab, "a page that calls no identify", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	step(t, tab, "open the chat", chromedp.Click(launcher))
	chat := frame(t, tab, frameID(was))
	waitFor(t, chat, "the chat is ready", `!document.querySelector("textarea.input").closest("[hidden]") && document.querySelector(".log .row")`)
	time.Sleep(2 * time.Second) // a message the window would send has gone by now
	return chat
}

// TestUnsentAnonymousMessageStaysAnonymous: what the browser's anonymous
// visitor wrote and could not send is not the user's: the tab's next page
// identifies the site's user and neither shows nor sends it; the page
// after, which does not identify, sends it into the anonymous visitor's
// conversation.
func TestUnsentAnonymousMessageStaysAnonymous(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	chat := openChat(t, tab, "")
	first, kept := "Anonymous first "+tag, "Unsent anonymous "+tag
	leaveUnsent(t, chat, first, kept)

	signed := identifyOnDemo(t, tab, user, identity.Sign(secret, user))
	waitFor(t, signed, "the chat is ready", `!document.querySelector("textarea.input").closest("[hidden]")`)
	time.Sleep(2 * time.Second) // a message the window would send has gone by now
	if eval[bool](t, signed, `document.querySelector(".log").textContent.includes(`+js(kept)+`)`) {
		t.Error("the identified user's window shows what the anonymous visitor wrote")
	}
	if n := len(storedWith(t, kept)); n != 0 {
		t.Fatalf("the anonymous visitor's unsent message was stored %d times by the user's page", n)
	}

	anonymous := openAnonymously(t, tab, signed)
	waitFor(t, anonymous, "the anonymous page sends it", `document.querySelector(".log").textContent.includes(`+js(kept)+`) && !document.querySelector(".pending")`)
	storedOnceBeside(t, kept, first)
}

// identifying is a chat window whose visitor sent first and then held,
// while the site's identify, held in identifies (request id), is
// answered.
type identifying struct {
	chat        context.Context
	first, held string
	identifies  *held
	id          fetch.RequestID
}

// writeWhileIdentifying opens the chat in tab as the browser's anonymous
// visitor, sends a message, has the page identify user with signature
// (the request held) and writes a message, which waits for the answer.
func writeWhileIdentifying(t *testing.T, tab context.Context, user, signature, tag string) identifying {
	t.Helper()
	w := identifying{chat: openChat(t, tab, ""), first: "Anonymous first " + tag, held: "Held for the user " + tag}
	sendMessage(t, w.chat, w.first)
	w.identifies = holdRequests(t, w.chat, "*/widget/identify")
	eval[bool](t, tab, `window.Parley.identify({externalId: `+js(user)+`, signature: `+js(signature)+`}) || true`)
	w.id = w.identifies.next("the identify")
	typeInto(t, w.chat, "textarea.input", w.held+"\r")
	waitFor(t, w.chat, "the message waits for the identify", `document.querySelector(".log .pending") !== null`)
	return w
}

// TestMessageHeldForAnIdentifyIsNotKept: a message written while the
// site's identify is answered waits for it (it goes as whoever the answer
// says); the page is left first. The tab's next page does not identify:
// it neither shows nor sends the message, which belonged to no visitor
// yet.
func TestMessageHeldForAnIdentifyIsNotKept(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	w := writeWhileIdentifying(t, tab, user, identity.Sign(secret, user), tag)
	chat, held := w.chat, w.held

	anonymous := openAnonymously(t, tab, chat)
	if eval[bool](t, anonymous, `document.querySelector(".log").textContent.includes(`+js(held)+`)`) {
		t.Error("a page that did not identify shows what was written for the user")
	}
	if n := len(storedWith(t, held)); n != 0 {
		t.Errorf("what was written for the user was stored %d times by a page that did not identify", n)
	}
}

// TestRevokedUsersUnsentMessage: the site revokes its user while a
// message of the user is unsent. The window falls back to the browser's
// anonymous visitor, shows nothing of the user's and does not send the
// message as that visitor; a later page that identifies the user sends
// it, into the user's conversation.
func TestRevokedUsersUnsentMessage(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	tag := uuid.NewString()[:8]
	tab := newTab(t, newBrowser(t))
	chat := identifyOnDemo(t, tab, user, identity.Sign(secret, user))
	first, kept := "Signed in "+tag, "Unsent when revoked "+tag
	leaveUnsent(t, chat, first, kept)
	time.Sleep(1100 * time.Millisecond) // a revocation covers what was signed before it, by the second
	now := cloud.Now().Unix()
	e := cloud.Endpoints()
	if _, err := chatclient.Revoke(t.Context(), chatclient.Endpoints{HTTPAPI: e.HTTPAPI, WebSocket: e.WebSocket, InboxOrigin: cloud.URL()},
		identity.Revocation{ExternalID: user, IssuedAt: now, Signature: identity.SignRevoke(secret, user, now)}); err != nil {
		t.Fatal(err)
	}
	// The dead socket is probed and replaced; the user's token is refused
	// then, and the window starts over as the browser's own visitor.
	waitWithin(t, chat, 30*time.Second, "the window is the anonymous visitor", `!document.querySelector(".log").textContent.includes(`+js(first)+`)`)
	time.Sleep(2 * time.Second) // a message the window would send has gone by now
	if eval[bool](t, chat, `document.querySelector(".log").textContent.includes(`+js(kept)+`)`) {
		t.Error("the anonymous window shows the revoked user's unsent message")
	}
	if n := len(storedWith(t, kept)); n != 0 {
		t.Fatalf("the revoked user's unsent message was stored %d times as the anonymous visitor", n)
	}

	// A signature made after the revocation identifies the user again.
	time.Sleep(1100 * time.Millisecond)
	a := identity.Assertion{ExternalID: user, IssuedAt: cloud.Now().Unix()}
	a.Signature = identity.SignAssertion(secret, a)
	step(t, tab, "the user signs in again", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	eval[bool](t, tab, `(window.Parley.identify({externalId: `+js(a.ExternalID)+`, issuedAt: `+strconv.FormatInt(a.IssuedAt, 10)+`, signature: `+js(a.Signature)+`}), true)`)
	step(t, tab, "open the chat", chromedp.Click(launcher))
	again := frame(t, tab, frameID(chat))
	waitFor(t, again, "the user's page sends the message", `document.querySelector(".log").textContent.includes(`+js(kept)+`) && !document.querySelector(".pending")`)
	storedOnceBeside(t, kept, first)
}

// TestIdentifyFailsOnTheNetwork: a message written while the site's
// identify is answered waits for it; the identify fails on the network
// (no answer, not a refusal). The message does not go as the anonymous
// visitor: the identify is tried again, and once it is answered the
// message goes, once, as the user.
func TestIdentifyFailsOnTheNetwork(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	tag := uuid.NewString()[:8]
	browser := newBrowser(t)
	w := writeWhileIdentifying(t, newTab(t, browser), user, identity.Sign(secret, user), tag)
	chat, first, held, identifies := w.chat, w.first, w.held, w.identifies
	identifies.fail(w.id)
	again := identifies.next("the identify, tried again")
	if n := len(storedWith(t, held)); n != 0 {
		t.Fatalf("the message was stored %d times as the anonymous visitor after the identify failed on the network", n)
	}
	identifies.release(again)
	waitFor(t, chat, "the message goes once the identify is answered", `document.querySelector(".log").textContent.includes(`+js(held)+`) && !document.querySelector(".pending")`)
	items, firsts := storedWith(t, held), storedWith(t, first)
	if len(items) != 1 || items[0]["pk"].(*types.AttributeValueMemberS).Value == firsts[0]["pk"].(*types.AttributeValueMemberS).Value {
		t.Fatalf("the message is stored %d times, want once, outside the anonymous visitor's conversation", len(items))
	}
	other := identifyOnDemo(t, newTab(t, browser), user, identity.Sign(secret, user))
	waitFor(t, other, "the user's conversation holds it, in another tab", `document.querySelector(".log").textContent.includes(`+js(held)+`)`)
}

// TestIdentifyThatHangs: an identify whose request never answers (the
// network went away under it) is given up after 15 s and tried again;
// what the visitor wrote meanwhile waits for it, and goes as the user.
func TestIdentifyThatHangs(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()
	tag := uuid.NewString()[:8]
	browser := newBrowser(t)
	w := writeWhileIdentifying(t, newTab(t, browser), user, identity.Sign(secret, user), tag)
	// w.id is never answered.
	again := w.identifies.next("the identify, tried again after the first hung")
	if n := len(storedWith(t, w.held)); n != 0 {
		t.Fatalf("the message was stored %d times while the identify hung", n)
	}
	w.identifies.release(again)
	waitFor(t, w.chat, "the message goes once the identify is answered", `document.querySelector(".log").textContent.includes(`+js(w.held)+`) && !document.querySelector(".pending")`)
	if got, want := pkOf(t, w.held), userConversation(t, browser, secret, user); got != want {
		t.Errorf("the message is in %s, want the user's conversation %s", got, want)
	}
}

// identifyJS is a page's call of identify for user.
func identifyJS(secret []byte, user string) string {
	return `(window.Parley.identify({externalId: ` + js(user) + `, signature: ` + js(identity.Sign(secret, user)) + `}), true)`
}

// nextIdentifyOf waits for the next identify h holds (letting preflights
// through) and returns whom it identifies and its request.
func nextIdentifyOf(t *testing.T, h *held, what string) (string, fetch.RequestID) {
	t.Helper()
	e := h.nextRequest(what)
	for e.Request.Method == "OPTIONS" {
		h.pass(e.RequestID)
		e = h.nextRequest(what)
	}
	var body struct {
		ExternalID string `json:"externalId"`
	}
	sentJSON(t, e, &body)
	return body.ExternalID, e.RequestID
}

// userConversation is the conversation of user, as another tab of browser
// that identifies the user finds it (it writes a message there).
func userConversation(t *testing.T, browser context.Context, secret []byte, user string) string {
	t.Helper()
	probe := "Probe as " + user
	sendMessage(t, identifyOnDemo(t, newTab(t, browser), user, identity.Sign(secret, user)), probe)
	return pkOf(t, probe)
}

// pkOf is the conversation of the one message stored with text body.
func pkOf(t *testing.T, body string) string {
	t.Helper()
	items := storedWith(t, body)
	if len(items) != 1 {
		t.Fatalf("%q stored %d times", body, len(items))
	}
	return items[0]["pk"].(*types.AttributeValueMemberS).Value
}

// TestIdentifyTwiceTheLastWins: the site identifies A, whose identify
// fails on the network, then B, answered. A's identify is not tried again
// (or its answer changes nothing): the window stays B, and what the
// visitor writes next goes into B's conversation.
func TestIdentifyTwiceTheLastWins(t *testing.T) {
	secret := identitySecret(t)
	tag := uuid.NewString()[:8]
	a, b := "userA-"+tag, "userB-"+tag
	browser := newBrowser(t)
	tab := newTab(t, browser)
	chat := openChat(t, tab, "")
	first := "Anonymous first " + tag
	sendMessage(t, chat, first)
	ids := holdRequests(t, chat, "*/widget/identify")
	eval[bool](t, tab, identifyJS(secret, a))
	who, id := nextIdentifyOf(t, ids, "A's identify")
	if who != a {
		t.Fatalf("first identify is %s", who)
	}
	ids.fail(id)
	eval[bool](t, tab, identifyJS(secret, b))
	who, id = nextIdentifyOf(t, ids, "B's identify")
	if who != b {
		t.Fatalf("second request is %s, want B's", who)
	}
	ids.pass(id)
	waitFor(t, chat, "the window is B (the anonymous log is gone)", `!document.querySelector(".log").textContent.includes(`+js(first)+`)`)
	select {
	case e := <-ids.paused:
		ids.release(e.RequestID)
		if e.Request.Method == "OPTIONS" {
			time.Sleep(time.Second)
		}
	case <-time.After(4 * time.Second):
		step(t, chat, "hold no more", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, fetch.Disable, cdp.Empty{})
			return err
		}))
	}
	time.Sleep(time.Second)
	after := "After both identifies " + tag
	typeInto(t, chat, "textarea.input", after+"\r")
	waitFor(t, chat, "sent", `document.querySelector(".log").textContent.includes(`+js(after)+`) && !document.querySelector(".pending")`)
	if pkOf(t, after) != userConversation(t, browser, secret, b) {
		t.Errorf("a message written after the page identified B (last) went outside B's conversation: the stale identify of A won")
	}
}

// TestIdentifyTwiceWhatWaitsGoesAsTheLast: both identifies in flight, the
// visitor writes after the page said B; A is answered first. The message
// waits for B's answer and goes into B's conversation.
func TestIdentifyTwiceWhatWaitsGoesAsTheLast(t *testing.T) {
	secret := identitySecret(t)
	tag := uuid.NewString()[:8]
	a, b := "userA-"+tag, "userB-"+tag
	browser := newBrowser(t)
	tab := newTab(t, browser)
	chat := openChat(t, tab, "")
	sendMessage(t, chat, "Anonymous first "+tag)
	ids := holdRequests(t, chat, "*/widget/identify")
	eval[bool](t, tab, identifyJS(secret, a))
	_, ida := nextIdentifyOf(t, ids, "A's identify")
	eval[bool](t, tab, identifyJS(secret, b))
	_, idb := nextIdentifyOf(t, ids, "B's identify")
	held := "Written after identify(B) " + tag
	typeInto(t, chat, "textarea.input", held+"\r")
	waitFor(t, chat, "held", `document.querySelector(".log .pending") !== null`)
	ids.pass(ida)
	time.Sleep(2 * time.Second)
	if !eval[bool](t, chat, `!!document.querySelector(".pending")`) {
		t.Error("the message went on A's answer, before B's")
	}
	ids.release(idb)
	time.Sleep(2 * time.Second)
	if pkOf(t, held) != userConversation(t, browser, secret, b) {
		t.Errorf("a message written after the page identified B went as A (A answered first)")
	}
}

// TestIdentifyNotOnThisSite: the channel is taken off the site while the
// chat is open; the site identifies its user, answered 403 (not on this
// site). The message written meanwhile goes nowhere (not as the anonymous
// visitor over the socket still open), and the window says the chat is
// not available here.
func TestIdentifyNotOnThisSite(t *testing.T) {
	secret := identitySecret(t)
	tag := uuid.NewString()[:8]
	ch := newChannel(t, "main", "Off the site "+tag, nil)
	page := sitePage(t, embed(ch["id"].(string)))
	tab := newTab(t, newBrowser(t))
	step(t, tab, "open", chromedp.Navigate(page), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, tab)
	first := "Listed " + tag
	sendMessage(t, chat, first)
	ch["allowedOrigins"] = []string{"https://elsewhere.example.com"}
	saveChannel(t, ch)
	if err := cloud.Advance(settings.CacheTTL); err != nil {
		t.Fatal(err)
	}
	ids := holdRequests(t, chat, "*/widget/identify")
	user := "user-" + tag
	eval[bool](t, tab, identifyJS(secret, user))
	id := ids.next("the identify")
	held := "For the user " + tag
	typeInto(t, chat, "textarea.input", held+"\r")
	waitFor(t, chat, "held", `document.querySelector(".log .pending") !== null`)
	ids.release(id)
	waitFor(t, chat, "settled", `!document.querySelector(".pending") || document.querySelector(".notice").textContent.includes("not available")`)
	notice := eval[string](t, chat, `(n => n.hidden ? "" : n.textContent)(document.querySelector(".notice"))`)
	if n := len(storedWith(t, held)); n != 0 {
		storedOnceBeside(t, held, first)
		t.Errorf("the message held for the user went as the anonymous visitor (%d stored) after a 403 'not on this site'", n)
	}
	if notice == "" {
		t.Errorf("the window does not say the chat is not available here")
	}
}

// TestFileWhileIdentifying: the visitor attaches a file while the site's
// identify is answered, which fails once on the network: the upload slot
// is asked for once the identify says who the visitor is, and the message
// with its file goes, once.
func TestFileWhileIdentifying(t *testing.T) {
	secret := identitySecret(t)
	tag := uuid.NewString()[:8]
	user := "user-" + tag
	tab := newTab(t, newBrowser(t))
	chat := openChat(t, tab, "")
	sendMessage(t, chat, "Anonymous first "+tag)
	ids := holdRequests(t, chat, "*/widget/identify")
	eval[bool](t, tab, identifyJS(secret, user))
	id := ids.next("the identify")
	dropFiles(t, chat, ".log", jsFile("photo-"+tag+".png", "image/png", picture(t, 4, 3)))
	body := "With a photo " + tag
	typeInto(t, chat, "textarea.input", body+"\r")
	waitFor(t, chat, "held", `document.querySelector(".log .pending") !== null`)
	ids.fail(id)
	ids.release(ids.next("the retry"))
	waitFor(t, chat, "settled", `!document.querySelector(".pending:not(.refused)")`)
	if eval[bool](t, chat, `!!document.querySelector(".pending.refused")`) || len(storedWith(t, body)) != 1 {
		t.Errorf("the message with a file written while the identify was answered was refused (stored %d)", len(storedWith(t, body)))
	}
}

// TestUploadOutlastsIdentify: the visitor attaches a file and writes while
// the site's identify is answered; the identify is answered (a new
// visitor) before the upload is done. The message goes once its file is
// up, and so does the one written after it.
func TestUploadOutlastsIdentify(t *testing.T) {
	secret := identitySecret(t)
	tag := uuid.NewString()[:8]
	user := "user-" + tag
	tab := newTab(t, newBrowser(t))
	chat := openChat(t, tab, "")
	sendMessage(t, chat, "Anonymous first "+tag)
	hold := holdRequests(t, chat, "*/widget/identify", "*/widget/uploads")
	var identifyID, uploadID fetch.RequestID
	eval[bool](t, tab, identifyJS(secret, user))
	next := func(what string) {
		for {
			e := hold.nextRequest(what)
			if e.Request.Method == "OPTIONS" {
				hold.pass(e.RequestID)
				continue
			}
			if strings.Contains(e.Request.URL, "/widget/identify") {
				identifyID = e.RequestID
			} else {
				uploadID = e.RequestID
			}
			return
		}
	}
	next("the identify")
	dropFiles(t, chat, ".log", jsFile("photo-"+tag+".png", "image/png", picture(t, 4, 3)))
	body := "With a photo " + tag
	typeInto(t, chat, "textarea.input", body+"\r")
	waitFor(t, chat, "held", `document.querySelector(".log .pending") !== null`)
	asked := uploadID != ""
	hold.pass(identifyID)
	waitFor(t, chat, "the window is the user's", `!document.querySelector(".log").textContent.includes("Anonymous first")`)
	if !asked {
		next("the upload slot")
	}
	if asked {
		t.Error("the upload slot was asked for before the identify was answered")
	}
	hold.release(uploadID)
	later := "Written later " + tag
	typeInto(t, chat, "textarea.input", later+"\r")
	waitWithin(t, chat, 20*time.Second, "both messages go", `(t => t.includes(`+js(body)+`) && t.includes(`+js(later)+`))(document.querySelector(".log").textContent) && !document.querySelector(".pending")`)
	if a, b := len(storedWith(t, body)), len(storedWith(t, later)); a != 1 || b != 1 {
		t.Errorf("the messages are stored %d and %d times, want once each", a, b)
	}
}

// TestRevokedWhileIdentifying: the window is user A; the site identifies
// B (answer held) and the visitor writes; A is revoked meanwhile (its
// socket closed), and the window becomes the anonymous visitor. The
// message written for B's identify waits on, and goes as B once B's
// answer comes.
func TestRevokedWhileIdentifying(t *testing.T) {
	secret := identitySecret(t)
	tag := uuid.NewString()[:8]
	a, b := "userA-"+tag, "userB-"+tag
	browser := newBrowser(t)
	tab := newTab(t, browser)
	chat := identifyOnDemo(t, tab, a, identity.Sign(secret, a))
	first := "Signed in as A " + tag
	sendMessage(t, chat, first)
	ids := holdRequests(t, chat, "*/widget/identify")
	time.Sleep(1100 * time.Millisecond)
	eval[bool](t, tab, identifyJS(secret, b))
	_, idb := nextIdentifyOf(t, ids, "B's identify")
	held := "Held for B " + tag
	typeInto(t, chat, "textarea.input", held+"\r")
	waitFor(t, chat, "held", `document.querySelector(".log .pending") !== null`)
	now := cloud.Now().Unix()
	e := cloud.Endpoints()
	if _, err := chatclient.Revoke(t.Context(), chatclient.Endpoints{HTTPAPI: e.HTTPAPI, WebSocket: e.WebSocket, InboxOrigin: cloud.URL()},
		identity.Revocation{ExternalID: a, IssuedAt: now, Signature: identity.SignRevoke(secret, a, now)}); err != nil {
		t.Fatal(err)
	}
	waitWithin(t, chat, 30*time.Second, "the window is the anonymous visitor", `!document.querySelector(".log").textContent.includes(`+js(first)+`)`)
	ids.release(idb)
	time.Sleep(3 * time.Second)
	waitFor(t, chat, "the message goes as B", `document.querySelector(".log").textContent.includes(`+js(held)+`) && !document.querySelector(".pending")`)
	if n := len(storedWith(t, held)); n != 1 {
		t.Errorf("the message written for B's identify is stored %d times, want once", n)
	}
}
