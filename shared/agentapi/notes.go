package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/plaintext"
)

// Agents working together: notes with their mentions, each agent's
// notifications, and its notification preferences.

type noteRequest struct {
	ClientID string `json:"clientId"`
	Body     string `json:"body"`
}

func (h *Handler) note(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in noteRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	in.Body = plaintext.Body(in.Body)
	msg, created, err := h.mentions.Note(ctx, a.Principal, req.PathParameters["id"], chat.NoteInput(in))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return status, map[string]any{"message": msg}, err
}

func (h *Handler) notifications(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	q := req.QueryStringParameters
	limit, err := apigw.Int(q, "limit")
	if err != nil {
		return 0, nil, err
	}
	page, err := h.svc.Notifications(ctx, a.Principal, int(limit), q["cursor"])
	return http.StatusOK, page, err
}

type readNotificationsRequest struct {
	IDs []string `json:"ids"`
	All bool     `json:"all"`
}

func (h *Handler) readNotifications(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in readNotificationsRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	unread, err := h.svc.ReadNotifications(ctx, a.Principal, in.IDs, in.All)
	return http.StatusOK, map[string]int{"unread": unread}, err
}

func (h *Handler) preferences(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	p, err := h.svc.Preferences(ctx, a.Principal)
	return http.StatusOK, p, err
}

func (h *Handler) setPreferences(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in chat.Preferences
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	p, err := h.svc.SetPreferences(ctx, a.Principal, in)
	return http.StatusOK, p, err
}
