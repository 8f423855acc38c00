package browser

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// TestContactExportAndErasureFromSidebar: an agent's sidebar offers
// neither export nor erasure. An admin's does: "Export data" downloads
// one JSON file named for the contact and the day, holding the
// conversation's messages; "Erase contact" asks for the contact's address
// typed out before it erases, then the thread closes and the list no
// longer shows the conversation, which the API no longer knows.
func TestContactExportAndErasureFromSidebar(t *testing.T) {
	tag := uuid.NewString()[:8]
	addr := "erin-" + tag + "@visitor.test"
	v := newVisitor(t, "Please delete my data "+tag)
	v.say(t.Context(), "My order number is "+tag)
	if err := v.Call(t.Context(), http.MethodPut, "/widget/contact", map[string]string{"email": addr, "name": "Erin " + tag}, nil); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)

	agent := newTab(t, b)
	signIn(t, agent, "ben")
	openConversation(t, agent, "My order number is "+tag)
	waitFor(t, agent, "the sidebar shows the contact", `document.querySelector(".csb")?.textContent.includes(`+js(addr)+`)`)
	if eval[bool](t, agent, `document.querySelector(".csb-rights") !== null || [...document.querySelectorAll(".csb button")].some(b => /Export|Erase/.test(b.textContent))`) {
		t.Error("an agent's sidebar offers the export or the erasure")
	}

	admin := newTab(t, b)
	dir := t.TempDir()
	step(t, admin, "let the admin's downloads go to a folder", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, BrowserContextID: chromedp.FromContext(admin).BrowserContextID,
		})
		return err
	}))
	signIn(t, admin, "alice")
	openConversation(t, admin, "My order number is "+tag)
	waitFor(t, admin, "the sidebar offers the data rights", `document.querySelector(".csb-rights") !== null && document.querySelector(".csb")?.textContent.includes(`+js(addr)+`)`)

	// ---- the export: one file, named for the contact and the day.
	eval[bool](t, admin, `([...document.querySelectorAll(".csb-rights button")].find(b => b.textContent === "Export data").click(), true)`)
	file := downloaded(t, dir)
	day := cloud.Now().UTC().Format("2006-01-02")
	if want := "contact-" + addr + "-" + day + ".json"; filepath.Base(file) != want {
		t.Errorf("export file = %s, want %s", filepath.Base(file), want)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Contact struct {
			VisitorID string `json:"visitorId"`
			Email     string `json:"email"`
		} `json:"contact"`
		Conversations []struct {
			ID       string `json:"id"`
			Messages []struct {
				Body string `json:"body"`
			} `json:"messages"`
		} `json:"conversations"`
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, raw)
	}
	var bodies []string
	for _, c := range exp.Conversations {
		if c.ID == v.conversation {
			for _, m := range c.Messages {
				bodies = append(bodies, m.Body)
			}
		}
	}
	if exp.Contact.VisitorID != v.ID || exp.Contact.Email != addr ||
		!slices.Contains(bodies, "Please delete my data "+tag) || !slices.Contains(bodies, "My order number is "+tag) {
		t.Errorf("export = contact %+v, messages of the conversation %q; want the visitor, its address and both messages", exp.Contact, bodies)
	}

	// ---- the erasure: nothing happens until the address is typed.
	eval[bool](t, admin, `([...document.querySelectorAll(".csb-rights button")].find(b => b.textContent === "Erase contact").click(), true)`)
	waitFor(t, admin, "the dialog says what goes", `(() => { const d = document.querySelector("dialog[open] .erase-form"); return d && d.textContent.includes("cannot be undone") && d.textContent.includes(`+js(addr)+`) })()`)
	submit := `document.querySelector(".erase-form button[type=submit]")`
	if !eval[bool](t, admin, submit+`.disabled`) {
		t.Error("the erase button works before the address is typed")
	}
	typeInto(t, admin, "#erase-confirm", "erin@visitor.test")
	if !eval[bool](t, admin, submit+`.disabled`) {
		t.Error("the erase button works with another address typed")
	}
	eval[bool](t, admin, `(el => (el.value = "", el.dispatchEvent(new Event("input", { bubbles: true })), true))(document.querySelector("#erase-confirm"))`)
	typeInto(t, admin, "#erase-confirm", addr)
	waitFor(t, admin, "the erase button works", `!`+submit+`.disabled`)
	step(t, admin, "erase", chromedp.Click(chromedp.CSS(".erase-form button[type=submit]")))
	waitFor(t, admin, "the thread closes and the list no longer shows the conversation", `!document.querySelector("dialog[open]") && !document.querySelector(".tlog") && !`+itemOf(v.conversation)+` && !location.hash.includes(`+js(v.conversation)+`)`)
	waitFor(t, admin, "the erasure is announced", `document.body.textContent.includes("Contact erased")`)

	// Gone for the API too, and after a reload.
	var apiErr *chatclient.APIError
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodGet, "/agent/conversations/"+v.conversation, nil, nil); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("the erased conversation = %v, want 404", err)
	}
	step(t, admin, "reload", chromedp.Reload())
	waitFor(t, admin, "the list is loaded", `document.querySelectorAll(".item").length > 0 || document.querySelector(".list-empty")?.hidden === false`)
	if eval[bool](t, admin, itemOf(v.conversation)+` !== null`) {
		t.Error("the erased conversation is listed after a reload")
	}
}

// downloaded waits for the one finished download in dir and returns its path.
func downloaded(t *testing.T, dir string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var done []string
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".crdownload") {
				done = append(done, e.Name())
			}
		}
		if len(done) > 1 {
			t.Fatalf("downloads = %v, want one file", done)
		}
		if len(done) == 1 {
			return filepath.Join(dir, done[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the export was never downloaded")
	return ""
}
