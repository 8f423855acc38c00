package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/auth"
)

// contact resolves the route's {id}: a visitor id or an email address.
// API Gateway hands path parameters over decoded already: decoding again
// would make "bob%41@example.com" name bobA@example.com.
func (h *Handler) contact(ctx context.Context, req events.APIGatewayV2HTTPRequest) (string, error) {
	return h.privacy.Resolve(ctx, req.PathParameters["id"])
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
