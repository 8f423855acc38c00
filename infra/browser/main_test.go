// Package browser drives the widget and the inbox in headless Chromium
// (Debian's chromium package) through the local cloud: a visitor on the
// demo site in one browser context, an agent in the inbox in another.
package browser

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/oidc"
)

var (
	cloud    *localcloud.Cloud
	chromium string
	repoRoot string
	// pagesDir holds more pages of the demo site (/pages/<name>.html),
	// written by the tests that embed a chat channel's snippet.
	pagesDir string

	updateScreenshots = flag.Bool("update-screenshots", false,
		"also write the screenshots into docs/screenshots (make screenshots)")
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	wd, _ := os.Getwd()
	var err error
	repoRoot, err = localcloud.RepoRoot(wd)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The browser tests never skip: a machine without the browser or the
	// built web files fails, and says how to fix it.
	chromium, err = exec.LookPath("chromium")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser tests: chromium is not installed; `make test` installs it (apt-get install -y chromium)")
		return 1
	}
	if pagesDir, err = os.MkdirTemp("", "parley-pages-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(pagesDir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cloud, err = localcloud.Start(ctx, localcloud.Config{
		Addr:     "127.0.0.1:0",
		RepoRoot: repoRoot,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		PagesDir: pagesDir,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local cloud:", err)
		return 1
	}
	defer cloud.Close()
	res, err := http.Get(cloud.Endpoints().WidgetLoader)
	if err != nil || res.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "browser tests: the widget is not built; run `make web` (make test does)")
		return 1
	}
	_ = res.Body.Close()
	return m.Run()
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// context for actions in its first tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelB()
		cancelA()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// newTab opens a tab in a new browser context (its own cookies and
// storage, like another person's browser).
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// step runs actions with a deadline well above what they need.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor evaluates a JavaScript condition until it holds. It survives
// navigations (sign-in redirects, reloads) between two evaluations.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	// Generous: the deadline only matters when something is wrong, and a
	// busy CI machine may be slow to run two browser contexts.
	waitWithin(t, ctx, 45*time.Second, what, cond)
}

// waitWithin is waitFor for a condition that must hold within d: what a
// user would notice as slow, not only as broken.
func waitWithin(t *testing.T, ctx context.Context, d time.Duration, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool]("!!("+cond+")", chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + (document.body ? document.body.innerText.slice(0, 600) : "")`))
	t.Fatalf("waiting until %s: timed out (last error: %v); the page shows:\n%s", what, last, text)
}

// launcher is the widget's button inside its shadow root.
const launcher = chromedp.JSPath(`document.querySelector("parley-chat").shadowRoot.querySelector(".launcher")`)

// frame attaches to the chat window, a cross-site iframe that Chrome runs
// as a target of its own, skipping the ids in seen (earlier windows).
func frame(t *testing.T, tab context.Context, seen ...target.ID) context.Context {
	t.Helper()
	prefix := cloud.Endpoints().WidgetFrame
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(tab)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) && !contains(seen, info.TargetID) &&
				info.BrowserContextID == chromedp.FromContext(tab).BrowserContextID {
				fctx, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				// The first run attaches; it must not have a deadline of its
				// own, or the attachment ends with it.
				if err := chromedp.Do(fctx); err != nil {
					t.Fatalf("attach to the chat window: %v", err)
				}
				waitFor(t, fctx, "the chat window is ready", `document.querySelector("textarea.input") !== null && document.querySelector(".head-name").textContent !== "Chat"`)
				return fctx
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the chat window (iframe) never appeared")
	return nil
}

func frameID(ctx context.Context) target.ID { return chromedp.FromContext(ctx).Target.TargetID }

func contains(ids []target.ID, id target.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// signIn signs a demo agent in to the inbox through the OIDC code flow
// with PKCE, by clicking its button on the local issuer's sign-in page.
func signIn(t *testing.T, tab context.Context, name string) {
	t.Helper()
	sub, err := oidc.DemoSub(name)
	if err != nil {
		t.Fatal(err)
	}
	step(t, tab, "open the inbox", chromedp.Navigate(cloud.Endpoints().Inbox))
	step(t, tab, "choose the demo agent", chromedp.Click(chromedp.CSS(`button[value="`+sub+`"]`)))
	waitFor(t, tab, "the inbox shows", `document.querySelector(".shell .me") !== null && document.querySelector(".me").textContent.length > 0`)
}

// screenshot saves the tab's viewport to .localcloud/screenshots/name, and
// with -update-screenshots to docs/screenshots/name, which the README shows.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{filepath.Join(repoRoot, ".localcloud", "screenshots")}
	if *updateScreenshots {
		dirs = append(dirs, filepath.Join(repoRoot, "docs", "screenshots"))
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// typeInto focuses an element and types text as key events ("\r" is Enter,
// pressed as a keyboard does: see enter).
func typeInto(t *testing.T, ctx context.Context, sel chromedp.CSS, text string) {
	t.Helper()
	lines := strings.Split(text, "\r")
	actions := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(sel, lines[0])}
	for _, line := range lines[1:] {
		actions = append(actions, enter)
		if line != "" {
			actions = append(actions, chromedp.SendKeys(sel, line))
		}
	}
	step(t, ctx, "type into "+string(sel), actions...)
}

// enter presses Enter in the focused element as a keyboard does: one
// keydown that carries the character, so a page that prevents the
// keydown's default (a composer that sends on Enter) gets no line break.
// chromedp's key events send the character as an event of its own, which
// the page cannot prevent, and left a stray line break in the composer.
var enter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	p := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter",
		WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13, Text: "\r", UnmodifiedText: "\r"}
	if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
		return err
	}
	p.Type, p.Text, p.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
	_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p)
	return err
})
