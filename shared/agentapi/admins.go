package agentapi

import (
	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

// isAdmin is the one place that tells whether the caller is an admin:
// today the AdminGroup claim of its token. The agent's profile (nil before
// it has one) is here for a role granted in the product.
func (h *Handler) isAdmin(req events.APIGatewayV2HTTPRequest, _ *chat.Agent) bool {
	return auth.InGroup(req, h.adminGroup)
}
