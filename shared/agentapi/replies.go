package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/savedreplies"
)

type repliesAnswer struct {
	Replies []savedreplies.Reply `json:"replies"`
	// CanEditShared tells the inbox whether to offer changing the shared
	// replies (the admins' routes).
	CanEditShared bool `json:"canEditShared"`
}

// savedReplies lists the shared replies and the agent's own.
func (h *Handler) savedReplies(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	list, err := h.replies.List(ctx, a.Principal)
	if list == nil {
		list = []savedreplies.Reply{}
	}
	return http.StatusOK, repliesAnswer{Replies: list, CanEditShared: a.Admin}, err
}

type replyAnswer struct {
	Reply savedreplies.Reply `json:"reply"`
}

type deletedAnswer struct {
	Deleted string `json:"deleted"`
}

// createReply, updateReply and deleteReply serve both scopes: the route
// table gives the shared ones to admins only.
func (h *Handler) createReply(scope savedreplies.Scope) func(context.Context, auth.Agent, events.APIGatewayV2HTTPRequest) (int, any, error) {
	return func(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
		var in savedreplies.Input
		if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
			return 0, nil, err
		}
		r, err := h.replies.Create(ctx, a.Principal, scope, in)
		return http.StatusCreated, replyAnswer{r}, err
	}
}

func (h *Handler) updateReply(scope savedreplies.Scope) func(context.Context, auth.Agent, events.APIGatewayV2HTTPRequest) (int, any, error) {
	return func(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
		var in savedreplies.Input
		if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
			return 0, nil, err
		}
		r, err := h.replies.Update(ctx, a.Principal, scope, req.PathParameters["id"], in)
		return http.StatusOK, replyAnswer{r}, err
	}
}

func (h *Handler) deleteReply(scope savedreplies.Scope) func(context.Context, auth.Agent, events.APIGatewayV2HTTPRequest) (int, any, error) {
	return func(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
		id := req.PathParameters["id"]
		err := h.replies.Delete(ctx, a.Principal, scope, id)
		return http.StatusOK, deletedAnswer{id}, err
	}
}
