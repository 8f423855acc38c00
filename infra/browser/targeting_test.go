package browser

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// readyTrap, before the loader on a page, notes in window.__ready that the
// widget's "ready" came: the config was answered and applied.
const readyTrap = `<script>(() => { let p; Object.defineProperty(window, "Parley", { configurable: true, get: () => p,
	set(v) { p = v; v.on("ready", () => { window.__ready = true; }); } }); })();</script>`

// launcherShows is whether the page shows the widget's launcher.
const launcherShows = `(() => { const h = document.querySelector("parley-chat"); return !!h && h.shadowRoot.querySelector(".launcher").checkVisibility() })()`

// TestTargetingOnThePage: a channel's rules give its pricing pages (by
// host and path) a flow of their own, hide the widget on the checkout, and
// show it nowhere else; a rule for another host comes first. On a pricing
// page the launcher appears once the config came, not before (the test
// holds the config's answer), and the chat window gets the pricing flow.
// On the checkout and on a page no rule names, no launcher ever shows and
// neither Parley.open() nor the page's #chat-open opens anything.
func TestTargetingOnThePage(t *testing.T) {
	tag := uuid.NewString()[:8]
	demo, err := url.Parse(cloud.Endpoints().DemoSite)
	if err != nil {
		t.Fatal(err)
	}
	ch := newChannel(t, "main", "Targeting "+tag, func(c doc) {
		c["chatflows"] = []doc{
			{"id": "pricing", "name": "Pricing", "kind": "live", "welcome": "Questions about plans?"},
			{"id": "elsewhere", "name": "Elsewhere", "kind": "live", "welcome": "Another site."},
		}
		c["targeting"] = doc{"rules": []doc{
			{"pages": "elsewhere.example.com/pages/*", "flow": "elsewhere"},
			{"pages": demo.Hostname() + "/pages/pricing-" + tag + "*", "flow": "pricing"},
			{"pages": "/pages/checkout-" + tag + "*", "hide": true},
		}, "otherPages": doc{"hide": true}}
	})
	snippet := readyTrap + embed(ch["id"].(string))
	pricing := sitePageAt(t, "pricing-"+tag+".html", snippet)
	checkout := sitePageAt(t, "checkout-"+tag+".html", snippet)
	other := sitePageAt(t, "about-"+tag+".html", snippet)

	b := newBrowser(t)
	tab := newTab(t, b)
	configs := holdRequests(t, tab, "*/widget/config*")
	step(t, tab, "open a pricing page", chromedp.Navigate(pricing))
	held := configs.next("the config")
	if eval[bool](t, tab, launcherShows) {
		t.Fatal("the launcher shows before the config came")
	}
	configs.release(held)
	waitFor(t, tab, "the launcher shows", launcherShows)
	step(t, tab, "open the chat", chromedp.Click(launcher))
	chat := frame(t, tab)
	// The chat window says it is ready again, as it does when it starts:
	// the loader answers with the config, whose flow is the page's.
	flow := eval[string](t, chat, `new Promise((resolve) => {
		addEventListener("message", (e) => { if (e.data?.type === "config") resolve(e.data.config.flow?.id ?? "(none)") });
		parent.postMessage({ parley: 1, type: "ready", unread: "unread" }, "*");
	})`)
	if flow != "pricing" {
		t.Errorf("the chat window got the flow %q, want pricing", flow)
	}

	for _, page := range []struct{ name, url string }{{"the checkout", checkout}, {"a page no rule names", other + "#chat-open"}} {
		t.Run(page.name, func(t *testing.T) {
			step(t, tab, "open "+page.name, chromedp.Navigate(page.url))
			waitFor(t, tab, "the config came", `window.__ready === true`)
			if eval[bool](t, tab, launcherShows) {
				t.Error("the launcher shows")
			}
			opened := eval[bool](t, tab, `Parley.open(), Parley.isOpen() || !!document.querySelector("parley-chat").shadowRoot.querySelector("iframe")`)
			if opened {
				t.Error("Parley.open() opened the chat")
			}
		})
	}
}

// TestTargetingEditor: an admin gives a flow the pricing pages in the
// channel's settings, typing the address with its scheme first: the
// server's refusal shows beside the rule; put right, the rule saves as the
// server keeps it (host/path), the flow says where it runs, and the pages
// no rule matches get no widget.
func TestTargetingEditor(t *testing.T) {
	tag := uuid.NewString()[:8]
	id := newChannel(t, "main", "Rules "+tag, func(c doc) {
		c["chatflows"] = []doc{{"id": "pricing", "name": "Pricing", "kind": "live", "welcome": "Questions about plans?"}}
	})["id"].(string)
	tab := newTab(t, newBrowser(t))
	openSettings(t, tab, "alice", "channels/"+id)
	waitFor(t, tab, "the flow says it runs nowhere yet", `document.querySelector("#ch-chatflows-0 .flow-where")?.textContent.includes("Nowhere yet")`)

	click(t, tab, "button", "Add a rule")
	waitFor(t, tab, "the rule shows", `document.querySelector("#ch-targeting-rules-0-pages")`)
	fill(t, tab, "#ch-targeting-rules-0-pages", "https://example.com/pricing*")
	fill(t, tab, "#ch-targeting-rules-0-flow", "flow:pricing")
	fill(t, tab, "#ch-targeting-otherPages-flow", "hide")
	saveSettings(t, tab, "Not saved")
	waitFor(t, tab, "the refusal shows beside the rule", `(() => {
		const input = document.querySelector("#ch-targeting-rules-0-pages"), err = document.querySelector("#ch-targeting-rules-0-pages-err");
		return err && err.textContent.startsWith("Leave out the scheme") && input.getAttribute("aria-invalid") === "true" })()`)

	fill(t, tab, "#ch-targeting-rules-0-pages", "/pricing*")
	saveSettings(t, tab, "Saved")
	waitFor(t, tab, "the rule shows as saved, and the flow where it runs", `document.querySelector("#ch-targeting-rules-0-pages").value === "*/pricing*" &&
		document.querySelector("#ch-chatflows-0 .flow-where").textContent.includes("On */pricing*.")`)
	var saved struct {
		Targeting struct {
			Rules      []struct{ Pages, Flow string }
			OtherPages struct{ Hide bool }
		}
	}
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodGet, "/agent/settings/channels/"+id, nil, &saved); err != nil {
		t.Fatal(err)
	}
	if r := saved.Targeting.Rules; len(r) != 1 || r[0].Pages != "*/pricing*" || r[0].Flow != "pricing" || !saved.Targeting.OtherPages.Hide {
		t.Errorf("saved targeting %+v, want */pricing* → pricing, other pages hidden", saved.Targeting)
	}
}
