package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
)

// The admins' team routes.

func admin(a auth.Agent) access.Admin {
	return access.Admin{ID: a.Principal.ID, ByGroup: a.InAdminGroup}
}

func (h *Handler) listTeam(ctx context.Context, _ auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	members, err := h.team.List(ctx)
	return http.StatusOK, map[string]any{"members": members}, err
}

type inviteRequest struct {
	Email    string        `json:"email"`
	Name     string        `json:"name"`
	Role     chat.TeamRole `json:"role"`
	InboxIDs []string      `json:"inboxIds"`
}

func (h *Handler) invite(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in inviteRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	m, err := h.team.Invite(ctx, admin(a), team.Invitation(in))
	return http.StatusCreated, m, err
}

type memberRequest struct {
	Role     chat.TeamRole `json:"role"`
	InboxIDs []string      `json:"inboxIds"`
}

func (h *Handler) updateMember(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in memberRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	m, err := h.team.Update(ctx, admin(a), req.PathParameters["id"], team.Change(in))
	return http.StatusOK, m, err
}

type accessRequest struct {
	Disabled *bool `json:"disabled"`
}

type accessAnswer struct {
	AgentID  string `json:"agentId"`
	Disabled bool   `json:"disabled"`
}

// setAccess disables or enables an agent, here and in the user pool.
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
	}
	target, err := h.svc.AgentMember(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	if err := h.team.SetAccess(ctx, admin(a), target, *in.Disabled); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, accessAnswer{AgentID: id, Disabled: *in.Disabled}, nil
}
