package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/shared/settings"
)

// Budgets of the widget and the inbox (web/).
const (
	loaderBudget = 3 * 1024
	openBudget   = 20 * 1024
	// inboxBudget is the inbox's first load: its page, entry script, the
	// chunks the page preloads, and its CSS: the list, the thread, the
	// search box and the saved replies' picker among them.
	inboxBudget = 45 * 1024
	clickRuns   = 5
)

// web measures what the widget and the inbox cost a browser: bytes over
// the wire (gzip, as the local cloud and CloudFront serve them) and the
// time from a click on the launcher to a chat input the visitor can use,
// in headless Chromium on loopback.
func (b *bench) web(ctx context.Context) error {
	fmt.Printf("\n## Widget and inbox (headless Chromium, loopback, gzip)\n\n")
	loader, err := gzipSize(ctx, b.cloud.Endpoints().WidgetLoader)
	if err != nil {
		return err
	}
	inbox, onDemand, chunks, err := b.inboxSize(ctx)
	if err != nil {
		return err
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		return fmt.Errorf("the web run needs Debian's chromium (make bench installs it): %w", err)
	}
	open, err := b.openTransfer(ctx, chromium, b.cloud.Endpoints().DemoSite)
	if err != nil {
		return fmt.Errorf("measure the bytes of opening: %w", err)
	}
	page, err := b.botPage(ctx)
	if err != nil {
		return fmt.Errorf("a page with a bot: %w", err)
	}
	botOpen, err := b.openTransfer(ctx, chromium, page)
	if err != nil {
		return fmt.Errorf("measure the bytes of opening a bot: %w", err)
	}
	times, err := b.clickToInput(ctx, chromium)
	if err != nil {
		return fmt.Errorf("measure click to input: %w", err)
	}
	answers, err := b.firstAnswer(ctx, chromium, page)
	if err != nil {
		return fmt.Errorf("measure a bot's first answer: %w", err)
	}
	within := func(n, budget int) string {
		if n <= budget {
			return fmt.Sprintf("within %d KB", budget/1024)
		}
		return fmt.Sprintf("OVER the %d KB budget", budget/1024)
	}
	fmt.Printf("  loader (loader.js, gzip)                      %6.2f KB  %s\n", kb(loader), within(loader, loaderBudget))
	fmt.Printf("  widget, page load + open (HTTP + WebSocket)   %6.2f KB  %s\n", kb(open.total()), within(open.total(), openBudget))
	for _, l := range open.lines() {
		fmt.Println("      " + l)
	}
	// A bot's opening comes with the config and its questions' chunk; its
	// conversation starts with the visitor's first answer, not on open.
	fmt.Printf("  widget, the same on a bot's channel           %6.2f KB  %s (the bot's opening, no conversation)\n", kb(botOpen.total()), within(botOpen.total(), openBudget))
	for _, l := range botOpen.lines() {
		fmt.Println("      " + l)
	}
	slices.Sort(times)
	fmt.Printf("  click to usable chat input (%d cold opens)     median %s, min %s, max %s\n", clickRuns,
		times[len(times)/2].Round(time.Millisecond), times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
	slices.Sort(answers)
	fmt.Printf("  a bot's first answer, click to its next entry  median %s, min %s, max %s (a browser with no visitor yet)\n",
		answers[len(answers)/2].Round(time.Millisecond), answers[0].Round(time.Millisecond), answers[len(answers)-1].Round(time.Millisecond))
	fmt.Printf("  inbox, first load (page + JS + CSS, gzip)     %6.2f KB  %s\n", kb(inbox), within(inbox, inboxBudget))
	fmt.Printf("  inbox, chunks loaded on demand (gzip)         %6.2f KB\n", kb(onDemand))
	names := slices.Sorted(maps.Keys(chunks))
	for _, name := range names {
		fmt.Printf("    %-42s  %6.2f KB\n", name, kb(chunks[name]))
	}
	return nil
}

func kb(n int) float64 { return float64(n) / 1024 }

// gzipSize is the body size of url as served to a browser that takes gzip.
func gzipSize(ctx context.Context, url string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d %v (is web/dist built? make web)", url, res.StatusCode, err)
	}
	return len(body), nil
}

// inboxSize is what the inbox's page loads first (the page and the
// scripts and styles it names, preloaded chunks included) and, apart, the
// chunks its scripts import on demand (import("./…")), all gzipped, with
// each of those by name.
func (b *bench) inboxSize(ctx context.Context) (first, onDemand int, chunks map[string]int, err error) {
	page := b.cloud.Endpoints().Inbox
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	html, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if first, err = gzipSize(ctx, page); err != nil {
		return 0, 0, nil, err
	}
	lazy := map[string]bool{}
	for _, part := range strings.Split(string(html), `"`) {
		if !strings.HasPrefix(part, "/inbox/") || !(strings.HasSuffix(part, ".js") || strings.HasSuffix(part, ".css")) {
			continue
		}
		n, err := gzipSize(ctx, b.cloud.URL()+part)
		if err != nil {
			return 0, 0, nil, err
		}
		first += n
		if strings.HasSuffix(part, ".js") {
			js, err := get(ctx, b.cloud.URL()+part)
			if err != nil {
				return 0, 0, nil, err
			}
			for _, m := range dynamicImport.FindAllStringSubmatch(js, -1) {
				lazy["/inbox/"+m[1]] = true
			}
		}
	}
	chunks = map[string]int{}
	for part := range lazy {
		n, err := gzipSize(ctx, b.cloud.URL()+part)
		if err != nil {
			return 0, 0, nil, err
		}
		onDemand += n
		chunks[strings.TrimPrefix(part, "/inbox/")] = n
	}
	return first, onDemand, chunks, nil
}

