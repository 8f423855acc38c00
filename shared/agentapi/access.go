package agentapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

// signOut ends every session of the agent: tokens and tickets issued until
// now are refused and its open sockets closed.
func (h *Handler) signOut(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	closed, err := h.guard.SignOut(ctx, a.Principal)
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

// setAccess disables or enables an agent (an admins route: to anyone else
// it does not exist).
func (h *Handler) setAccess(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
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
	target, err := h.svc.AgentMember(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	closed, err := h.guard.SetDisabled(ctx, target, *in.Disabled)
	if err != nil {
		return 0, nil, err
	}
	slog.InfoContext(ctx, "agent access changed", "agentId", id, "by", a.Principal.ID, "disabled", *in.Disabled, "connections", closed)
	return http.StatusOK, accessAnswer{AgentID: id, Disabled: *in.Disabled}, nil
}
