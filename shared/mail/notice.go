package mail

import "strings"

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

// RenderNotice returns the plain text and HTML bodies of n. Every piece
// of content is escaped in the HTML body.
func RenderNotice(n Notice) (text, htmlBody string, err error) {
	if !httpURL(n.Link) {
		n.Link = ""
	}
	var tb, hb strings.Builder
	tb.WriteString(n.Heading + "\n\n" + n.Quote + "\n")
	hb.WriteString(bodyStart + "<p>" + htmlText(n.Heading) + "</p>\n" +
		`<blockquote style="margin:0 0 12px 0;padding:8px 12px;border-left:3px solid #d4a72c;background:#fff8c5;white-space:pre-wrap">` + htmlText(n.Quote) + "</blockquote>\n")
	if n.By != "" {
		tb.WriteString("— " + n.By + "\n")
		hb.WriteString(`<p style="color:#59636e">— ` + htmlText(n.By) + "</p>")
	}
	hb.WriteString("\n")
	if n.Link != "" {
		tb.WriteString("\n" + n.LinkText + ": " + n.Link + "\n")
		hb.WriteString(`<p><a href="` + htmlURL(n.Link) + `">` + htmlText(n.LinkText) + "</a></p>")
	}
	tb.WriteString("\n" + n.Footer + "\n")
	hb.WriteString("\n" + `<p style="color:#59636e;font-size:12px">` + htmlText(n.Footer) + "</p>\n" + bodyEnd)
	return tb.String(), hb.String(), nil
}
