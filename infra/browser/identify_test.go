package browser

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/identity"
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
