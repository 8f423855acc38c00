package mail

import (
	"strings"
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

// RenderConfirmation returns the plain text and HTML bodies of the
// confirmation email; every value is escaped in the HTML body.
func RenderConfirmation(c ConfirmationMail) (text, htmlBody string, err error) {
	if !httpURL(c.Link) {
		return "", "", invalid("confirmation link must be an http(s) URL")
	}
	until := c.Expires.UTC().Format("2 Jan 2006 15:04 MST")
	var tb, hb strings.Builder
	tb.WriteString("Someone gave this email address in the chat")
	hb.WriteString(bodyStart + "<p>Someone gave this email address in the chat")
	if c.Team != "" {
		tb.WriteString(" with " + c.Team)
		hb.WriteString(" with " + htmlText(c.Team))
	}
	if httpURL(c.PageURL) {
		tb.WriteString(" on " + c.PageURL)
		hb.WriteString(` on <a href="` + htmlURL(c.PageURL) + `">` + htmlText(c.PageURL) + "</a>")
	}
	tb.WriteString(`.

If it was you, confirm the address to get replies and the transcript of your conversations by email:

` + c.Link + `

The link works until ` + until + `.

If it was not you, ignore this email: nothing is sent to this address, and mail from it does not reach that chat.
`)
	hb.WriteString(`.</p>
<p>If it was you, confirm the address to get replies and the transcript of your conversations by email:</p>
<p><a href="` + htmlURL(c.Link) + `" style="display:inline-block;padding:8px 14px;background:#1f6feb;color:#fff;text-decoration:none;border-radius:6px">Confirm my address</a></p>
<p style="color:#59636e;font-size:12px">The link works until ` + htmlText(until) + `. If it was not you, ignore this email: nothing is sent to this address, and mail from it does not reach that chat.</p>
` + bodyEnd)
	return tb.String(), hb.String(), nil
}
