package browser

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/oidc"
)

// noteXSS are markup and script URLs in a note: they stay text.
const noteXSS = `<img src=x onerror="window.__xss='note'"> <svg onload="window.__xss='svg'"></svg> javascript:window.__xss='link'`

// inertInbox holds when nothing from a message or note became markup or ran.
const inertInbox = `document.querySelectorAll(".body img, .body svg, .preview img, .notification img:not(.avatar img)").length === 0 &&
	[...document.querySelectorAll(".body a")].every(a => a.protocol === "https:" || a.protocol === "http:") && window.__xss === undefined`

// TestNotesAndMentionsAcrossAgents: Alice and Ben have the same visitor's
// conversation open in their own browsers. Each sees the other's avatar;
// Ben sees "Alice Moreau is typing a note…" while she writes one, and her
// inbox tells as soon as her editor is empty; "@Be" in her note offers Ben, Enter
// picks him; her note (with markup in it) shows in both threads as a note,
// its mention marked, and reaches Ben as one unread notification whose
// click opens the conversation. The visitor's chat window never shows the
// note, nothing runs anywhere. When Alice replies while Ben writes a
// reply, Ben's editor says so before he sends.
func TestNotesAndMentionsAcrossAgents(t *testing.T) {
	tag := uuid.NewString()[:8]
	first := "Where is my refund " + tag + "?"
	b := newBrowser(t)
	visitorTab, alice, ben := newTab(t, b), newTab(t, b), newTab(t, b)
	// Ben first: Alice's inbox reads the agents it can mention as it starts.
	signIn(t, ben, "ben")
	signIn(t, alice, "alice")
	chat := startChat(t, visitorTab, first)
	benSub, aliceSub := demoSubOf(t, "ben"), demoSubOf(t, "alice")
	aliceName := displayName(t, apiAgent(t, "alice"))
	openConversation(t, alice, first)
	openConversation(t, ben, first)

	waitFor(t, alice, "Alice sees Ben viewing", `document.querySelector('.viewers .viewer[data-id="`+benSub+`"]') !== null`)
	waitFor(t, ben, "Ben sees Alice viewing", `document.querySelector('.viewers .viewer[data-id="`+aliceSub+`"]') !== null`)

	step(t, alice, "switch to a note", chromedp.Click(chromedp.CSS(`.mode-switch [data-mode="note"]`)))
	waitFor(t, alice, "the editor writes a note", `document.querySelector(".composer.note-mode textarea.reply") !== null`)
	// The typing frames Alice's inbox sends, in the order it sends them:
	// the gateway does not keep a socket's frames in order, so what Ben
	// receives may not be in this order.
	eval[bool](t, alice, `(() => {
		window.__typingSent = [];
		const send = WebSocket.prototype.send;
		WebSocket.prototype.send = function (data) {
			const f = JSON.parse(data);
			if (f.action === "typing") window.__typingSent.push(f.on && f.note ? "note" : f.on ? "reply" : "off");
			return send.call(this, data);
		};
		return true;
	})()`)
	typeInto(t, alice, "textarea.reply", "x")
	waitFor(t, ben, "Ben sees Alice typing a note", `document.querySelector(".agents-typing")?.textContent === `+js(aliceName+" is typing a note…"))
	// Emptied, then "y": "off" as the editor empties, and "typing" again.
	// Were the emptied editor not told at once, "y" would fall within the
	// 3 s between two "typing" frames and send nothing, or a second
	// "typing" without an "off" between.
	typeInto(t, alice, "textarea.reply", kb.Backspace)
	typeInto(t, alice, "textarea.reply", "y")
	// Only the first three: an idle editor says "off" 4 s after its last
	// key, which a slow machine may reach before the check reads the list.
	waitFor(t, alice, "Alice's inbox says she types a note, stopped as her editor emptied, types again", `window.__typingSent.slice(0, 3).join(",") === "note,off,note"`)
	typeInto(t, alice, "textarea.reply", kb.Backspace)

	typeInto(t, alice, "textarea.reply", "@Be")
	waitFor(t, alice, "the picker offers Ben", `document.querySelector('.mentions [role="option"][aria-selected="true"] span:last-child')?.textContent === "Ben Richter"`)
	step(t, alice, "pick Ben with Enter", pressEnter)
	waitFor(t, alice, "the mention is in the text", `document.querySelector("textarea.reply").value === "@Ben Richter " && document.querySelector(".mentions") === null`)
	note := "please check refund " + tag + " " + noteXSS
	typeInto(t, alice, "textarea.reply", note)
	step(t, alice, "add the note", pressEnter)

	whole := "@Ben Richter " + note
	noteShown := `[...document.querySelectorAll(".tlog .msg.note:not(.pending) .body")].some(b => b.textContent === ` + js(whole) + ` && b.querySelector(".mention")?.textContent === "@Ben Richter")`
	waitFor(t, alice, "Alice's thread shows her note", noteShown)
	waitFor(t, ben, "Ben's thread shows the note", noteShown)
	waitFor(t, ben, "Ben's bell counts one unread", `document.querySelector(".bell .count")?.textContent === "1"`)

	// Alice answers the visitor while Ben writes his own answer.
	step(t, alice, "back to replies", chromedp.Click(chromedp.CSS(`.mode-switch [data-mode="reply"]`)))
	typeInto(t, ben, "textarea.reply", "I will look into it")
	reply := "Your refund " + tag + " left our bank today."
	typeInto(t, alice, "textarea.reply", reply)
	step(t, alice, "send the reply", pressEnter)
	waitFor(t, ben, "Ben's editor says Alice replied meanwhile", `document.querySelector(".composer .overtaken")?.textContent.includes(`+js(aliceName+" replied while you were writing")+`) &&
		document.querySelector("textarea.reply").value === "I will look into it"`)
	waitFor(t, chat, "the visitor gets the reply", `document.querySelector(".log").textContent.includes(`+js(reply)+`)`)
	if eval[bool](t, chat, `document.body.textContent.includes("please check") || document.body.textContent.includes("Ben Richter")`) {
		t.Error("the visitor's chat window shows the note")
	}

	eval[bool](t, ben, `(location.hash = "#/inbox/main/all", true)`)
	waitFor(t, ben, "the list shows", `document.querySelector(".empty-title")?.textContent === "No conversation selected"`)
	step(t, ben, "open the notifications", chromedp.Click(chromedp.CSS(".bell")))
	waitFor(t, ben, "the mention is listed, unread", `[...document.querySelectorAll(".notification.unread")].some(n => n.textContent.includes(`+js(aliceName+" mentioned you")+`) && n.textContent.includes("please check refund `+tag+`"))`)
	step(t, ben, "click the mention", chromedp.Click(chromedp.CSS(".notification.unread")))
	waitFor(t, ben, "the conversation opens, the count is gone", `location.hash.startsWith("#/c/") && document.querySelector(".tlog")?.textContent.includes(`+js(first)+`) && document.querySelector(".bell .count") === null`)

	for name, ctx := range map[string]context.Context{"Alice's inbox": alice, "Ben's inbox": ben} {
		if !eval[bool](t, ctx, inertInbox) {
			t.Errorf("%s rendered markup or ran script from the note", name)
		}
	}
	if !eval[bool](t, chat, `window.__xss === undefined`) || !eval[bool](t, visitorTab, `window.__xss === undefined`) {
		t.Error("something ran in the widget or its host page")
	}
}

