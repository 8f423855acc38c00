// Package agentapi serves the JWT-protected agent routes of the HTTP API.
package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
)

// Handler serves AgentApiFunction.
type Handler struct {
	svc    *chat.Service
	signer *auth.Signer
	email  *email.Service
	// guard and adminGroup: see WithAccess.
	guard      *access.Guard
	adminGroup string
	// attachments serves the attachment routes (nil: they are off).
	attachments *attachment.Service
}

// New returns a Handler.
func New(svc *chat.Service, signer *auth.Signer) *Handler {
	return &Handler{svc: svc, signer: signer}
}

type route func(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error)

// readOnly are the routes that write nothing in the agent's name, so they
// need not read the agent's profile first (the ticket and /agent/me
// routes read or create it themselves).
var readOnly = map[string]bool{
	"POST /agent/ticket":                     true,
	"GET /agent/me":                          true,
	"PUT /agent/me":                          true,
	"GET /agent/agents":                      true,
	"GET /agent/conversations":               true,
	"GET /agent/conversations/{id}":          true,
	"GET /agent/conversations/{id}/messages": true,
	"POST /agent/conversations/{id}/read":    true,
	"GET /agent/channels/{id}/email":         true,
	"GET /agent/quarantine":                  true,
	"POST /agent/signout":                    true,
	"PUT /agent/agents/{id}/access":          true,
}

// Handle authenticates the agent from the authorizer's claims and routes
// on the route key API Gateway matched.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	a, err := auth.AgentFromRequest(req)
	if err != nil {
		return apigw.Error(ctx, err), nil
	}
	routes := map[string]route{
		"POST /agent/ticket":                      h.ticket,
		"GET /agent/me":                           h.me,
		"PUT /agent/me":                           h.updateMe,
		"GET /agent/agents":                       h.agents,
		"GET /agent/conversations":                h.list,
		"GET /agent/conversations/{id}":           h.conversation,
		"GET /agent/conversations/{id}/messages":  h.messages,
		"POST /agent/conversations/{id}/messages": h.reply,
		"POST /agent/conversations/{id}/assign":   h.assign,
		"POST /agent/conversations/{id}/takeover": h.takeOver,
		"POST /agent/conversations/{id}/unassign": h.unassign,
		"POST /agent/conversations/{id}/close":    h.close,
		"POST /agent/conversations/{id}/reopen":   h.reopen,
		"POST /agent/conversations/{id}/read":     h.read,
	}
	if h.email != nil {
		for k, r := range h.emailRoutes() {
			routes[k] = r
		}
	}
	if h.guard != nil {
		if err := h.guard.Check(ctx, a.Principal.ID, auth.IssuedAt(req)); err != nil {
			return apigw.Error(ctx, err), nil
		}
		for k, r := range h.accessRoutes() {
			routes[k] = r
		}
	}
	for k, r := range h.attachmentRoutes() {
		routes[k] = r
	}
	r, ok := routes[req.RouteKey]
	if !ok {
		return apigw.Error(ctx, &chat.Error{Kind: chat.ErrNotFound, Message: "no such route"}), nil
	}
	if !readOnly[req.RouteKey] {
		// What the agent writes is signed with the profile's display name
		// and avatar (as socket replies are, through the ticket), not the
		// identity provider's name: one read per request, no write.
		if a.Principal, err = h.svc.SignAs(ctx, a.Principal); err != nil {
			return apigw.Error(ctx, err), nil
		}
	}
	status, body, err := r(ctx, a, req)
	if err != nil {
		return apigw.Error(ctx, err), nil
	}
	return apigw.JSON(status, body), nil
}

func (h *Handler) ticket(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	profile, err := h.svc.Me(ctx, a.Principal, a.Email)
	if err != nil {
		return 0, nil, err
	}
	p := a.Principal
	p.Name, p.AvatarURL = profile.DisplayName, profile.AvatarURL
	t, _ := h.signer.Ticket(p)
	return http.StatusOK, map[string]any{"ticket": t, "expiresIn": int(auth.TicketTTL.Seconds())}, nil
}

func (h *Handler) me(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	profile, err := h.svc.Me(ctx, a.Principal, a.Email)
	return http.StatusOK, profile, err
}

type profileRequest struct {
	DisplayName string `json:"displayName"`
	AvatarURL   string `json:"avatarUrl"`
	MeetingsURL string `json:"meetingsUrl"`
}

func (h *Handler) updateMe(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in profileRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	profile, err := h.svc.UpdateMe(ctx, a.Principal, a.Email, chat.ProfileUpdate(in))
	return http.StatusOK, profile, err
}

