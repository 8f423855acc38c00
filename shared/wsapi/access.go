package wsapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
)

// AgentChecker refuses agents that are disabled or signed out since their
// ticket was issued (access.Guard).
type AgentChecker interface {
	Check(ctx context.Context, agentID string, issuedAt time.Time) error
}

// WithAccess makes $connect check the socket's Origin against allow (a
// visitor's against its channel's list, an agent's against the inbox's),
// count the source IP against limit, and refuse agents agents refuses.
func (h *Connect) WithAccess(allow auth.Allowlist, limit *ratelimit.Limiter, agents AgentChecker) *Connect {
	h.allow, h.limit, h.agents = &allow, limit, agents
	return h
}

func (h *Connect) checkAccess(ctx context.Context, t chat.Ticket, origin string) error {
	if h.allow != nil {
		if err := h.allow.CheckSocket(t, origin); err != nil {
			return err
		}
	}
	if h.agents != nil && t.Principal.Role == chat.RoleAgent {
		return h.agents.Check(ctx, t.Principal.ID, t.IssuedAt)
	}
	return nil
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

// WithLimits counts every frame but messages against its socket's limit.
func (h *Message) WithLimits(l *ratelimit.Limiter) *Message {
	h.limit = l
	return h
}
