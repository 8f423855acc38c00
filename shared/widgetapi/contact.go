package widgetapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/email"
)

// WithEmail adds the email capture route (PUT /widget/contact).
func (h *Handler) WithEmail(e *email.Service) *Handler {
	h.email = e
	return h
}

// contact records the address a visitor gives (email capture): it is how
// the conversation continues by email and where transcripts go.
func (h *Handler) contact(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	var in email.ContactInput
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	c, err := h.email.SetContact(ctx, p.ID, in)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	slog.InfoContext(ctx, "visitor gave an email address", "visitorId", p.ID)
	return apigw.JSON(http.StatusOK, map[string]any{"contact": map[string]string{"email": c.Email, "name": c.Name}})
}
