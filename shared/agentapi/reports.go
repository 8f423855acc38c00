package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/reports"
)

var errReportDimension = &chat.Error{Kind: chat.ErrInvalid, Message: "name an inbox (inboxId) or an agent (agentId), not both"}

// report answers a date range of an inbox's or an agent's rollups
// (?inboxId= or ?agentId=, from=YYYY-MM-DD, to=YYYY-MM-DD): one Query; or,
// with neither, the whole account's: one Query per inbox.
func (h *Handler) report(ctx context.Context, _ auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	q := req.QueryStringParameters
	dim, id := reports.DimInbox, q["inboxId"]
	switch {
	case id != "" && q["agentId"] != "":
		return 0, nil, errReportDimension
	case q["agentId"] != "":
		dim, id = reports.DimAgent, q["agentId"]
	case id == "":
		dim = reports.DimAccount
	}
	r, err := h.reports.Report(ctx, dim, id, q["from"], q["to"])
	return http.StatusOK, r, err
}
