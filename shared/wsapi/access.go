package wsapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/chat"
)

// admit checks a ticket's Origin and, for an agent, its access (the same
// read brings its profile); an agent's ticket comes back with the agent's
// memberships, which its connection keeps: no message on the socket reads
// them again.
func (h *Connect) admit(ctx context.Context, t chat.Ticket, origin string) (chat.Ticket, error) {
	if err := h.allow.CheckSocket(ctx, t, origin); err != nil {
		return chat.Ticket{}, err
	}
	if t.Principal.Role != chat.RoleAgent {
		return t, nil
	}
	profile, err := h.agents.Admit(ctx, t.Principal.ID, t.IssuedAt)
	if err != nil {
		return chat.Ticket{}, err
	}
	t.Principal = h.svc.Member(t.Principal, profile)
	return t, nil
}

// refuse answers the upgrade with the error's status; a rate limited one
// says when to retry.
func refuse(ctx context.Context, err error) events.APIGatewayProxyResponse {
	status, body := apigw.Classify(ctx, err)
	resp := events.APIGatewayProxyResponse{StatusCode: status, Body: body.Message}
	if status == http.StatusTooManyRequests && body.RetryAfter > 0 {
		resp.Headers = map[string]string{"Retry-After": strconv.Itoa(body.RetryAfter)}
	}
	return resp
}
