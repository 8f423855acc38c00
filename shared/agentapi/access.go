package agentapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

// WithAccess checks every request against the agent's access state
// (disabled, signed out) and adds the sign-out route and the admins'
// route that disables and enables agents. Admins are the agents whose
// token lists adminGroup in cognito:groups.
func (h *Handler) WithAccess(g *access.Guard, adminGroup string) *Handler {
	h.guard, h.adminGroup = g, adminGroup
	return h
}

func (h *Handler) accessRoutes() map[string]route {
	return map[string]route{
		"POST /agent/signout":           h.signOut,
		"PUT /agent/agents/{id}/access": h.setAccess,
	}
}

// signOut ends every session of the agent: tokens and tickets issued until
// now are refused and its open sockets closed.
func (h *Handler) signOut(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	closed, err := h.guard.SignOut(ctx, a.Principal.ID)
	if err != nil {
		return 0, nil, err
	}
	slog.InfoContext(ctx, "agent signed out", "agentId", a.Principal.ID, "connections", closed)
	return http.StatusOK, map[string]any{"signedOut": true}, nil
}

type accessRequest struct {
	Disabled *bool `json:"disabled"`
}

type accessAnswer struct {
	AgentID  string `json:"agentId"`
	Disabled bool   `json:"disabled"`
}

// setAccess disables or enables an agent. To anyone but an admin the route
// does not exist.
func (h *Handler) setAccess(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	if !auth.InGroup(req, h.adminGroup) {
		return 0, nil, &chat.Error{Kind: chat.ErrNotFound, Message: "no such route"}
	}
	var in accessRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	id := req.PathParameters["id"]
	switch {
	case in.Disabled == nil:
		return 0, nil, &chat.Error{Kind: chat.ErrInvalid, Message: "disabled (true or false) is required"}
	case id == "" || len(id) > 128:
		return 0, nil, &chat.Error{Kind: chat.ErrInvalid, Message: "agent id must be 1 to 128 characters"}
	case id == a.Principal.ID && *in.Disabled:
		return 0, nil, &chat.Error{Kind: chat.ErrInvalid, Message: "an admin cannot disable itself"}
	}
	closed, err := h.guard.SetDisabled(ctx, id, *in.Disabled)
	if err != nil {
		return 0, nil, err
	}
	slog.InfoContext(ctx, "agent access changed", "agentId", id, "by", a.Principal.ID, "disabled", *in.Disabled, "connections", closed)
	return http.StatusOK, accessAnswer{AgentID: id, Disabled: *in.Disabled}, nil
}
