package e2e

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

type attachmentInfo struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
	Inline   bool   `json:"inline"`
}

// TestAttachmentDownloads: files mailed in are downloads from the S3
// origin, never the API's: SVG and HTML come as attachments of type
// application/octet-stream with nosniff, a PNG may show inline; a changed
// or expired URL is refused; another conversation's attachment id answers
// like an unknown one.
func TestAttachmentDownloads(t *testing.T) {
	addr := "files-" + uuid.NewString()[:8] + "@visitor.test"
	tag := uuid.NewString()[:8]
	svg := `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"/>`
	html := `<html><script>alert(document.cookie)</script></html>`
	png := "\x89PNG\r\n\x1a\n fake"
	raw := fmt.Sprintf("From: Fay <%[1]s>\nTo: support@reply.example.com\nSubject: files %[2]s\nMessage-ID: <%[2]s@mail.visitor.test>\nMIME-Version: 1.0\n"+
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nHere are the files %[2]s\n"+
		"--b\nContent-Type: image/svg+xml\nContent-Disposition: attachment; filename=\"logo-%[2]s.svg\"\n\n%[3]s\n"+
		"--b\nContent-Type: text/html\nContent-Disposition: attachment; filename=\"page-%[2]s.html\"\n\n%[4]s\n"+
		"--b\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"photo-%[2]s.png\"\nContent-Transfer-Encoding: base64\n\n%[5]s\n--b--\n",
		addr, tag, svg, html, b64(png))
	sendSMTP(t, addr, "support@reply.example.com", raw)

	// The conversation the mail opened, from where its files were stored.
	var convID string
	eventually(t, "the mail's attachments stored", func() error {
		for _, b := range cloud.Model().Mail.Buckets {
			for _, k := range cloud.S3().Keys(b, "attachments/") {
				if strings.HasSuffix(k, "photo-"+tag+".png") {
					convID = strings.Split(k, "/")[1]
					return nil
				}
			}
		}
		return fmt.Errorf("no attachment photo-%s.png yet", tag)
	})
	alice := newAgent(t, "alice")
	var list struct {
		Attachments []attachmentInfo `json:"attachments"`
	}
	if err := alice.Call(wait(t), http.MethodGet, "/agent/conversations/"+convID+"/attachments", nil, &list); err != nil {
		t.Fatal(err)
	}
	byName := map[string]attachmentInfo{}
	for _, a := range list.Attachments {
		byName[a.Filename] = a
	}
	if len(byName) != 3 {
		t.Fatalf("attachments = %+v, want the 3 files", list.Attachments)
	}
	api, _ := url.Parse(cloud.Endpoints().HTTPAPI)
	download := func(t *testing.T, convID, id string) (string, error) {
		var d struct {
			URL       string `json:"url"`
			ExpiresIn int    `json:"expiresIn"`
		}
		err := alice.Call(wait(t), http.MethodGet, "/agent/conversations/"+convID+"/attachments/"+id, nil, &d)
		if err == nil && (d.ExpiresIn <= 0 || d.ExpiresIn > 900) {
			t.Errorf("download URL lives %d s, want a short expiry", d.ExpiresIn)
		}
		return d.URL, err
	}
	fetch := func(t *testing.T, u string) (int, http.Header, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	files := []struct {
		name, body, ctype, disposition string
	}{
		{"logo-" + tag + ".svg", svg, "application/octet-stream", "attachment"},
		{"page-" + tag + ".html", html, "application/octet-stream", "attachment"},
		{"photo-" + tag + ".png", png, "image/png", "inline"},
	}
	var svgURL string
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			u, err := download(t, convID, byName[f.name].ID)
			if err != nil {
				t.Fatal(err)
			}
			pu, err := url.Parse(u)
			if err != nil {
				t.Fatal(err)
			}
			if pu.Host == api.Host || "http://"+pu.Host != cloud.S3URL() {
				t.Errorf("download from %s, want the S3 origin %s, not the API's %s", pu.Host, cloud.S3URL(), api.Host)
			}
			status, h, body := fetch(t, u)
			if status != 200 || body != f.body {
				t.Fatalf("GET %s = %d %q", u, status, body)
			}
			if got := h.Get("Content-Type"); got != f.ctype {
				t.Errorf("Content-Type = %q, want %q", got, f.ctype)
			}
			if got := h.Get("Content-Disposition"); !strings.HasPrefix(got, f.disposition+";") || !strings.Contains(got, f.name) {
				t.Errorf("Content-Disposition = %q, want %s with the file name", got, f.disposition)
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if strings.HasSuffix(f.name, ".svg") {
				svgURL = u
			}
		})
	}
	if svgURL == "" {
		t.Fatal("no SVG download URL")
	}

	// Changed or expired URLs are refused by the bucket.
	pastDate := time.Now().UTC().Add(-time.Hour).Format("20060102T150405Z")
	q, _ := url.Parse(svgURL)
	values := q.Query()
	values.Set("X-Amz-Date", pastDate)
	q.RawQuery = values.Encode()
	for name, u := range map[string]string{
		"forged signature":   strings.Replace(svgURL, "X-Amz-Signature=", "X-Amz-Signature=0", 1),
		"inline requested":   strings.Replace(svgURL, "attachment%3B", "inline%3B", 1),
		"another file":       strings.Replace(svgURL, "logo-", "page-", 1),
		"signed an hour ago": q.String(),
	} {
		if status, _, body := fetch(t, u); status != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", name, status, body)
		}
	}

	// Another conversation's attachment id answers like an unknown id.
	visitor := newVisitor(t)
	tab := connect(t, visitor)
	if _, err := chatclient.SendMessage(wait(t), tab, "", "no files here"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	other := own.ConversationID
	token := agentToken(t, "alice")
	fs, fb := rawCall(t, "GET", "/agent/conversations/"+other+"/attachments/"+byName["logo-"+tag+".svg"].ID, "", token, "")
	us, ub := rawCall(t, "GET", "/agent/conversations/"+other+"/attachments/"+b64url("nothing/1-x.svg"), "", token, "")
	if fs != http.StatusNotFound || fs != us || fb != ub {
		t.Errorf("another conversation's attachment: %d %s; unknown: %d %s; want the same 404", fs, fb, us, ub)
	}
	for _, bad := range []string{"%2e%2e%2f", b64url("../x/1-a.svg"), b64url("a/b/c"), "!!!"} {
		if s, b := rawCall(t, "GET", "/agent/conversations/"+convID+"/attachments/"+bad, "", token, ""); s != http.StatusNotFound {
			t.Errorf("attachment id %q: %d %s, want 404", bad, s, b)
		}
	}
	var l2 struct {
		Attachments []attachmentInfo `json:"attachments"`
	}
	if err := alice.Call(wait(t), http.MethodGet, "/agent/conversations/"+other+"/attachments", nil, &l2); err != nil || len(l2.Attachments) != 0 {
		t.Errorf("the other conversation lists %+v, %v; want none", l2.Attachments, err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