// dynamicImport finds the chunks a built script imports on demand.
var dynamicImport = regexp.MustCompile(`import\("\./([\w-]+\.js)"\)`)

func get(ctx context.Context, url string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	return string(b), err
}

func browserOptions(chromium, dir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	return append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(dir), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 800),
	}, extra...)
}

// transfer adds up bytes per resource.
type transfer struct {
	mu    sync.Mutex
	urls  map[network.RequestID]string
	bytes map[string]int
	ws    int
}

func (t *transfer) listen(ev any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		t.urls[e.RequestID] = e.Request.URL
	case *network.EventLoadingFinished:
		t.bytes[t.urls[e.RequestID]] += int(e.EncodedDataLength)
	case *network.EventWebSocketFrameReceived:
		t.ws += len(e.Response.PayloadData)
	case *network.EventWebSocketFrameSent:
		t.ws += len(e.Response.PayloadData)
	}
}

func (t *transfer) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.ws
	for _, b := range t.bytes {
		n += b
	}
	return n
}

func (t *transfer) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for u, n := range t.bytes {
		if i := strings.Index(u, "?"); i > 0 {
			u = u[:i]
		}
		out = append(out, fmt.Sprintf("%6.2f KB  %s", kb(n), u))
	}
	slices.Sort(out)
	return append(out, fmt.Sprintf("%6.2f KB  WebSocket frames, both ways", kb(t.ws)))
}

