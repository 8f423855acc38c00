package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
)

// search finds conversations of the agent's inboxes by contact name or
// address and by words in messages and notes (docs/search.md).
func (h *Handler) search(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	q := req.QueryStringParameters
	limit, err := apigw.Int(q, "limit")
	if err != nil {
		return 0, nil, err
	}
	page, err := h.finder.Search(ctx, a.Principal, q["q"], q["cursor"], int(limit))
	return http.StatusOK, page, err
}
