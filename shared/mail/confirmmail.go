package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
	"time"
)

// ConfirmationMail is the email asking the owner of an address a visitor
// gave in the chat to confirm it.
type ConfirmationMail struct {
	Team    string // who runs the chat (the sender's name), may be empty
	PageURL string // where the chat was, shown when http(s)
	Link    string // the confirmation page, https (or http locally)
	Expires time.Time
}

var confirmText = template.Must(template.New("confirm").Parse(`Someone gave this email address in the chat{{if .Team}} with {{.Team}}{{end}}{{if .PageURL}} on {{.PageURL}}{{end}}.

If it was you, confirm the address to get replies and the transcript of your conversations by email:

{{.Link}}

The link works until {{.Until}}.

If it was not you, ignore this email: nothing is sent to this address, and mail from it does not reach that chat.
`))

var confirmHTML = htmltemplate.Must(htmltemplate.New("confirm").Parse(`<!doctype html>
<html><head><meta charset="utf-8"></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328">
<p>Someone gave this email address in the chat{{if .Team}} with {{.Team}}{{end}}{{if .SafePage}} on <a href="{{.SafePage}}">{{.PageURL}}</a>{{end}}.</p>
<p>If it was you, confirm the address to get replies and the transcript of your conversations by email:</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:8px 14px;background:#1f6feb;color:#fff;text-decoration:none;border-radius:6px">Confirm my address</a></p>
<p style="color:#59636e;font-size:12px">The link works until {{.Until}}. If it was not you, ignore this email: nothing is sent to this address, and mail from it does not reach that chat.</p>
</body></html>
`))

// RenderConfirmation returns the plain text and HTML bodies of the
// confirmation email; every value is escaped in the HTML body.
func RenderConfirmation(c ConfirmationMail) (text, htmlBody string, err error) {
	if !strings.HasPrefix(c.Link, "https://") && !strings.HasPrefix(c.Link, "http://") {
		return "", "", invalid("confirmation link must be an http(s) URL")
	}
	v := struct {
		ConfirmationMail
		SafePage string
		Until    string
	}{ConfirmationMail: c, Until: c.Expires.UTC().Format("2 Jan 2006 15:04 MST")}
	if strings.HasPrefix(c.PageURL, "https://") || strings.HasPrefix(c.PageURL, "http://") {
		v.SafePage = c.PageURL
	} else {
		v.PageURL = ""
	}
	var tb, hb bytes.Buffer
	if err := confirmText.Execute(&tb, v); err != nil {
		return "", "", fmt.Errorf("render text: %w", err)
	}
	if err := confirmHTML.Execute(&hb, v); err != nil {
		return "", "", fmt.Errorf("render html: %w", err)
	}
	return tb.String(), hb.String(), nil
}
