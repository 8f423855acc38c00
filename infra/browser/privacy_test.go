package browser

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// netLog records the requests and WebSockets a tab makes.
type netLog struct {
	mu       sync.Mutex
	requests []string
	sockets  []string
}

func (n *netLog) listen(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		n.requests = append(n.requests, e.Request.URL)
	case *network.EventWebSocketCreated:
		n.sockets = append(n.sockets, e.URL)
	}
}

func (n *netLog) snapshot() (requests, sockets []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.requests), slices.Clone(n.sockets)
}

// TestPrivacyBeforeOpen: a page with the widget, left alone, has no cookie,
// no storage entry and no socket, and asked the chat's origin for the
// loader and the config only.
func TestPrivacyBeforeOpen(t *testing.T) {
	browser := newBrowser(t)
	log := &netLog{}
	tab := newTab(t, browser)
	if err := chromedp.Listen(tab, log.listen); err != nil {
		t.Fatal(err)
	}
	step(t, tab, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher))
	waitFor(t, tab, "the widget is ready", `window.Parley && getComputedStyle(document.querySelector("parley-chat")).getPropertyValue("--c") !== ""`)
	time.Sleep(2 * time.Second) // a visitor reading the page

	requests, sockets := log.snapshot()
	chat := cloud.URL()
	var toChat []string
	for _, r := range requests {
		if strings.HasPrefix(r, chat) {
			u, _ := url.Parse(r)
			toChat = append(toChat, u.Path+"?"+u.RawQuery)
		}
	}
	want := []string{"/widget/loader.js?", "/api/widget/config?channelId=main"}
	if !slices.Equal(toChat, want) {
		t.Errorf("requests to the chat's origin before opening = %q, want %q", toChat, want)
	}
	if len(sockets) > 0 {
		t.Errorf("WebSockets before opening: %q", sockets)
	}
	cookies, err := chromedp.Run(tab, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, storage.GetCookies, storage.GetCookiesParams{})
		return res.Cookies, err
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies) > 0 {
		t.Errorf("cookies before opening: %+v", cookies)
	}
	stored := eval[string](t, tab, `(async () => {
		const dbs = indexedDB.databases ? await indexedDB.databases() : [];
		return [document.cookie, localStorage.length, sessionStorage.length, dbs.length, (await caches.keys()).length].join("|") })()`)
	if stored != "|0|0|0|0" {
		t.Errorf("cookie|localStorage|sessionStorage|IndexedDB|CacheStorage before opening = %q, want |0|0|0|0", stored)
	}

	// Opening is what starts the chat: the window, then its socket.
	step(t, tab, "open the chat", chromedp.Click(launcher))
	frame(t, tab)
}

// TestHostilePage: global !important resets, a promo banner at the highest
// z-index and a strict CSP without 'unsafe-inline' or 'unsafe-eval': the
// widget still shows, opens and works.
func TestHostilePage(t *testing.T) {
	browser := newBrowser(t)
	tab := newTab(t, browser)
	step(t, tab, "open the hostile page", chromedp.Navigate(cloud.Endpoints().DemoSite+"hostile"))
	waitFor(t, tab, "the hostile styles apply", `getComputedStyle(document.querySelector(".promo")).zIndex === "2147483647" && getComputedStyle(document.querySelector("h1")).color === "rgb(255, 0, 255)"`)
	waitFor(t, tab, "the launcher is drawn and on top", `(() => {
		const b = document.querySelector("parley-chat").shadowRoot.querySelector(".launcher").getBoundingClientRect();
		if (b.width < 40 || b.height < 40) return false;
		const el = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
		return el && el.tagName === "PARLEY-CHAT" })()`)
	// A real click at the launcher's centre: it must reach the launcher, not the banner.
	step(t, tab, "open the chat", chromedp.Click(launcher))
	chat := frame(t, tab)
	waitFor(t, tab, "the chat window is visible", `(() => { const r = document.querySelector("parley-chat").shadowRoot.querySelector("iframe").getBoundingClientRect(); return r.width > 300 && r.height > 300 })()`)
	typeInto(t, chat, "textarea.input", "Hello from a hostile page\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	if font := eval[string](t, chat, `getComputedStyle(document.querySelector(".bubble")).fontFamily`); strings.Contains(font, "Comic") {
		t.Errorf("the site's fonts reached the chat window: %s", font)
	}
}

// TestXSS: markup and script URLs sent by either side are shown as text in
// both the widget and the inbox, and run nothing.
func TestXSS(t *testing.T) {
	payloads := []string{
		`<img src=x onerror="window.__xss='img'">`,
		`<svg onload="window.__xss='svg'"></svg>`,
		`javascript:window.__xss='link' and [click](javascript:window.__xss='md')`,
	}
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	signIn(t, agent, "ben")
	step(t, visitor, "open the demo site", chromedp.Navigate(cloud.Endpoints().DemoSite), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, visitor)
	for _, p := range payloads {
		typeInto(t, chat, "textarea.input", p+"\r")
	}
	waitFor(t, agent, "the visitor's chat is listed", `[...document.querySelectorAll(".item")].some(i => i.textContent.includes("javascript:"))`)
	step(t, agent, "open it", chromedp.Click(chromedp.CSS(".item")))
	for _, p := range payloads {
		waitFor(t, agent, "the inbox shows the payload as text", `[...document.querySelectorAll(".tlog .body")].some(b => b.textContent === `+js(p)+`)`)
		typeInto(t, agent, "textarea.reply", p+"\r")
		waitFor(t, chat, "the widget shows the payload as text", `[...document.querySelectorAll(".theirs .bubble")].some(b => b.textContent === `+js(p)+`)`)
	}
	inert := `document.querySelectorAll(".bubble img, .bubble svg, .body img, .body svg, .preview img").length === 0 &&
		[...document.querySelectorAll("a")].every(a => a.protocol === "https:" || a.protocol === "http:") && window.__xss === undefined`
	for name, ctx := range map[string]context.Context{"widget": chat, "inbox": agent} {
		if !eval[bool](t, ctx, inert) {
			t.Errorf("the %s rendered markup or ran script from a message", name)
		}
	}
	if eval[bool](t, visitor, `window.__xss !== undefined`) {
		t.Error("a payload ran on the host page")
	}
}
