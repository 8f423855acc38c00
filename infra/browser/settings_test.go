package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// The settings pages (web/inbox/views/settings.tsx and friends) and what
// they change in the widget. Each test works on chat channels (and
// inboxes) of its own, embedded in pages of its own on the demo site
// (/pages/…), so the main channel the other tests use stays as it is.

// doc is a settings document as JSON (a channel, an inbox).
type doc = map[string]any

// obj is the object under key of a document.
func obj(d doc, key string) doc { return d[key].(map[string]any) }

// demoOrigin is the demo site's origin, where the tests' pages are.
func demoOrigin() string { return strings.TrimSuffix(cloud.Endpoints().DemoSite, "/") }

// newChannel creates a chat channel in inboxID through the API, embeddable
// on the demo site, changed by change before it is saved.
func newChannel(t *testing.T, inboxID, name string, change func(doc)) doc {
	t.Helper()
	admin := apiAgent(t, "alice")
	var ch doc
	if err := admin.Call(t.Context(), http.MethodPost, "/agent/settings/channels", doc{"inboxId": inboxID, "name": name}, &ch); err != nil {
		t.Fatalf("create channel %s: %v", name, err)
	}
	ch["allowedOrigins"] = []string{demoOrigin()}
	if change != nil {
		change(ch)
	}
	return saveChannel(t, ch)
}

func saveChannel(t *testing.T, ch doc) doc {
	t.Helper()
	var saved doc
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodPut, "/agent/settings/channels/"+ch["id"].(string), ch, &saved); err != nil {
		t.Fatalf("save channel: %v", err)
	}
	return saved
}

// sitePage writes a page of the demo site that embeds snippet, and
// returns its URL.
func sitePage(t *testing.T, snippet string) string {
	t.Helper()
	return sitePageAt(t, "p-"+uuid.NewString()[:8]+".html", snippet)
}

