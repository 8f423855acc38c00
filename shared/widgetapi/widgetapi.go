// Package widgetapi serves the public widget routes of the HTTP API.
package widgetapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/ratelimit"
)

// Handler serves WidgetApiFunction.
type Handler struct {
	svc     *chat.Service
	signer  *auth.Signer
	allow   auth.Allowlist
	limit   *ratelimit.Limiter
	channel string
	email   *email.Service
	look    Look
	// identity verifies POST /widget/identify (nil: the route is off).
	identity *identity.Service
}

// New returns a Handler for the default channel and its allowed origins.
func New(svc *chat.Service, signer *auth.Signer, origins auth.Origins, channelID string) *Handler {
	return &Handler{svc: svc, signer: signer, allow: auth.NewAllowlist(map[string]auth.Origins{channelID: origins}, nil), channel: channelID}
}

// Handle routes on the route key API Gateway matched.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	switch {
	case req.RouteKey == "GET /widget/config":
		return h.config(ctx, req), nil
	case req.RouteKey == "GET "+confirmPath && h.email != nil:
		return h.confirmForm(ctx, req), nil
	case req.RouteKey == "POST "+confirmPath && h.email != nil:
		return h.confirm(ctx, req), nil
	}
	// Each route checks the Origin against the list of the channel it
	// names (the session's body, the visitor token's channel).
	switch req.RouteKey {
	case "POST /widget/session":
		return h.session(ctx, req), nil
	case "POST /widget/ticket":
		return h.ticket(ctx, req), nil
	case "GET /widget/conversations/{id}/messages":
		return h.messages(ctx, req), nil
	case "POST /widget/identify":
		if h.identity != nil {
			return h.identify(ctx, req), nil
		}
	case "PUT /widget/contact":
		if h.email != nil {
			return h.contact(ctx, req), nil
		}
	}
	return apigw.Error(ctx, &chat.Error{Kind: chat.ErrNotFound, Message: "no such route"}), nil
}

type sessionRequest struct {
	ChannelID    string `json:"channelId"`
	VisitorToken string `json:"visitorToken"`
}

type sessionResponse struct {
	VisitorID     string                     `json:"visitorId"`
	VisitorToken  string                     `json:"visitorToken"`
	Conversations []chat.VisitorConversation `json:"conversations"`
}

func (h *Handler) session(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	var in sessionRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	if in.ChannelID == "" {
		in.ChannelID = h.channel
	}
	if !h.allow.Channel(in.ChannelID, auth.Header(req.Headers, "Origin")) {
		return apigw.Error(ctx, auth.ErrOrigin)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	// An invalid or expired token is no error: the visitor starts afresh.
	var visitorID string
	if claims, err := h.signer.VerifyVisitorToken(in.VisitorToken); err == nil && claims.ChannelID == in.ChannelID {
		visitorID = claims.VisitorID
	}
	v, convs, err := h.svc.Session(ctx, in.ChannelID, visitorID)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	if v.ID != visitorID {
		slog.InfoContext(ctx, "visitor created", "visitorId", v.ID)
	}
	return apigw.JSON(http.StatusOK, sessionResponse{VisitorID: v.ID, VisitorToken: h.signer.VisitorToken(v.ID, v.ChannelID), Conversations: convs})
}

// visitor authenticates the visitor token of the Authorization header and
// checks the Origin against the list of the token's channel.
func (h *Handler) visitor(req events.APIGatewayV2HTTPRequest) (chat.Principal, error) {
	claims, err := h.signer.VerifyVisitorToken(auth.Bearer(req.Headers))
	channel := h.channel
	if err == nil {
		channel = claims.ChannelID
	}
	if !h.allow.Channel(channel, auth.Header(req.Headers, "Origin")) {
		return chat.Principal{}, auth.ErrOrigin
	}
	if err != nil {
		return chat.Principal{}, err
	}
	if claims.ChannelID != h.channel {
		return chat.Principal{}, auth.ErrForged
	}
	return chat.Principal{Role: chat.RoleVisitor, ID: claims.VisitorID}, nil
}

type ticketResponse struct {
	Ticket    string `json:"ticket"`
	ExpiresIn int    `json:"expiresIn"`
}

func (h *Handler) ticket(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	t, _ := h.signer.ChannelTicket(p, h.channel)
	return apigw.JSON(http.StatusOK, ticketResponse{Ticket: t, ExpiresIn: int(auth.TicketTTL.Seconds())})
}

type messagesResponse struct {
	Messages []chat.Message `json:"messages"`
	HasMore  bool           `json:"hasMore"`
}

func (h *Handler) messages(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	after, err := apigw.Int(req.QueryStringParameters, "after")
	if err != nil {
		return apigw.Error(ctx, err)
	}
	limit, err := apigw.Int(req.QueryStringParameters, "limit")
	if err != nil {
		return apigw.Error(ctx, err)
	}
	msgs, more, err := h.svc.Messages(ctx, p, req.PathParameters["id"], chat.PageQuery{After: after, Limit: int(limit)})
	if err != nil {
		return apigw.Error(ctx, err)
	}
	return apigw.JSON(http.StatusOK, messagesResponse{Messages: msgs, HasMore: more})
}

// WithLimits makes the session and ticket routes count their caller's
// source IP against l.
func (h *Handler) WithLimits(l *ratelimit.Limiter) *Handler {
	h.limit = l
	return h
}

// sourceIP is the address API Gateway saw the request come from.
func sourceIP(req events.APIGatewayV2HTTPRequest) string {
	return req.RequestContext.HTTP.SourceIP
}
