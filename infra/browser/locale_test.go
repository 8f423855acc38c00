package browser

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// textsSeen records, in the chat window's next documents, what the window
// shows each time its DOM changes: no text can be drawn and replaced
// before a check reads it.
const textsSeen = `window.__seen = [];
new MutationObserver(() => {
	const input = document.querySelector("textarea.input");
	window.__seen.push((document.body ? document.body.innerText : "") + "|" + (input ? input.placeholder : ""));
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });`

// TestWidgetLanguageChunk: a German visitor's chat window loads its texts
// as a chunk of their own and shows German from its first drawing, never
// English first, and tells the launcher its word for unread messages; when
// that chunk cannot load, the window works in English.
func TestWidgetLanguageChunk(t *testing.T) {
	ch := newChannel(t, "main", "Sprache", nil)
	b := newBrowser(t)
	tab := newTab(t, b)
	snippet := `<script src="` + cloud.Endpoints().WidgetLoader + `" data-channel="` + ch["id"].(string) + `" data-locale="de" async></script>`
	step(t, tab, "open a German page of the site", chromedp.Navigate(sitePage(t, snippet)), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, tab)
	step(t, chat, "watch the chat window's next load", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: textsSeen})
		return err
	}))

	eval[bool](t, chat, `(location.reload(), true)`)
	waitFor(t, chat, "the chat window is German", `document.documentElement.lang === "de" && document.querySelector("textarea.input")?.placeholder === "Nachricht schreiben…" &&
		document.querySelector(".head-sub")?.textContent === "Wir antworten meist innerhalb weniger Minuten"`)
	if seen := eval[[]string](t, chat, `window.__seen.filter((s) => s.includes("Write a message") || s.includes("We usually reply"))`); len(seen) > 0 {
		t.Errorf("the German chat window showed English first: %q", seen)
	}
	if n := eval[int](t, chat, `window.__seen.length`); n == 0 {
		t.Error("the chat window's drawing was not seen")
	}

	// The launcher counts what came while the chat was closed, in words of
	// the chat window's language.
	step(t, tab, "close the chat", chromedp.Click(launcher))
	eval[bool](t, chat, `(parent.postMessage({ parley: 1, type: "message", author: "agent" }, new URLSearchParams(location.search).get("origin")), true)`)
	waitFor(t, tab, "the launcher says one unread, in German", `(() => {
		const l = document.querySelector("parley-chat").shadowRoot.querySelector(".launcher");
		return l.getAttribute("aria-label") === "Chat öffnen (1 ungelesen)" && l.querySelector(".badge").textContent === "1" })()`)
	step(t, tab, "open the chat again", chromedp.Click(launcher))

	step(t, chat, "the German texts cannot load", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/widget/de-*.js", Block: true}}})
		return err
	}))
	eval[bool](t, chat, `(location.reload(), true)`)
	waitFor(t, chat, "the chat window works in English", `document.documentElement.lang === "en" && document.querySelector("textarea.input")?.placeholder === "Write a message…" &&
		document.querySelector(".head-name").textContent !== "Chat"`)
}
