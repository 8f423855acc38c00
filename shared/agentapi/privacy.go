package agentapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

// contact resolves the route's {id}: a visitor id or an email address.
func (h *Handler) contact(ctx context.Context, req events.APIGatewayV2HTTPRequest) (string, error) {
	ref, err := url.PathUnescape(req.PathParameters["id"])
	if err != nil {
		return "", &chat.Error{Kind: chat.ErrInvalid, Message: "a contact is named by its visitor id or an email address"}
	}
	return h.privacy.Resolve(ctx, ref)
}

// exportContact answers everything about a contact as one document.
func (h *Handler) exportContact(ctx context.Context, _ auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	vid, err := h.contact(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	out, err := h.privacy.Export(ctx, vid, h.fileLinks)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

// eraseContact removes everything about a contact.
func (h *Handler) eraseContact(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	vid, err := h.contact(ctx, req)
	if err != nil {
		return 0, nil, err
	}
	res, err := h.privacy.Erase(ctx, a.Principal, vid)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"erased": res}, nil
}