func demoSubOf(t *testing.T, name string) string {
	t.Helper()
	sub, err := oidc.DemoSub(name)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// recordNotifications makes a tab's pages see notifications allowed and
// hidden (as a background tab is), records every Notification they
// construct in window.__notified, and counts the sockets that opened in
// window.__socketsOpen (once one is open, the server pushes to it).
func recordNotifications(t *testing.T, tab context.Context) {
	t.Helper()
	step(t, tab, "allow notifications and record them", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted,
			Origin: strings.TrimSuffix(cloud.URL(), "/"), BrowserContextID: chromedp.FromContext(tab).BrowserContextID,
		}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
			window.__notified = [];
			const Shown = window.Notification;
			window.Notification = class extends Shown {
				constructor(title, options) {
					window.__notified.push({ title, body: options && options.body });
					super(title, options);
				}
			};
			window.__socketsOpen = 0;
			const Socket = window.WebSocket;
			window.WebSocket = class extends Socket {
				constructor(url, protocols) {
					super(url, protocols);
					this.addEventListener("open", () => window.__socketsOpen++);
				}
			};
			Object.defineProperty(Document.prototype, "hidden", { get: () => true });
			Object.defineProperty(Document.prototype, "visibilityState", { get: () => "hidden" });
		`})
		return err
	}))
}

// TestDesktopNotificationsFollowPreferences: with the permission granted
// and the tab in the background, a new conversation and a note mentioning
// Ben show desktop notifications. Ben turns mentions off (saved with his
// profile: a reload keeps it); a new conversation still shows one, the
// next mention counts in the bell but shows none.
func TestDesktopNotificationsFollowPreferences(t *testing.T) {
	b := newBrowser(t)
	ben := newTab(t, b)
	recordNotifications(t, ben)
	signIn(t, ben, "ben")
	waitFor(t, ben, "notifications are allowed", `Notification.permission === "granted"`)
	// Ben starts from the defaults, whatever an earlier test chose ...
	benAPI := apiAgent(t, "ben")
	defaults := map[string]any{"sound": true, "desktop": map[string]bool{"newConversations": true, "assigned": true, "mentions": true, "messages": false}}
	if err := benAPI.Call(t.Context(), http.MethodPut, "/agent/me/preferences", defaults, nil); err != nil {
		t.Fatal(err)
	}
	// ... and with nothing unread.
	if err := benAPI.Call(t.Context(), http.MethodPost, "/agent/notifications/read", map[string]bool{"all": true}, nil); err != nil {
		t.Fatal(err)
	}
	step(t, ben, "reload with the defaults", chromedp.Reload())
	waitFor(t, ben, "the inbox's socket is open", `window.__socketsOpen > 0`)

	tag := uuid.NewString()[:8]
	v := newVisitor(t, "Refund question "+tag)
	alice := apiAgent(t, "alice")
	aliceName := displayName(t, alice)
	mention := func(text string) {
		t.Helper()
		if err := alice.Call(t.Context(), http.MethodPost, "/agent/conversations/"+v.conversation+"/notes",
			map[string]string{"clientId": uuid.NewString(), "body": "@Ben Richter " + text}, nil); err != nil {
			t.Fatal(err)
		}
	}
	shown := func(title, body string) string {
		return `window.__notified.some(n => n.title === ` + js(title) + ` && (n.body || "").includes(` + js(body) + `))`
	}
	waitFor(t, ben, "a desktop notification of the new conversation", shown("New chat from Visitor "+strings.ToUpper(v.ID[:4]), "Refund question "+tag))
	mention("first " + tag)
	waitFor(t, ben, "a desktop notification of the mention", shown(aliceName+" mentioned you", "first "+tag))

	step(t, ben, "open the notifications", chromedp.Click(chromedp.CSS(".bell")))
	step(t, ben, "open the settings", chromedp.Click(chromedp.CSS(".notifications header .link:last-child")))
	waitFor(t, ben, "the preferences show", `document.querySelector('.prefs-form input[name="mentions"]')?.checked === true`)
	step(t, ben, "turn mentions off", chromedp.Click(chromedp.CSS(`.prefs-form input[name="mentions"]`)), chromedp.Click(chromedp.CSS(`.prefs-form button[type="submit"]`)))
	waitFor(t, ben, "the dialog closes", `!document.querySelector("dialog").open`)
	step(t, ben, "reload", chromedp.Reload())
	waitFor(t, ben, "the inbox's socket is open", `window.__socketsOpen > 0`)
	step(t, ben, "open the notifications", chromedp.Click(chromedp.CSS(".bell")))
	step(t, ben, "open the settings", chromedp.Click(chromedp.CSS(".notifications header .link:last-child")))
	waitFor(t, ben, "mentions stay off after the reload", `document.querySelector('.prefs-form input[name="mentions"]')?.checked === false && document.querySelector('.prefs-form input[name="newConversations"]').checked`)
	step(t, ben, "close the dialog", chromedp.Click(chromedp.CSS(`.prefs-form button.ghost`)))
	other := newVisitor(t, "A new chat "+tag)
	waitFor(t, ben, "a desktop notification of another new conversation", shown("New chat from Visitor "+strings.ToUpper(other.ID[:4]), "A new chat "+tag))

	mention("second " + tag)
	waitFor(t, ben, "the second mention is in the list", `document.querySelector(".bell .count")?.textContent === "2"`)
	// The frame that counted it went through the preferences: had they
	// asked for a notification, it would be there now.
	if eval[bool](t, ben, shown(aliceName+" mentioned you", "second "+tag)) {
		t.Error("a mention showed a desktop notification with mentions turned off")
	}
}
