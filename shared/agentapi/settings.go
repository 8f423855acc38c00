package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/settings"
)

// The settings routes (admins): chat channels and inboxes; and the two
// every agent has: its own inboxes and its status.

func (h *Handler) listChannels(ctx context.Context, _ auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	list, err := h.settings.Channels(ctx)
	return http.StatusOK, map[string]any{"channels": list}, err
}

type newChannelRequest struct {
	InboxID string `json:"inboxId"`
	Name    string `json:"name"`
}

func (h *Handler) createChannel(ctx context.Context, _ auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in newChannelRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	ch, err := h.settings.CreateChannel(ctx, in.InboxID, in.Name)
	return http.StatusCreated, ch, err
}

func (h *Handler) getChannel(ctx context.Context, _ auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	ch, err := h.settings.Channel(ctx, req.PathParameters["id"])
	return http.StatusOK, ch, err
}

func (h *Handler) putChannel(ctx context.Context, _ auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in settings.Channel
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	ch, err := h.settings.PutChannel(ctx, req.PathParameters["id"], in)
	return http.StatusOK, ch, err
}

func (h *Handler) listInboxes(ctx context.Context, _ auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	list, err := h.settings.Inboxes(ctx)
	return http.StatusOK, map[string]any{"inboxes": list}, err
}

type newInboxRequest struct {
	Name string `json:"name"`
}

func (h *Handler) createInbox(ctx context.Context, _ auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in newInboxRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	inbox, err := h.settings.CreateInbox(ctx, in.Name)
	return http.StatusCreated, inbox, err
}

func (h *Handler) putInbox(ctx context.Context, _ auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in settings.Inbox
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	inbox, err := h.settings.PutInbox(ctx, req.PathParameters["id"], in, h.team)
	return http.StatusOK, inbox, err
}

// myInboxes lists the caller's own inboxes (the inbox switcher).
func (h *Handler) myInboxes(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	list, err := h.settings.AgentInboxes(ctx, a.Principal)
	return http.StatusOK, map[string]any{"inboxes": list}, err
}

type statusRequest struct {
	Status chat.AgentStatus `json:"status"`
}

func (h *Handler) setStatus(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in statusRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	agent, err := h.svc.SetStatus(ctx, a.Principal, a.Email, in.Status)
	return http.StatusOK, agent, err
}