// botPage makes a chat channel whose chatflow on every page is a bot (a
// welcome, a question with three buttons) and a page of the demo site
// that embeds it, and returns the page's URL.
func (b *bench) botPage(ctx context.Context) (string, error) {
	admin, err := b.agent("alice")
	if err != nil {
		return "", err
	}
	var ch map[string]any
	if err := admin.Call(ctx, http.MethodPost, "/agent/settings/channels", map[string]string{"inboxId": "main", "name": "Bench web bot"}, &ch); err != nil {
		return "", err
	}
	ch["allowedOrigins"] = []string{strings.TrimSuffix(b.cloud.Endpoints().DemoSite, "/")}
	ch["chatflows"] = []map[string]any{{
		"id": "web", "name": "Web", "kind": "bot", "welcome": "Hi! I am Robin, the shop's assistant.",
		"bot": map[string]any{"name": "Robin", "avatarUrl": "https://cdn.example.com/robin.png"},
		"steps": []map[string]any{
			{"id": "topic", "type": "buttons", "text": "What can I help you with?", "save": "topic", "buttons": []map[string]any{
				{"label": "An order", "next": "handover"}, {"label": "Our coffees", "next": "handover"}, {"label": "Something else", "next": "handover"}}},
			{"id": "handover", "type": "handover", "text": "Passing you to the team."},
		},
	}}
	ch["targeting"] = map[string]any{"rules": []any{}, "otherPages": map[string]any{"flow": "web"}}
	if err := admin.Call(ctx, http.MethodPut, "/agent/settings/channels/"+ch["id"].(string), ch, nil); err != nil {
		return "", err
	}
	if err := b.cloud.Advance(settings.CacheTTL); err != nil {
		return "", err
	}
	html := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Northwind Coffee · a page with the bot</title></head><body>
<script src="` + b.cloud.Endpoints().WidgetLoader + `" data-channel="` + ch["id"].(string) + `" async></script></body></html>`
	if err := os.WriteFile(filepath.Join(b.pages, "bench-bot.html"), []byte(html), 0o644); err != nil {
		return "", err
	}
	return b.cloud.Endpoints().DemoSite + "pages/bench-bot.html", nil
}

// openTransfer loads page (of the demo site) and opens the chat, counting
// every byte the widget moves (headers included): the loader, the config,
// the chat window's page, script and style, the session, the ticket, the
// chunks it loads and the socket's frames. Site isolation is off here only
// so that one tab sees the iframe's traffic too; the bytes are the same
// either way.
func (b *bench) openTransfer(ctx context.Context, chromium, page string) (*transfer, error) {
	dir, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	actx, cancelA := chromedp.NewExecAllocator(ctx, browserOptions(chromium, dir,
		chromedp.Flag("disable-site-isolation-trials", true), chromedp.Flag("disable-features", "IsolateOrigins,SitePerProcess"))...)
	defer cancelA()
	tab, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(tab); err != nil {
		return nil, err
	}
	tr := &transfer{urls: map[network.RequestID]string{}, bytes: map[string]int{}}
	if err := chromedp.Listen(tab, tr.listen); err != nil {
		return nil, err
	}
	launcher := chromedp.JSPath(`document.querySelector("parley-chat").shadowRoot.querySelector(".launcher")`)
	sctx, scancel := context.WithTimeout(tab, 30*time.Second)
	defer scancel()
	if err := chromedp.Do(sctx, chromedp.Navigate(page), chromedp.WaitVisible(launcher), chromedp.Sleep(300*time.Millisecond), chromedp.Click(launcher)); err != nil {
		return nil, err
	}
	// Wait until the socket has answered the session (the greeting and the
	// team name are drawn; the bot's opening) and a second more for
	// anything trailing.
	time.Sleep(1500 * time.Millisecond)
	// Only the widget's bytes: drop the host page's own document and CSS.
	site := b.cloud.Endpoints().DemoSite
	tr.mu.Lock()
	for u := range tr.bytes {
		if strings.HasPrefix(u, site) {
			delete(tr.bytes, u)
		}
	}
	tr.mu.Unlock()
	return tr, nil
}

// clickToInput clicks the launcher and waits until the chat window's input
// is drawn, focused and the channel's look has arrived, in fresh browser
// contexts (cold caches) of one browser.
func (b *bench) clickToInput(ctx context.Context, chromium string) ([]time.Duration, error) {
	return b.coldRuns(ctx, chromium, b.cloud.Endpoints().DemoSite, func(open func() (context.Context, error)) (time.Duration, error) {
		start := time.Now()
		chat, err := open()
		if err != nil {
			return 0, err
		}
		err = poll(chat, `document.activeElement === document.querySelector("textarea.input") && document.querySelector(".head-name").textContent !== "Chat"`)
		return time.Since(start), err
	})
}

// firstAnswer opens the chat on page (a bot's, see botPage) and, once the
// bot's opening is drawn, clicks its first button, then waits for the
// bot's next entry: what a visitor this browser has no session for waits
// for their first answer (the session, the socket, the conversation's
// start, the answer), in fresh browser contexts. The click is a press and
// release at once, so the session gets no head start from the press.
func (b *bench) firstAnswer(ctx context.Context, chromium, page string) ([]time.Duration, error) {
	return b.coldRuns(ctx, chromium, page, func(open func() (context.Context, error)) (time.Duration, error) {
		chat, err := open()
		if err != nil {
			return 0, err
		}
		if err := poll(chat, `document.querySelector(".log .bot-replies button") !== null`); err != nil {
			return 0, err
		}
		start := time.Now()
		if err := chromedp.Do(chat, chromedp.Click(chromedp.CSS(".log .bot-replies button"))); err != nil {
			return 0, err
		}
		err = poll(chat, `document.querySelector(".log").textContent.includes("Passing you to the team.")`)
		return time.Since(start), err
	})
}

// coldRuns loads page clickRuns times, each in a fresh browser context of
// one browser (cold caches, no saved visitor), and times run; run's open
// clicks the launcher and returns the chat window's frame.
func (b *bench) coldRuns(ctx context.Context, chromium, page string, run func(open func() (context.Context, error)) (time.Duration, error)) ([]time.Duration, error) {
	dir, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	actx, cancelA := chromedp.NewExecAllocator(ctx, browserOptions(chromium, dir)...)
	defer cancelA()
	browser, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	if err := chromedp.Do(browser); err != nil {
		return nil, err
	}
	launcher := chromedp.JSPath(`document.querySelector("parley-chat").shadowRoot.querySelector(".launcher")`)
	prefix := b.cloud.Endpoints().WidgetFrame // the chat window, on its own origin
	var times []time.Duration
	for range clickRuns {
		d, err := func() (time.Duration, error) {
			tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
			defer cancel()
			if err := chromedp.Do(tab, chromedp.Navigate(page), chromedp.WaitVisible(launcher),
				chromedp.Sleep(300*time.Millisecond)); err != nil {
				return 0, err
			}
			var frames []context.CancelFunc
			defer func() {
				for _, c := range frames {
					c()
				}
			}()
			return run(func() (context.Context, error) {
				if err := chromedp.Do(tab, chromedp.Click(launcher)); err != nil {
					return nil, err
				}
				for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
					infos, err := chromedp.Targets(tab)
					if err != nil {
						return nil, err
					}
					for _, info := range infos {
						if info.Type != "iframe" || !strings.HasPrefix(info.URL, prefix) || info.BrowserContextID != chromedp.FromContext(tab).BrowserContextID {
							continue
						}
						fctx, fcancel := chromedp.NewContext(tab, chromedp.WithTargetID(info.TargetID))
						frames = append(frames, fcancel)
						return fctx, chromedp.Do(fctx)
					}
				}
				return nil, fmt.Errorf("no chat window opened")
			})
		}()
		if err != nil {
			return nil, err
		}
		times = append(times, d)
	}
	return times, nil
}

// poll waits (20 s at most) until cond, a script, is true in the frame.
func poll(frame context.Context, cond string) error {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		ok, err := chromedp.Run(frame, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return nil
		}
	}
	return fmt.Errorf("waiting for %s: timed out", cond)
}