// sitePageAt writes the page /pages/<name> of the demo site, which embeds
// snippet, and returns its URL.
func sitePageAt(t *testing.T, name, snippet string) string {
	t.Helper()
	html := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Northwind Coffee · another page</title></head>
<body><h1>Another page of the site</h1><p>It embeds the widget with the snippet from the settings page.</p>
` + snippet + "\n</body></html>\n"
	if err := os.WriteFile(filepath.Join(pagesDir, name), []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return cloud.Endpoints().DemoSite + "pages/" + name
}

// embed is the snippet of channelID, as the settings page writes it.
func embed(channelID string) string {
	return `<script src="` + cloud.Endpoints().WidgetLoader + `" data-channel="` + channelID + `" async></script>`
}

// pageClock replaces a page's clock for timers of 5 s and more: they wait
// for __clock.advance, which moves Date.now with the local cloud's clock
// (advance), so the widget's polling and its wait for the next change of
// availability run on the same clock as the functions. It also keeps
// every config the widget was answered, in __configs.
const pageClock = `(() => {
	let offset = %d;
	const q = [];
	let seq = 0;
	const now = Date.now.bind(Date), st = setTimeout.bind(window), ct = clearTimeout.bind(window), f = fetch.bind(window);
	Date.now = () => now() + offset;
	window.setTimeout = (fn, ms, ...a) => {
		if (!(ms >= 5000)) return st(fn, ms, ...a);
		const id = -(++seq);
		q.push({ id, at: Date.now() + ms, fn: () => fn(...a) });
		return id;
	};
	window.clearTimeout = (id) => {
		const i = q.findIndex((x) => x.id === id);
		if (i >= 0) q.splice(i, 1); else ct(id);
	};
	window.__configs = [];
	window.fetch = (...a) => f(...a).then((r) => {
		if (String(a[0]).includes("/widget/config")) r.clone().json().then((c) => window.__configs.push(c), () => window.__configs.push(null));
		return r;
	});
	window.__clock = {
		advance(ms) {
			offset += ms;
			const t = Date.now();
			const due = q.filter((x) => x.at <= t).sort((a, b) => a.at - b.at);
			for (const x of due) { q.splice(q.indexOf(x), 1); x.fn(); }
			return due.length;
		},
		due: () => q.map((x) => x.at),
	};
})();`

// clockedTab opens a tab whose pages run on the local cloud's clock
// (pageClock). The browser's HTTP cache runs on the real clock, which the
// tests do not move, so it is off: each config request reaches the
// function, whose own cache and Cache-Control run on the cloud's clock.
func clockedTab(t *testing.T, b context.Context, acceptLanguage string) context.Context {
	t.Helper()
	tab := newTab(t, b)
	keepClock(t)
	offset := time.Until(cloud.Now()).Milliseconds()
	step(t, tab, "put the page on the cloud's clock", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf(pageClock, offset)}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
			return err
		}
		if acceptLanguage == "" {
			return nil
		}
		ua := eval[string](t, tab, "navigator.userAgent")
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: acceptLanguage})
		return err
	}))
	return tab
}

// keepClock puts the local cloud's clock back where it is now when the
// test ends, so the tests after it run on the clock they expect (a
// sign-out, for one, is stamped on it).
func keepClock(t *testing.T) {
	t.Helper()
	offset := time.Until(cloud.Now())
	t.Cleanup(func() {
		if err := cloud.Advance(offset - time.Until(cloud.Now())); err != nil {
			t.Error(err)
		}
	})
}

// advance moves the local cloud's clock and the page's by d, so the
// widget's timers that are due by then fire.
func advance(t *testing.T, tab context.Context, d time.Duration) {
	t.Helper()
	if err := cloud.Advance(d); err != nil {
		t.Fatal(err)
	}
	eval[int](t, tab, fmt.Sprintf("__clock.advance(%d)", d.Milliseconds()))
}

// poll moves both clocks by d and returns the config the widget then asks
// for (d must reach the widget's next timer).
func poll(t *testing.T, tab context.Context, d time.Duration) map[string]any {
	t.Helper()
	n := eval[int](t, tab, "__configs.length")
	advance(t, tab, d)
	waitFor(t, tab, "the widget asks for its config again", fmt.Sprintf("__configs.length > %d", n))
	return eval[map[string]any](t, tab, "__configs[__configs.length - 1]")
}

// fill sets a form field as typing would (an input event, or change for a
// select), so the inbox's state hears it.
func fill(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	ok := eval[bool](t, ctx, `(() => {
		const el = document.querySelector(`+js(selector)+`);
		if (!el) return false;
		el.focus();
		el.value = `+js(value)+`;
		el.dispatchEvent(new Event(el.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
		return true })()`)
	if !ok {
		t.Fatalf("no field %s", selector)
	}
}

// click clicks the first element matching selector whose text or
// accessible label is text.
func click(t *testing.T, ctx context.Context, selector, text string) {
	t.Helper()
	find := `[...document.querySelectorAll(` + js(selector) + `)].find(e => e.textContent.trim() === ` + js(text) + ` || e.getAttribute("aria-label") === ` + js(text) + `)`
	waitFor(t, ctx, "a "+selector+" saying "+text, find)
	eval[bool](t, ctx, find+`.click() || true`)
}

// openSettings signs name in and goes to a settings section.
func openSettings(t *testing.T, tab context.Context, name, section string) {
	t.Helper()
	signIn(t, tab, name)
	step(t, tab, "go to the settings", chromedp.Navigate(cloud.Endpoints().Inbox+"#/settings/"+section))
	waitFor(t, tab, "the settings page shows", `document.querySelector(".settings .set-nav")`)
}

// saveSettings presses the channel page's save button and waits for what
// it says.
func saveSettings(t *testing.T, tab context.Context, note string) {
	t.Helper()
	step(t, tab, "save", chromedp.Click(chromedp.CSS(".channel-save button.primary")))
	waitFor(t, tab, "the save says "+note, `document.querySelector(".channel-save .save-note")?.textContent.startsWith(`+js(note)+`)`)
}

// TestSettingsLookReachesTheWidget: an admin changes the colour, the
// greeting, the launcher text and the team name of a chat channel in the
// settings page, with markup in the texts, and moves the launcher to the
// left, turns "powered by" off and says replies take hours; the live
// preview follows as they type; a page of the site that is open already shows them at the
// widget's next config request after the cache window, without a reload
// or a restart. The widget speaks the channel's default language to a
// browser that asks for none of its own. Every text stays text.
func TestSettingsLookReachesTheWidget(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := newChannel(t, "main", "Look "+tag, func(c doc) {
		l := obj(c, "look")
		l["teamName"], l["color"], l["launcherText"], l["greeting"], l["language"] = "Northwind Coffee", "#2f5bea", "", "", "de"
	})
	id := ch["id"].(string)
	b := newBrowser(t)
	visitor := clockedTab(t, b, "ja")
	step(t, visitor, "open a page of the site", chromedp.Navigate(sitePage(t, embed(id))), chromedp.WaitVisible(launcher))
	waitFor(t, visitor, "the launcher shows the icon only, in the channel's colour", `(() => {
		const l = document.querySelector("parley-chat").shadowRoot.querySelector(".launcher");
		return !l.classList.contains("text") && getComputedStyle(l).backgroundColor === "rgb(47, 91, 234)" && l.getAttribute("aria-label") === "Chat öffnen" &&
			l.getBoundingClientRect().left > innerWidth / 2 })()`)

	admin := newTab(t, b)
	openSettings(t, admin, "alice", "channels/"+id)
	waitFor(t, admin, "the channel's page shows", `document.querySelector("#channel-title")?.textContent === `+js("Look "+tag))
	// The README's picture: the look and its preview.
	fill(t, admin, "#ch-look-teamName", "Northwind Baristas")
	fill(t, admin, "#ch-look-greeting", "Hallo! Fragen zum Mahlgrad oder zu Ihrer Bestellung?")
	fill(t, admin, "#ch-look-launcherText", "Frag uns")
	fill(t, admin, "#ch-look-color", "#8a4b2a")
	eval[bool](t, admin, `(() => { document.querySelector("#look-title").scrollIntoView(); return true })()`)
	waitFor(t, admin, "the preview shows the look", `document.querySelector(".pv-launcher-text")?.textContent === "Frag uns"`)
	screenshot(t, admin, "settings-channel.png")

	const (
		team     = `<img src=x onerror="window.__xss='team'">Baristas`
		greeting = `Willkommen! <script>window.__xss='greeting'</script> Fragen zum Mahlgrad?`
		text     = `Frag uns <b>jetzt</b>`
	)
	fill(t, admin, "#ch-look-color", "#0f766e")
	fill(t, admin, "#ch-look-launcherText", text)
	fill(t, admin, "#ch-look-teamName", team)
	fill(t, admin, "#ch-look-greeting", greeting)
	eval[bool](t, admin, `document.querySelector("input[name=position][value=left]").click() || true`)
	eval[bool](t, admin, `!document.querySelector("#ch-look-poweredBy").checked || document.querySelector("#ch-look-poweredBy").click() || true`)
	fill(t, admin, "#ch-typicalReplyTime", "hours")
	waitFor(t, admin, "the preview follows, as text", `(() => {
		const pv = document.querySelector(".pv");
		return getComputedStyle(pv.querySelector(".pv-launcher")).backgroundColor === "rgb(15, 118, 110)" &&
			pv.querySelector(".pv-launcher-text").textContent === `+js(text)+` && pv.querySelector(".pv-name").textContent === `+js(team)+` &&
			pv.querySelector(".pv-bubble").textContent === `+js(greeting)+` && pv.querySelector(".pv-sub").textContent === "Wir antworten meist innerhalb weniger Stunden" &&
			pv.classList.contains("left") && !pv.querySelector(".pv-powered") && pv.querySelectorAll("img, script, b").length === 0 })()`)
	saveSettings(t, admin, "Saved")

	// The open page: its config is asked for again every 30 s, and the
	// function's cache (10 s) and the answer's max-age (20 s) are over.
	cfg := poll(t, visitor, 31*time.Second)
	if cfg["launcherText"] != text || cfg["color"] != "#0f766e" || cfg["position"] != "left" || cfg["poweredBy"] != false || cfg["typicalReplyTime"] != "hours" {
		t.Fatalf("the config after the cache window = %v", cfg)
	}
	waitFor(t, visitor, "the launcher shows the new look", `(() => {
		const l = document.querySelector("parley-chat").shadowRoot.querySelector(".launcher");
		return l.classList.contains("text") && l.querySelector("span:not(.badge)").textContent === `+js(text)+` && getComputedStyle(l).backgroundColor === "rgb(15, 118, 110)" && l.getAttribute("aria-label") === `+js(text)+` &&
			l.getBoundingClientRect().right < innerWidth / 2 })()`)
	step(t, visitor, "open the chat", chromedp.Click(launcher))
	chat := frame(t, visitor)
	waitFor(t, chat, "the chat window shows the new texts in the channel's language", `document.querySelector(".head-name").textContent === `+js(team)+` &&
		document.querySelector(".greeting .bubble").textContent === `+js(greeting)+` && document.documentElement.lang === "de" &&
		document.querySelector("textarea.input").placeholder === "Nachricht schreiben…" && getComputedStyle(document.querySelector(".head")).backgroundColor === "rgb(15, 118, 110)" &&
		document.querySelector(".head-sub").textContent === "Wir antworten meist innerhalb weniger Stunden" && document.querySelector(".powered").hidden`)
	for name, ctx := range map[string]context.Context{"chat window": chat, "page": visitor, "settings": admin} {
		if !eval[bool](t, ctx, `window.__xss === undefined && document.querySelectorAll(".bubble img, .head img, .bubble script").length === 0`) {
			t.Errorf("the %s rendered markup from the settings", name)
		}
	}
}

// TestSettingsValidation: what the server refuses shows beside the field
// it is about, linked to it (aria-describedby, aria-invalid), the values
// typed stay, and the colour's contrast is flagged before saving. The week
// grid works with the keyboard alone. Put right, the week, a holiday with
// special hours, the away behaviour, email, inactivity and the file limits
// are stored as the page shows them.
func TestSettingsValidation(t *testing.T) {
	tag := uuid.NewString()[:8]
	ch := newChannel(t, "main", "Checks "+tag, func(c doc) {
		c["availability"] = doc{"mode": "hours", "timeZone": "Europe/Rome"}
	})
	id := ch["id"].(string)
	tab := newTab(t, newBrowser(t))
	openSettings(t, tab, "alice", "channels/"+id)
	waitFor(t, tab, "the week grid shows", `document.querySelector('.grid [role=gridcell][tabindex="0"]')`)

	// Keyboard only: Monday 09:00 has the focus; Space opens it, Shift with
	// the arrows paints like a drag, plain arrows move.
	eval[bool](t, tab, `document.querySelector('.grid [role=gridcell][tabindex="0"]').focus() || true`)
	waitFor(t, tab, "the first cell is Monday 09:00", `document.activeElement.getAttribute("aria-label") === "Monday 09:00–09:30, closed"`)
	step(t, tab, "open Monday 09:00–09:30", chromedp.KeyEvent(" "))
	shiftRight := chromedp.KeyEvent(kb.ArrowRight, chromedp.KeyModifiers(chromedp.ModifierShift))
	step(t, tab, "paint to 12:00", shiftRight, shiftRight, shiftRight, shiftRight, shiftRight)
	step(t, tab, "paint Tuesday too", chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierShift)))
	waitFor(t, tab, "the grid shows Monday and Tuesday open 09:00–12:00", `(() => {
		const cells = [...document.querySelectorAll(".grid [role=gridcell][aria-selected=true]")].map(c => c.getAttribute("aria-label"));
		return cells.length === 12 && cells[0] === "Monday 09:00–09:30, open" && cells[11] === "Tuesday 11:30–12:00, open" &&
			document.activeElement.getAttribute("aria-label") === "Tuesday 11:30–12:00, open" })()`)
	waitFor(t, tab, "the exact hours say the same", `document.querySelector("#ch-availability-week-mon-0-start").value === "09:00" && document.querySelector("#ch-availability-week-tue-0-end").value === "12:00"`)
	eval[bool](t, tab, `(() => { document.querySelector("#avail-title").scrollIntoView(); return true })()`)
	screenshot(t, tab, "settings-hours.png")

	// Errors: a colour white text can't be read on, a site that is not an
	// origin, an interval that ends before it starts, a file limit past
	// the largest any channel may take.
	fill(t, tab, "#ch-look-color", "#ffff00")
	waitFor(t, tab, "the contrast is flagged before saving", `!document.querySelector("#ch-look-color-warn").hidden && document.querySelector("#ch-look-color-warn").textContent.includes("1.0:1, needs 3:1") &&
		document.querySelector("#ch-look-color").getAttribute("aria-describedby").includes("ch-look-color-warn")`)
	click(t, tab, "button", "Add a site")
	fill(t, tab, "#ch-allowedOrigins-1", "ftp://shop.example.com/path")
	click(t, tab, "button", "Add an interval to Wednesday")
	fill(t, tab, "#ch-availability-week-wed-0-start", "18:00")
	fill(t, tab, "#ch-availability-week-wed-0-end", "08:00")
	fill(t, tab, "#ch-files-maxMegabytes", "500")
	saveSettings(t, tab, "Not saved")
	for _, f := range []struct{ input, text string }{
		{"ch-look-color", "Contrast with white text is too low (1.0:1, needs 3:1)"},
		{"ch-allowedOrigins-1", "Must be an origin like https://www.example.com"},
		{"ch-availability-week-wed-0-end", "Must be after the start"},
		{"ch-files-maxMegabytes", "Must be between 0 (the deployment's limit) and 100"},
	} {
		waitFor(t, tab, "the error shows beside "+f.input, `(() => {
			const input = document.getElementById(`+js(f.input)+`), err = document.getElementById(`+js(f.input+"-err")+`);
			return err && err.textContent.startsWith(`+js(f.text)+`) && input.getAttribute("aria-invalid") === "true" &&
				input.getAttribute("aria-describedby").split(" ").includes(err.id) &&
				(input.closest(".field, .time") === err.closest(".field, .time")) })()`)
	}
	if got := eval[string](t, tab, `[document.querySelector("#ch-look-color").value, document.querySelector("#ch-allowedOrigins-1").value, document.querySelector("#ch-availability-week-wed-0-start").value, document.querySelector("#ch-files-maxMegabytes").value].join("|")`); got != "#ffff00|ftp://shop.example.com/path|18:00|500" {
		t.Errorf("the values typed = %q, want them kept", got)
	}

	// Put right, it saves; the stored week is the grid's.
	fill(t, tab, "#ch-look-color", "#8a4b2a")
	fill(t, tab, "#ch-allowedOrigins-1", "https://shop.example.com")
	fill(t, tab, "#ch-availability-week-wed-0-end", "19:00")
	// The rest of the page: a holiday with special hours, the away
	// behaviour, email and inactivity.
	click(t, tab, "button", "Add a holiday")
	fill(t, tab, "#ch-availability-holidays-0-date", "2027-12-24")
	fill(t, tab, "#ch-availability-holidays-0-name", "Vigilia")
	eval[bool](t, tab, `document.querySelector("#ch-availability-holidays-0 input[type=checkbox]").click() || true`)
	eval[bool](t, tab, `document.querySelector("input[name=away-mode][value=hide]").click() || true`)
	fill(t, tab, "#ch-away-message", "Back at nine.")
	eval[bool](t, tab, `document.querySelector("#ch-email-transcriptOnClose").checked || document.querySelector("#ch-email-transcriptOnClose").click() || true`)
	fill(t, tab, "#ch-email-senderName", "Northwind Support")
	fill(t, tab, "#ch-inactivity-timeoutMinutes", "45")
	fill(t, tab, "#ch-inactivity-warningMinutes", "5")
	fill(t, tab, "#ch-files-maxMegabytes", "25")
	fill(t, tab, "#ch-files-perMessage", "3")
	saveSettings(t, tab, "Saved")
	if n := eval[int](t, tab, `document.querySelectorAll(".field-err, [aria-invalid=true]").length`); n != 0 {
		t.Errorf("%d errors still shown after a save", n)
	}
	var stored doc
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodGet, "/agent/settings/channels/"+id, nil, &stored); err != nil {
		t.Fatal(err)
	}
	week := fmt.Sprint(obj(obj(stored, "availability"), "week"))
	if want := "map[mon:[map[end:12:00 start:09:00]] tue:[map[end:12:00 start:09:00]] wed:[map[end:19:00 start:18:00]]]"; week != want {
		t.Errorf("stored week = %s, want %s", week, want)
	}
	want := doc{
		"holidays":   []any{map[string]any{"date": "2027-12-24", "name": "Vigilia", "hours": []any{map[string]any{"start": "09:00", "end": "12:00"}}}},
		"away":       map[string]any{"mode": "hide", "message": "Back at nine."},
		"email":      map[string]any{"transcriptOnClose": true, "senderName": "Northwind Support", "senderAddress": obj(stored, "email")["senderAddress"]},
		"inactivity": map[string]any{"timeoutMinutes": 45.0, "warningMinutes": 5.0, "warningText": ""},
		"files":      map[string]any{"maxMegabytes": 25.0, "perMessage": 3.0},
	}
	got := doc{"holidays": obj(stored, "availability")["holidays"], "away": stored["away"], "email": stored["email"], "inactivity": stored["inactivity"], "files": stored["files"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored channel (-want +got):\n%s", diff)
	}
}

// TestEmbedSnippetOnAnotherPage: an admin creates a chat channel in the
// settings page, copies its embed snippet with the button, and that
// snippet, pasted into another page of the site, runs the chat: a
// visitor's message lands in the channel's inbox.
func TestEmbedSnippetOnAnotherPage(t *testing.T) {
	tag := uuid.NewString()[:8]
	b := newBrowser(t)
	admin := newTab(t, b)
	openSettings(t, admin, "alice", "channels")
	waitFor(t, admin, "the inboxes are read", `document.querySelector("#nc-inboxId option")`)
	fill(t, admin, "#nc-name", "Second site "+tag)
	// Other tests add inboxes alice is no member of; the chat is to land
	// in one she reads.
	fill(t, admin, "#nc-inboxId", "main")
	click(t, admin, "button", "Create chat channel")
	waitFor(t, admin, "the new channel's page shows", `document.querySelector("#channel-title")?.textContent === `+js("Second site "+tag))
	// A new channel starts with the deployment's sites; the demo site is
	// added when it is not among them.
	if n := eval[int](t, admin, `document.querySelectorAll("input[id^=ch-allowedOrigins-]").length`); !eval[bool](t, admin, `[...document.querySelectorAll("input[id^=ch-allowedOrigins-]")].some(i => i.value === `+js(demoOrigin())+`)`) {
		click(t, admin, "button", "Add a site")
		fill(t, admin, fmt.Sprintf("#ch-allowedOrigins-%d", n), demoOrigin())
		saveSettings(t, admin, "Saved")
	}
	id := strings.TrimPrefix(eval[string](t, admin, "location.hash"), "#/settings/channels/")

	step(t, admin, "allow the page to use the clipboard", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		c := chromedp.FromContext(ctx)
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			if _, err := cdp.Call(ctx, c.Browser, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted,
				Origin: cloud.URL(), BrowserContextID: c.BrowserContextID,
			}); err != nil {
				return err
			}
		}
		return nil
	}))
	click(t, admin, "button", "Copy snippet")
	waitFor(t, admin, "the snippet is copied", `document.querySelector("#embed-code").closest("section").textContent.includes("Copied")`)
	snippet := eval[string](t, admin, `navigator.clipboard.readText()`)
	if want := embed(id); snippet != want {
		t.Fatalf("copied snippet = %s, want %s", snippet, want)
	}

	visitor := newTab(t, b)
	step(t, visitor, "open the other page", chromedp.Navigate(sitePage(t, snippet)), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	chat := frame(t, visitor)
	typeInto(t, chat, "textarea.input", "Hello from the second site "+tag+"\r")
	waitFor(t, chat, "the message is stored", `document.querySelector(".receipt").textContent === "Sent"`)
	step(t, admin, "go to the inbox", chromedp.Navigate(cloud.Endpoints().Inbox+"#/inbox/main/all"))
	waitFor(t, admin, "the chat is in the channel's inbox", `[...document.querySelectorAll(".item")].some(i => i.textContent.includes(`+js("second site "+tag)+`))`)
	list, err := apiAgent(t, "alice").List(t.Context(), "open", "all", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range list.Conversations {
		var s struct{ ChannelID, Preview string }
		if err := json.Unmarshal(c.Raw, &s); err != nil {
			t.Fatal(err)
		}
		found = found || (s.ChannelID == id && strings.Contains(s.Preview, tag))
	}
	if !found {
		t.Errorf("no conversation of channel %s with the message", id)
	}
}

// TestAgentSeesProfileAndStatusOnly: an agent who is not an admin is
// offered no admin settings page, gets its profile and status where an
// admin page was asked for, and the API refuses it the admin routes. What
// it changes there is stored, and the status in the header follows.
func TestAgentSeesProfileAndStatusOnly(t *testing.T) {
	tab := newTab(t, newBrowser(t))
	openSettings(t, tab, "chiara", "channels")
	waitFor(t, tab, "only profile and status are offered", `[...document.querySelectorAll(".set-nav a")].map(a => a.textContent).join() === "Profile and status" &&
		document.querySelector(".set-note").textContent.startsWith("Only admins") && document.querySelector("#status-title") && document.querySelector("#sp-name")`)
	if n := eval[int](t, tab, `document.querySelectorAll(".channel-page, .channels, #nc-name, #inv-email").length`); n != 0 {
		t.Errorf("an admin form shows to an agent (%d elements)", n)
	}
	for _, section := range []string{"team", "inboxes"} {
		step(t, tab, "ask for "+section, chromedp.Navigate(cloud.Endpoints().Inbox+"#/settings/"+section))
		waitFor(t, tab, "the profile shows instead", `location.hash === `+js("#/settings/"+section)+` && document.querySelector(".set-note") && !document.querySelector("#inv-email, .card[aria-label^='Inbox ']")`)
	}

	// Its own profile and status it changes here; the header's switch and
	// this page show the same status whichever changed it.
	meet := "https://meet.example.com/chiara-" + uuid.NewString()[:8]
	step(t, tab, "go to the profile", chromedp.Navigate(cloud.Endpoints().Inbox+"#/settings/profile"))
	fill(t, tab, "#sp-meet", meet)
	click(t, tab, "button", "Save profile")
	waitFor(t, tab, "the profile is saved", `document.querySelector("#sp-meet").defaultValue === `+js(meet))
	headerSays := func(s string) string {
		return `document.querySelector('.top [aria-label="Your status"] button[aria-pressed=true]')?.textContent === ` + js(s)
	}
	eval[bool](t, tab, `document.querySelector("input[name=status][value=away]").click() || true`)
	waitFor(t, tab, "the header says away", headerSays("Away"))
	var me doc
	if err := apiAgent(t, "chiara").Call(t.Context(), http.MethodGet, "/agent/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	if me["status"] != "away" || me["meetingsUrl"] != meet {
		t.Errorf("chiara after the page's changes: status %v, meetings link %v", me["status"], me["meetingsUrl"])
	}
	step(t, tab, "back from the header", chromedp.Click(chromedp.CSS(`.top [aria-label="Your status"] button:first-child`)))
	waitFor(t, tab, "the page says available", headerSays("Available")+` && document.querySelector("input[name=status][value=available]").checked`)

	var out doc
	err := apiAgent(t, "chiara").Call(t.Context(), http.MethodGet, "/agent/settings/channels", nil, &out)
	if e, ok := err.(*chatclient.APIError); !ok || e.Status != http.StatusForbidden {
		t.Errorf("an agent's GET /agent/settings/channels = %v, want 403", err)
	}
}

// TestTeamInvite: an admin invites an agent from the Team page: the
// identity provider mails the invitation, the team lists the agent as
// invited, and the same address again is refused beside the field.
func TestTeamInvite(t *testing.T) {
	addr := "new-agent-" + uuid.NewString()[:8] + "@example.com"
	tab := newTab(t, newBrowser(t))
	openSettings(t, tab, "alice", "team")
	waitFor(t, tab, "the team and the inboxes are read", `document.querySelector(".members") && document.querySelector("input[name=invite-inboxes]")`)
	fill(t, tab, "#inv-email", addr)
	fill(t, tab, "#inv-name", "Dario Rossi")
	eval[bool](t, tab, `document.querySelector('input[name=invite-inboxes][value="main"]').click() || true`)
	click(t, tab, "button", "Send invitation")
	waitFor(t, tab, "the invitation is sent", `document.querySelector(".card.new .save-note").textContent === `+js("Invitation sent to "+addr))
	waitFor(t, tab, "the team lists the agent as invited", `[...document.querySelectorAll(".member")].some(m => m.textContent.includes(`+js(addr)+`) && m.querySelector(".pill").textContent === "Invited")`)
	waitMail(t, addr, "", "")

	fill(t, tab, "#inv-email", addr)
	fill(t, tab, "#inv-name", "Dario Rossi")
	click(t, tab, "button", "Send invitation")
	waitFor(t, tab, "the taken address is refused beside the field", `document.querySelector("#inv-email-err") && document.querySelector("#inv-email").getAttribute("aria-invalid") === "true" &&
		document.querySelector("#inv-email").getAttribute("aria-describedby").includes("inv-email-err")`)
}
