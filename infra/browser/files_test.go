package browser

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// picture is a real PNG of w×h pixels, as the browser will decode it.
func picture(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{R: 200, G: uint8(40 * y), B: 90, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jsFile is a JavaScript expression for a File of data.
func jsFile(name, mime string, data []byte) string {
	return fmt.Sprintf(`new File([Uint8Array.from(atob(%q), c => c.charCodeAt(0))], %q, {type: %q})`, base64.StdEncoding.EncodeToString(data), name, mime)
}

// dropFiles drops files on an element of a page, as a drag from the
// desktop does.
func dropFiles(t *testing.T, ctx context.Context, selector string, files ...string) {
	t.Helper()
	eval[bool](t, ctx, `(() => {
		const dt = new DataTransfer();
		for (const f of [`+strings.Join(files, ",")+`]) dt.items.add(f);
		const el = document.querySelector(`+js(selector)+`);
		for (const type of ["dragenter", "dragover", "drop"]) el.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
		return true })()`)
}

// pasteFiles pastes files (a screenshot) into an element.
func pasteFiles(t *testing.T, ctx context.Context, selector string, files ...string) {
	t.Helper()
	eval[bool](t, ctx, `(() => {
		const dt = new DataTransfer();
		for (const f of [`+strings.Join(files, ",")+`]) dt.items.add(f);
		document.querySelector(`+js(selector)+`).dispatchEvent(new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true}));
		return true })()`)
}

// recordOpens makes window.open record the tabs a page opens and where it
// points them.
const recordOpens = `(window.__opened = [], window.open = () => { const w = {location: {href: ""}, opener: 1, close() {}}; window.__opened.push(w); return w; }, true)`

// openedURL waits for the n-th tab a page opened to be pointed somewhere.
func openedURL(t *testing.T, ctx context.Context, n int) string {
	t.Helper()
	waitFor(t, ctx, "a download is opened", fmt.Sprintf(`window.__opened.length > %d && window.__opened[%d].location.href !== ""`, n, n))
	if eval[bool](t, ctx, fmt.Sprintf(`window.__opened[%d].opener !== null`, n)) {
		t.Error("the download's tab keeps its opener")
	}
	return eval[string](t, ctx, fmt.Sprintf(`window.__opened[%d].location.href`, n))
}

// download GETs a download URL and checks it comes from the S3 origin
// with nosniff and the sandbox.
func download(t *testing.T, u string) (http.Header, []byte) {
	t.Helper()
	if !strings.HasPrefix(u, cloud.S3URL()+"/") {
		t.Fatalf("download %s is not on the S3 origin %s", u, cloud.S3URL())
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("GET %s = %d %v", u, resp.StatusCode, h)
	}
	return h, b.Bytes()
}

// openChat opens the demo site (or another of its pages) and the chat.
func openChat(t *testing.T, tab context.Context, page string) context.Context {
	t.Helper()
	step(t, tab, "open the site", chromedp.Navigate(cloud.Endpoints().DemoSite+page), chromedp.WaitVisible(launcher), chromedp.Click(launcher))
	return frame(t, tab)
}

// TestVisitorSendsPictures: the visitor drops a photo on the chat window
// and pastes a screenshot into the message; both upload with progress and
// go with the message. The agent sees them as pictures from the files
// origin and downloads one; the visitor sees them too.
func TestVisitorSendsPictures(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")
	chat := openChat(t, visitor, "")
	tag := uuid.NewString()[:8]
	photo, shot := picture(t, 4, 3), picture(t, 6, 2)

	dropFiles(t, chat, ".log", jsFile("photo-"+tag+".png", "image/png", photo))
	pasteFiles(t, chat, "textarea.input", jsFile("image.png", "image/png", shot))
	waitFor(t, chat, "both files are uploaded", `document.querySelectorAll(".tray .up.done").length === 2`)
	typeInto(t, chat, "textarea.input", "Two pictures "+tag+"\r")
	waitFor(t, chat, "the message is stored with both", `[...document.querySelectorAll(".mine")].some(r => r.textContent.includes("Two pictures `+tag+`") && r.querySelectorAll(".file-img img[src]").length === 2)`)
	if !eval[bool](t, chat, `document.querySelector(".tray").hidden`) {
		t.Error("the tray still shows after the message took its files")
	}

	openConversation(t, agent, "Two pictures "+tag)
	waitFor(t, agent, "the pictures show from the files origin", `(() => {
		const imgs = [...document.querySelectorAll(".att-img img")];
		return imgs.length === 2 && imgs.every(i => i.complete && i.naturalWidth > 0 && i.src.startsWith(`+js(cloud.S3URL())+`)) })()`)
	if got := eval[string](t, agent, `[...document.querySelectorAll(".att-img img")].map(i => i.naturalWidth + "x" + i.naturalHeight).join(" ")`); got != "4x3 6x2" {
		t.Errorf("the inbox shows pictures of %s, want 4x3 6x2", got)
	}
	eval[bool](t, agent, recordOpens)
	eval[bool](t, agent, `document.querySelector(".att-img").click() || true`)
	h, body := download(t, openedURL(t, agent, 0))
	if !bytes.Equal(body, photo) || h.Get("Content-Type") != "image/png" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") {
		t.Errorf("the agent's download of the photo: %d bytes, %v", len(body), h)
	}
	// A pasted picture is named for what it is.
	if !eval[bool](t, agent, `[...document.querySelectorAll(".att-img img")].some(i => i.alt === "image.png")`) {
		t.Error("the pasted screenshot lost its name")
	}
}

// TestAgentSendsFiles: the agent attaches a PDF, an SVG and an HTML page
// with the file picker; the visitor gets cards (name, size, type) and
// downloads each, from the files origin, as a plain file.
func TestAgentSendsFiles(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	signIn(t, agent, "ben")
	chat := openChat(t, visitor, "")
	tag := uuid.NewString()[:8]
	typeInto(t, chat, "textarea.input", "Can I have the invoice "+tag+"?\r")
	openConversation(t, agent, "the invoice "+tag)

	dir := t.TempDir()
	files := map[string]string{
		"invoice-" + tag + ".pdf": "%PDF-1.4 the invoice",
		"logo-" + tag + ".svg":    `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
		"page-" + tag + ".html":   `<html><script>alert(document.cookie)</script></html>`,
	}
	var paths []string
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	step(t, agent, "pick the files", chromedp.SetUploadFiles(chromedp.CSS(`.composer input[type=file]`), paths))
	waitFor(t, agent, "the files are uploaded", `document.querySelectorAll(".tray .up.done").length === 3`)
	typeInto(t, agent, "textarea.reply", "Here you are\r")
	waitFor(t, agent, "the reply is stored with its files", `[...document.querySelectorAll(".from-agent")].some(r => r.textContent.includes("Here you are") && r.querySelectorAll("button.att-card").length === 3)`)

	waitFor(t, chat, "the visitor gets three cards", `document.querySelectorAll(".theirs .file-card").length === 3`)
	eval[bool](t, chat, recordOpens)
	for i := range 3 {
		name := eval[string](t, chat, fmt.Sprintf(`document.querySelectorAll(".theirs .file-card .file-name")[%d].textContent`, i))
		eval[bool](t, chat, fmt.Sprintf(`document.querySelectorAll(".theirs .file-card")[%d].click() || true`, i))
		h, body := download(t, openedURL(t, chat, i))
		if string(body) != files[name] || h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s downloads as %q with %v, want the file as a plain attachment", name, body, h)
		}
	}
	if eval[bool](t, chat, `window.__xss !== undefined`) {
		t.Error("a file ran script in the chat window")
	}
}

// TestUploadProgressAndCancel: a large upload shows its progress and can
// be cancelled, leaving nothing in the bucket and nothing in the message;
// a file of a type the chat does not take is refused before any byte is
// sent, saying why. On a hostile host page (strict CSP, global resets)
// files still go.
func TestUploadProgressAndCancel(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	chat := openChat(t, visitor, "hostile")
	tag := uuid.NewString()[:8]

	// Slow the chat window's uploads down to watch them.
	if _, err := chromedp.Run(chat, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{URLPattern: cloud.S3URL() + "/*", DownloadThroughput: -1, UploadThroughput: 256 << 10}},
		})
		return chromedp.Void{}, err
	})); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("%PDF-1.4 "), (6<<20)/9)
	pasteFiles(t, chat, "textarea.input", jsFile("big-"+tag+".pdf", "application/pdf", big), jsFile("tool-"+tag+".exe", "application/octet-stream", []byte("MZ")))
	waitFor(t, chat, "the refused file says why", `[...document.querySelectorAll(".tray .up.failed")].some(r => r.textContent.includes("Files like tool-`+tag+`.exe cannot be sent."))`)
	waitFor(t, chat, "the large file shows progress", `(() => { const i = document.querySelector(".tray .up.uploading .up-bar i"); return i && parseFloat(i.style.width) > 0 && parseFloat(i.style.width) < 100 })()`)
	eval[bool](t, chat, `[...document.querySelectorAll(".tray .up")].find(r => r.textContent.includes("big-`+tag+`")).querySelector(".up-x").click() || true`)
	waitFor(t, chat, "the cancelled file leaves the tray", `![...document.querySelectorAll(".tray .up")].some(r => r.textContent.includes("big-`+tag+`"))`)
	eval[bool](t, chat, `document.querySelector(".tray .up.failed .up-x").click() || true`)
	waitFor(t, chat, "the tray is empty", `document.querySelector(".tray").hidden`)
	for _, b := range cloud.Model().Mail.Buckets {
		for _, k := range cloud.S3().Keys(b, "uploads/") {
			if strings.Contains(k, tag) {
				t.Errorf("%s is in the bucket after its upload was cancelled or refused", k)
			}
		}
	}

	// On the hostile page a picture still goes, and shows.
	dropFiles(t, chat, ".log", jsFile("small-"+tag+".png", "image/png", picture(t, 3, 3)))
	waitFor(t, chat, "the picture is uploaded", `document.querySelectorAll(".tray .up.done").length === 1`)
	typeInto(t, chat, "textarea.input", "From a hostile page "+tag+"\r")
	waitFor(t, chat, "it is stored and shown", `[...document.querySelectorAll(".mine .file-img img")].some(i => i.complete && i.naturalWidth === 3)`)
	waitFor(t, chat, "the message is sent", `document.querySelector(".receipt").textContent === "Sent"`)
}

// TestInboxFiles: a file mailed in shows as a card of its message;
// opening it opens a download URL on the S3 origin, which serves an SVG
// as an attachment.
func TestInboxFiles(t *testing.T) {
	browser := newBrowser(t)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")

	tag := uuid.NewString()[:8]
	marker := "Files attached " + tag
	from := "files-" + tag + "@visitor.test"
	raw := fmt.Sprintf("From: Fay <%s>\r\nTo: hello@reply.example.com\r\nSubject: files\r\nMessage-ID: <%s@visitor.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n%s\r\n"+
		"--b\r\nContent-Type: image/svg+xml\r\nContent-Disposition: attachment; filename=\"logo-%s.svg\"\r\n\r\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\r\n--b--\r\n",
		from, uuid.NewString(), time.Now().Format(time.RFC1123Z), marker, tag)
	if err := smtp.SendMail(cloud.Endpoints().SMTP, nil, from, []string{"hello@reply.example.com"}, []byte(raw)); err != nil {
		t.Fatalf("SMTP: %v", err)
	}
	// The mail's files are a message of their own, the conversation's latest.
	openConversation(t, agent, "logo-"+tag+".svg")
	card := `[...document.querySelectorAll(".att-card")].find(b => b.textContent.includes("logo-` + tag + `.svg"))`
	waitFor(t, agent, "the file shows as a card", card)
	eval[bool](t, agent, recordOpens)
	eval[bool](t, agent, `(`+card+`).click() || true`)
	h, _ := download(t, openedURL(t, agent, 0))
	if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("the SVG downloads with %v, want an attachment", h)
	}
}

// TestFileAcrossAClose: the visitor attaches a picture and writes; the
// agent closes the conversation before the visitor sends. The visitor
// starts a new conversation and sends: the text and the picture, uploaded
// for the closed conversation, go into the new one, nothing refused, and
// the agent sees the picture there.
func TestFileAcrossAClose(t *testing.T) {
	browser := newBrowser(t)
	visitor := newTab(t, browser)
	agent := newTab(t, browser)
	signIn(t, agent, "alice")
	tag := uuid.NewString()[:8]
	first, second := "About my order "+tag, "Here is the label "+tag
	chat := startChat(t, visitor, first)
	openConversation(t, agent, first)

	dropFiles(t, chat, ".log", jsFile("label-"+tag+".png", "image/png", picture(t, 5, 4)))
	waitFor(t, chat, "the picture is uploaded", `document.querySelectorAll(".tray .up.done").length === 1`)
	typeInto(t, chat, "textarea.input", second)
	closeThread(t, agent)
	waitFor(t, chat, "the widget shows the close", `!document.querySelector(".ended").hidden`)
	step(t, chat, "start a new conversation", chromedp.Click(chromedp.CSS(".start-new")))
	typeInto(t, chat, "textarea.input", "\r")
	waitWithin(t, chat, 15*time.Second, "the message is stored with its picture", `document.querySelector(".receipt").textContent === "Sent" &&
		[...document.querySelectorAll(".mine")].some(r => r.textContent.includes(`+js(second)+`) && r.querySelectorAll(".file-img img[src]").length === 1)`)
	if eval[bool](t, chat, `document.querySelector(".refused") !== null || !document.querySelector(".tray").hidden`) {
		t.Error("the widget shows something refused, or the picture still in the tray")
	}

	openConversation(t, agent, second)
	waitFor(t, agent, "the picture shows in the new conversation", `(() => {
		const imgs = [...document.querySelectorAll(".att-img img")];
		return imgs.length === 1 && imgs[0].complete && imgs[0].naturalWidth === 5 && imgs[0].alt === `+js("label-"+tag+".png")+` })()`)
	if eval[bool](t, agent, `document.querySelector(".tlog").textContent.includes(`+js(first)+`)`) {
		t.Error("the message went into the closed conversation")
	}
	closeThread(t, agent)
}
