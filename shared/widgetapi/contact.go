package widgetapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/plaintext"
)

// contactAnswer is the answer of PUT /widget/contact. It is the same
// whether or not the address is known for someone else: verified is about
// this visitor's own address only.
type contactAnswer struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Verified bool   `json:"verified"`
}

// contact records the address a visitor gives (email capture): it is how
// the conversation continues by email and where transcripts go once the
// address is confirmed. A new address gets a confirmation email.
func (h *Handler) contact(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(ctx, req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	// A new address sends a confirmation email: counted per IP as sessions are.
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	var in email.ContactInput
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	in.Name = plaintext.Line(in.Name)
	c, err := h.email.SetContact(ctx, p, in, confirmPageURL(req))
	if err != nil {
		return apigw.Error(ctx, err)
	}
	slog.InfoContext(ctx, "visitor gave an email address", "visitorId", p.ID, "verified", c.Verified())
	return apigw.JSON(http.StatusOK, map[string]any{"contact": contactAnswer{Email: c.Email, Name: c.Name, Verified: c.Verified()}})
}

// confirmPath is the confirmation page's route.
const confirmPath = "/widget/contact/confirm"

// confirmPageURL is the confirmation page on the API the request came
// through: API Gateway's domain name (not the client's Host header) and
// the stage's path when it is not the default stage.
func confirmPageURL(req events.APIGatewayV2HTTPRequest) string {
	scheme := auth.Header(req.Headers, "X-Forwarded-Proto")
	if scheme != "http" {
		scheme = "https"
	}
	host := req.RequestContext.DomainName
	if host == "" {
		host = auth.Header(req.Headers, "Host")
	}
	prefix := ""
	if st := req.RequestContext.Stage; st != "" && st != "$default" {
		prefix = "/" + st
	}
	return scheme + "://" + host + prefix + confirmPath
}
