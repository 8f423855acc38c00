package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/auth"
)

// contactCard answers GET /agent/conversations/{id}/contact: who the
// conversation's visitor is (the sidebar beside the thread).
func (h *Handler) contactCard(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	card, err := h.contacts.Card(ctx, a.Principal, req.PathParameters["id"])
	return http.StatusOK, map[string]any{"card": card}, err
}
