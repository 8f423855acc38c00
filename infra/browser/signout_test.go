package browser

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Signing out in one browser ends the agent's session in every other: the
// other inbox's socket is closed, the server having said why first, and it
// shows the sign-in prompt with that reason instead of failing quietly.
func TestSignOutEverywhere(t *testing.T) {
	// Tokens minted later in the sign-out's second would be refused:
	// tests after this one sign in afresh.
	t.Cleanup(func() { time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond))) })
	browser := newBrowser(t)
	here, there := newTab(t, browser), newTab(t, browser)
	// The other inbox's socket must be open when the sign-out looks for
	// the agent's sockets (one still connecting is refused at $connect).
	opened := make(chan struct{}, 1)
	if err := chromedp.Listen(there, func(ev any) {
		if e, ok := ev.(*network.EventWebSocketHandshakeResponseReceived); ok && e.Response.Status == 101 {
			select {
			case opened <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	signIn(t, here, "chiara")
	signIn(t, there, "chiara")
	select {
	case <-opened:
	case <-time.After(20 * time.Second):
		t.Fatal("the other inbox's socket never opened")
	}

	step(t, here, "sign out", chromedp.Click(chromedp.CSS(`.top > button:last-child`)))
	waitFor(t, here, "the issuer's sign-in page shows", `location.href.includes("/oidc/")`)

	waitFor(t, there, "the other inbox is signed out", `document.querySelector("main.signin-error h1")?.textContent === "You are signed out"`)
	if got := eval[string](t, there, `document.querySelector("main.signin-error p").textContent`); got != "You signed out here or in another window." {
		t.Errorf("reason shown: %q", got)
	}
	step(t, there, "sign in again", chromedp.Click(chromedp.CSS("main.signin-error button")))
	waitFor(t, there, "the issuer's sign-in page shows", `location.href.includes("/oidc/")`)
}
