package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"text/template"
)

// Notice is an email telling an agent of something in the inbox: a
// heading, a quoted text and its author, and a link that opens it.
type Notice struct {
	Heading string
	Quote   string
	By      string
	// Link opens the matter in the inbox; only an http(s) URL is shown.
	Link     string
	LinkText string
	Footer   string
}

var noticeText = template.Must(template.New("text").Parse(`{{.Heading}}

{{.Quote}}
{{if .By}}— {{.By}}
{{end}}{{if .Link}}
{{.LinkText}}: {{.Link}}
{{end}}
{{.Footer}}
`))

var noticeHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html><head><meta charset="utf-8"></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328">
<p>{{.Heading}}</p>
<blockquote style="margin:0 0 12px 0;padding:8px 12px;border-left:3px solid #d4a72c;background:#fff8c5;white-space:pre-wrap">{{.Quote}}</blockquote>
{{if .By}}<p style="color:#59636e">— {{.By}}</p>{{end}}
{{if .Link}}<p><a href="{{.Link}}">{{.LinkText}}</a></p>{{end}}
<p style="color:#59636e;font-size:12px">{{.Footer}}</p>
</body></html>
`))

// RenderNotice returns the plain text and HTML bodies of n. Every piece
// of content is escaped in the HTML body.
func RenderNotice(n Notice) (text, htmlBody string, err error) {
	if !strings.HasPrefix(n.Link, "https://") && !strings.HasPrefix(n.Link, "http://") {
		n.Link = ""
	}
	var tb, hb bytes.Buffer
	if err := noticeText.Execute(&tb, n); err != nil {
		return "", "", fmt.Errorf("render text: %w", err)
	}
	if err := noticeHTML.Execute(&hb, n); err != nil {
		return "", "", fmt.Errorf("render html: %w", err)
	}
	return tb.String(), hb.String(), nil
}
