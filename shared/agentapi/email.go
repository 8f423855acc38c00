package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/plaintext"
)

// The email channel's routes: transcripts, the contact's address and the
// quarantined mail (a channel's email settings are part of the channel).

func (h *Handler) transcript(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in email.TranscriptInput
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	in.Subject = plaintext.Line(in.Subject)
	msg, err := h.email.Transcript(ctx, a.Principal, req.PathParameters["id"], in)
	return http.StatusCreated, map[string]any{"message": msg}, err
}

func (h *Handler) setContact(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in email.ContactInput
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	in.Name = plaintext.Line(in.Name)
	c, err := h.email.SetContactAsAgent(ctx, a.Principal, req.PathParameters["id"], in)
	return http.StatusOK, map[string]any{"contact": map[string]string{"email": c.Email, "name": c.Name}}, err
}

func (h *Handler) quarantine(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	limit, err := apigw.Limit(req.QueryStringParameters)
	if err != nil {
		return 0, nil, err
	}
	qs, err := h.email.Quarantine(ctx, a.Principal, limit)
	return http.StatusOK, map[string]any{"mails": qs}, err
}
