package browser

import (
	"fmt"
	"net/http"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestInboxFiles: a file mailed in shows under the thread's head; opening
// it opens a download URL on the S3 origin, which serves an SVG as an
// attachment.
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
	openConversation(t, agent, "logo-"+tag+".svg")
	waitFor(t, agent, "the file is listed", `[...document.querySelectorAll(".files .file")].some(b => b.textContent.startsWith("logo-`+tag+`.svg"))`)

	// The inbox opens a tab and points it at the download; record where.
	eval[bool](t, agent, `(window.__opened = [], window.open = () => { const w = {location: {href: ""}, opener: 1, close() {}}; window.__opened.push(w); return w; }, true)`)
	eval[bool](t, agent, `[...document.querySelectorAll(".files .file")].find(b => b.textContent.startsWith("logo-`+tag+`.svg")).click() || true`)
	waitFor(t, agent, "the download URL is opened", `window.__opened.length === 1 && window.__opened[0].location.href !== ""`)
	u := eval[string](t, agent, `window.__opened[0].location.href`)
	if !strings.HasPrefix(u, cloud.S3URL()+"/") {
		t.Fatalf("the inbox opened %s, want a URL on the S3 origin %s", u, cloud.S3URL())
	}
	if eval[bool](t, agent, `window.__opened[0].opener !== null`) {
		t.Error("the download tab keeps its opener")
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download = %d %v", resp.StatusCode, resp.Header)
	}
}