func (h *Handler) agents(ctx context.Context, a auth.Agent, _ events.APIGatewayV2HTTPRequest) (int, any, error) {
	list, err := h.svc.Agents(ctx, a.Principal)
	return http.StatusOK, map[string]any{"agents": list}, err
}

type listResponse struct {
	Conversations []chat.Summary `json:"conversations"`
	NextCursor    string         `json:"nextCursor,omitempty"`
}

func (h *Handler) list(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	q := req.QueryStringParameters
	limit, err := apigw.Int(q, "limit")
	if err != nil {
		return 0, nil, err
	}
	convs, next, err := h.svc.List(ctx, a.Principal, chat.Status(q["status"]), chat.View(q["view"]), int(limit), q["cursor"])
	return http.StatusOK, listResponse{Conversations: convs, NextCursor: next}, err
}

type detailResponse struct {
	Conversation chat.Summary   `json:"conversation"`
	Messages     []chat.Message `json:"messages"`
	HasMore      bool           `json:"hasMore"`
}

func (h *Handler) conversation(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	limit, err := apigw.Int(req.QueryStringParameters, "limit")
	if err != nil {
		return 0, nil, err
	}
	sum, msgs, more, err := h.svc.ConversationDetail(ctx, a.Principal, req.PathParameters["id"], int(limit))
	if err == nil && h.email != nil {
		err = h.email.Decorate(ctx, &sum)
	}
	return http.StatusOK, detailResponse{Conversation: sum, Messages: msgs, HasMore: more}, err
}

type messagesResponse struct {
	Messages []chat.Message `json:"messages"`
	HasMore  bool           `json:"hasMore"`
}

func (h *Handler) messages(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	q := req.QueryStringParameters
	var pq chat.PageQuery
	var err error
	if pq.After, err = apigw.Int(q, "after"); err != nil {
		return 0, nil, err
	}
	if pq.Before, err = apigw.Int(q, "before"); err != nil {
		return 0, nil, err
	}
	limit, err := apigw.Int(q, "limit")
	if err != nil {
		return 0, nil, err
	}
	pq.Limit = int(limit)
	msgs, more, err := h.svc.Messages(ctx, a.Principal, req.PathParameters["id"], pq)
	return http.StatusOK, messagesResponse{Messages: msgs, HasMore: more}, err
}

type replyRequest struct {
	ClientID string `json:"clientId"`
	Body     string `json:"body"`
	// Channel is "chat" (the default) or "email".
	Channel string `json:"channel"`
}

func (h *Handler) reply(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in replyRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	var (
		msg     chat.Message
		created bool
		err     error
	)
	send := chat.SendInput{ClientID: in.ClientID, Body: in.Body}
	switch {
	case in.Channel == "" || in.Channel == chat.ChannelChat:
		msg, created, err = h.svc.Reply(ctx, a.Principal, req.PathParameters["id"], send)
	case in.Channel == chat.ChannelEmail && h.email != nil:
		msg, created, err = h.email.Reply(ctx, a.Principal, req.PathParameters["id"], send)
	default:
		return 0, nil, &chat.Error{Kind: chat.ErrInvalid, Message: "channel must be chat or email"}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return status, map[string]any{"message": msg}, err
}

type assignRequest struct {
	AgentID            string  `json:"agentId"`
	ExpectedAssigneeID *string `json:"expectedAssigneeId"`
}

func conversationBody(c chat.Conversation) map[string]any {
	return map[string]any{"conversation": c.AgentSummary()}
}

func (h *Handler) assign(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in assignRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	c, err := h.svc.Assign(ctx, a.Principal, req.PathParameters["id"], in.AgentID, in.ExpectedAssigneeID)
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) takeOver(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in assignRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	expected := ""
	if in.ExpectedAssigneeID != nil {
		expected = *in.ExpectedAssigneeID
	}
	c, err := h.svc.TakeOver(ctx, a.Principal, req.PathParameters["id"], expected)
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) unassign(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in assignRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	c, err := h.svc.Unassign(ctx, a.Principal, req.PathParameters["id"], in.ExpectedAssigneeID)
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) close(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	c, err := h.svc.Close(ctx, a.Principal, req.PathParameters["id"])
	return http.StatusOK, conversationBody(c), err
}

func (h *Handler) reopen(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	c, err := h.svc.Reopen(ctx, a.Principal, req.PathParameters["id"])
	return http.StatusOK, conversationBody(c), err
}

type readRequest struct {
	Seq int64 `json:"seq"`
}

func (h *Handler) read(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in readRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	c, err := h.svc.MarkRead(ctx, a.Principal, req.PathParameters["id"], in.Seq)
	return http.StatusOK, conversationBody(c), err
}
