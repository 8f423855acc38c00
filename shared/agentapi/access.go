package agentapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/auth"
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
