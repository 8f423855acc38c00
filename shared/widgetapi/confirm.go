package widgetapi

import (
	"context"
	"encoding/base64"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/chat"
)

// The confirmation page is what the link in the confirmation email opens.
// GET shows the address and a button and changes nothing, so the mail
// scanners that open every link in an email confirm nothing; the button
// POSTs the token back and confirms. It is a public page opened from a
// mail client: no origin check, no visitor token (the link's token is
// the proof).
type confirmView struct {
	Title, Text, Token string
}

// render writes the page with a strings.Builder, every value escaped,
// rather than html/template: executing a template makes the linker keep
// every exported method in the binary (see shared/mail). color is the
// channel's, always #rrggbb (settings.Service.Color).
func (v confirmView) render(color string) string {
	var b strings.Builder
	pageStart(&b, v.Title, color, "")
	b.WriteString("<p>" + html.EscapeString(v.Text) + "</p>\n")
	if v.Token != "" {
		b.WriteString(`<form method="post" action="confirm"><input type="hidden" name="token" value="` + html.EscapeString(v.Token) + `"><button type="submit">Confirm my address</button></form>`)
	}
	b.WriteString("\n</body></html>\n")
	return b.String()
}

// maxConfirmBody bounds the confirmation form's body.
const maxConfirmBody = 1024

func (h *Handler) page(ctx context.Context, status int, v confirmView) events.APIGatewayV2HTTPResponse {
	return htmlPage(status, v.render(h.settings.Color(ctx, h.channel)))
}

// htmlPage answers with one of the widget API's own pages (the
// confirmation and rating pages): no script, no referrer, never cached,
// no framing, and a form may post only back to the API.
func htmlPage(status int, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: body, Headers: map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	}}
}

// failed is the page for a link that cannot confirm.
func (h *Handler) failed(ctx context.Context, err error) events.APIGatewayV2HTTPResponse {
	var de *chat.Error
	if errors.As(err, &de) && errors.Is(err, chat.ErrInvalid) {
		return h.page(ctx, http.StatusBadRequest, confirmView{Title: "This link cannot confirm an address", Text: de.Message})
	}
	slog.ErrorContext(ctx, "confirmation page failed", "error", err)
	return h.page(ctx, http.StatusInternalServerError, confirmView{Title: "Something went wrong", Text: "The address could not be confirmed just now. Please open the link again in a moment."})
}

// confirmForm answers GET /widget/contact/confirm?token=…: what the link
// would confirm, and the button that does it.
func (h *Handler) confirmForm(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	token := req.QueryStringParameters["token"]
	c, err := h.email.CheckConfirmation(ctx, token)
	if err != nil {
		return h.failed(ctx, err)
	}
	if c.Verified() {
		return h.page(ctx, http.StatusOK, confirmView{Title: "Address confirmed", Text: c.Email + " is confirmed. You can close this page."})
	}
	return h.page(ctx, http.StatusOK, confirmView{
		Title: "Confirm your email address",
		Text:  "Confirm that " + c.Email + " is your address, to get replies and transcripts of your chat by email.",
		Token: token,
	})
}

// confirm answers POST /widget/contact/confirm (the page's button, a form
// post with the token): it confirms the address.
func (h *Handler) confirm(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	form, err := readForm(req, maxConfirmBody)
	if err != nil {
		return h.failed(ctx, err)
	}
	token := form.Get("token")
	if token == "" {
		token = req.QueryStringParameters["token"]
	}
	c, err := h.email.Confirm(ctx, token)
	if err != nil {
		return h.failed(ctx, err)
	}
	return h.page(ctx, http.StatusOK, confirmView{Title: "Address confirmed", Text: "Thank you: " + c.Email + " is confirmed. You can close this page."})
}

// readForm reads the form a page of the widget API posts back: at most
// max bytes, URL-encoded.
func readForm(req events.APIGatewayV2HTTPRequest, max int) (url.Values, error) {
	body := req.Body
	if req.IsBase64Encoded {
		raw, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, &chat.Error{Kind: chat.ErrInvalid, Message: "The form could not be read."}
		}
		body = string(raw)
	}
	if len(body) > max {
		return nil, &chat.Error{Kind: chat.ErrInvalid, Message: "The form is too large."}
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		return nil, &chat.Error{Kind: chat.ErrInvalid, Message: "The form could not be read."}
	}
	return form, nil
}

// pageStart writes the head of the widget API's own pages and their
// heading: title escaped, the channel's color (always #rrggbb) on the
// button, css (trusted, the page's own) added to the styles.
func pageStart(b *strings.Builder, title, color, css string) {
	title = html.EscapeString(title)
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>` + title + `</title>
<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}
` + css + `button{font:inherit;padding:.5rem 1rem;border:0;border-radius:6px;background:` + color + `;color:#fff;cursor:pointer}</style></head>
<body><h1 style="font-size:1.3rem">` + title + `</h1>`)
}
