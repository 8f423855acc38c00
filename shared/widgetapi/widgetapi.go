// Package widgetapi serves the public widget routes of the HTTP API.
package widgetapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/settings"
)

// Handler serves WidgetApiFunction.
type Handler struct {
	gate
	svc      *chat.Service
	limit    *ratelimit.Limiter
	email    *email.Service
	identity *identity.Service
	contacts *contact.Service
	settings *settings.Service
}

// gate authenticates visitors and checks origins, for the widget's routes
// and its file routes (Files) alike.
type gate struct {
	signer  *auth.Signer
	channel string
	allow   *auth.Allowlist
	tokens  TokenCheck
}

// TokenCheck tells whether an identified visitor's token still stands
// (identity.Tokens, identity.Service).
type TokenCheck interface {
	CheckToken(ctx context.Context, channelID, externalID, visitorID string, gen int64) error
}

// Deps are what the widget routes need. Every one is required: New
// refuses to build a handler without one, so no route ever runs with a
// check off.
type Deps struct {
	Chat   *chat.Service
	Signer *auth.Signer
	// ChannelID is the default chat channel: the one a request that names
	// none is for.
	ChannelID string
	// Origins are the origins allowed per channel: every route but the
	// config and the confirmation page checks the request's Origin.
	Origins *auth.Allowlist
	// Limiter counts the session, ticket, contact and identify requests
	// of each source IP.
	Limiter *ratelimit.Limiter
	// Email serves email capture and the address confirmation page.
	Email *email.Service
	// Identity verifies POST /widget/identify, revokes, and checks
	// identified visitors' tokens.
	Identity *identity.Service
	// Contacts stores the attributes a site sets.
	Contacts *contact.Service
	// Settings answers the channels' public config.
	Settings *settings.Service
}

// New returns the Handler, or an error when a dependency is missing.
func New(d Deps) (*Handler, error) {
	if d.Chat == nil || d.Signer == nil || d.ChannelID == "" || d.Origins == nil || d.Limiter == nil || d.Email == nil || d.Identity == nil || d.Contacts == nil || d.Settings == nil {
		return nil, errors.New("widgetapi: the widget routes need the chat service, the signer, a channel id, the origin allowlist, a rate limiter, the email service, the identity service, the contacts and the settings")
	}
	return &Handler{
		gate: gate{signer: d.Signer, channel: d.ChannelID, allow: d.Origins, tokens: d.Identity},
		svc:  d.Chat, limit: d.Limiter,
		email: d.Email, identity: d.Identity, contacts: d.Contacts, settings: d.Settings,
	}, nil
}

// Handle routes on the route key API Gateway matched.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	// Each route but the public ones (the config, the confirmation page)
	// checks the Origin against the list of the channel it names (the
	// session's body, the visitor token's channel).
	switch req.RouteKey {
	case "GET /widget/config":
		return h.config(ctx, req), nil
	case "GET " + confirmPath:
		return h.confirmForm(ctx, req), nil
	case "POST " + confirmPath:
		return h.confirm(ctx, req), nil
	case "GET " + ratingPath:
		return h.ratingForm(ctx, req), nil
	case "POST " + ratingPath:
		return h.rateByLink(ctx, req), nil
	case "PUT /widget/conversations/{id}/rating":
		return h.rate(ctx, req), nil
	case "POST /widget/session":
		return h.session(ctx, req), nil
	case "POST /widget/ticket":
		return h.ticket(ctx, req), nil
	case "GET /widget/conversations/{id}/messages":
		return h.messages(ctx, req), nil
	case "POST /widget/identify":
		return h.identify(ctx, req), nil
	case "POST /widget/identify/revoke":
		return h.revoke(ctx, req), nil
	case "PUT /widget/attributes":
		return h.attributes(ctx, req), nil
	case "PUT /widget/contact":
		return h.contact(ctx, req), nil
	}
	return apigw.Error(ctx, errNoRoute), nil
}

type sessionRequest struct {
	ChannelID    string `json:"channelId"`
	VisitorToken string `json:"visitorToken"`
	// Embedder is the origin of the page the chat window is embedded in.
	Embedder string `json:"embedder"`
}

// ticketRequest is the optional body of POST /widget/ticket.
type ticketRequest struct {
	Embedder string `json:"embedder"`
}

type sessionResponse struct {
	VisitorID     string                     `json:"visitorId"`
	VisitorToken  string                     `json:"visitorToken"`
	Conversations []chat.VisitorConversation `json:"conversations"`
	// Ticket opens the socket that follows a session (as POST
	// /widget/ticket's, valid auth.TicketTTL): the chat window connects
	// one round trip sooner, with one request fewer.
	Ticket string `json:"ticket,omitempty"`
}

func (h *Handler) session(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	var in sessionRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	if in.ChannelID == "" {
		in.ChannelID = h.channel
	}
	if err := h.allow.Channel(ctx, in.ChannelID, auth.Header(req.Headers, "Origin")); err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.allow.Site(ctx, in.ChannelID, in.Embedder); err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	// An invalid, expired or revoked token is no error: the visitor starts
	// afresh.
	var visitorID string
	claims, err := h.signer.VerifyVisitorToken(in.VisitorToken)
	if err == nil && claims.ChannelID == in.ChannelID && h.standing(ctx, claims) == nil {
		visitorID = claims.VisitorID
	}
	v, convs, err := h.svc.Session(ctx, in.ChannelID, visitorID)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	if v.ID != visitorID {
		slog.InfoContext(ctx, "visitor created", "visitorId", v.ID)
	}
	token := h.signer.VisitorToken(v.ID, v.ChannelID)
	if v.ID == visitorID && claims.ExternalID != "" {
		// Only identify renews an identified visitor's token.
		token = in.VisitorToken
	}
	// The checks a ticket needs (origin, site, the IP's limit, the
	// visitor's standing) were all made above.
	ticket, _ := h.signer.ChannelTicket(chat.Principal{Role: chat.RoleVisitor, ID: v.ID, ChannelID: v.ChannelID}, v.ChannelID)
	return apigw.JSON(http.StatusOK, sessionResponse{VisitorID: v.ID, VisitorToken: token, Conversations: convs, Ticket: ticket})
}

// standing checks that an identified visitor's token was not revoked
// since it was issued (one GetItem); an anonymous visitor's token stands
// as long as it verifies.
func (g gate) standing(ctx context.Context, claims auth.VisitorClaims) error {
	if claims.ExternalID == "" {
		return nil
	}
	return g.tokens.CheckToken(ctx, claims.ChannelID, claims.ExternalID, claims.VisitorID, claims.Gen)
}

// visitor authenticates the visitor token of the Authorization header
// (an identified visitor's only while it stands) and checks the Origin
// against the list of the token's channel.
func (g gate) visitor(ctx context.Context, req events.APIGatewayV2HTTPRequest) (chat.Principal, error) {
	claims, err := g.signer.VerifyVisitorToken(auth.Bearer(req.Headers))
	channel := g.channel
	if err == nil {
		channel = claims.ChannelID
	}
	if oerr := g.allow.Channel(ctx, channel, auth.Header(req.Headers, "Origin")); oerr != nil {
		return chat.Principal{}, oerr
	}
	if err != nil {
		return chat.Principal{}, err
	}
	if err := g.standing(ctx, claims); err != nil {
		return chat.Principal{}, err
	}
	return chat.Principal{Role: chat.RoleVisitor, ID: claims.VisitorID, ChannelID: claims.ChannelID}, nil
}

type ticketResponse struct {
	Ticket    string `json:"ticket"`
	ExpiresIn int    `json:"expiresIn"`
}

func (h *Handler) ticket(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	var in ticketRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	p, err := h.visitor(ctx, req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	// Checked at every ticket: a site taken off the channel's list loses
	// the chat at the next (re)connect, not only at the next session.
	if err := h.allow.Site(ctx, p.ChannelID, in.Embedder); err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	t, _ := h.signer.ChannelTicket(p, p.ChannelID)
	return apigw.JSON(http.StatusOK, ticketResponse{Ticket: t, ExpiresIn: int(auth.TicketTTL.Seconds())})
}

type messagesResponse struct {
	Messages []chat.Message `json:"messages"`
	HasMore  bool           `json:"hasMore"`
}

func (h *Handler) messages(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(ctx, req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	after, err := apigw.Int(req.QueryStringParameters, "after")
	if err != nil {
		return apigw.Error(ctx, err)
	}
	limit, err := apigw.Limit(req.QueryStringParameters)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	msgs, more, err := h.svc.Messages(ctx, p, req.PathParameters["id"], chat.PageQuery{After: after, Limit: limit})
	if err != nil {
		return apigw.Error(ctx, err)
	}
	return apigw.JSON(http.StatusOK, messagesResponse{Messages: msgs, HasMore: more})
}

// sourceIP is the address API Gateway saw the request come from.
var errNoRoute = &chat.Error{Kind: chat.ErrNotFound, Message: "no such route"}

func sourceIP(req events.APIGatewayV2HTTPRequest) string {
	return req.RequestContext.HTTP.SourceIP
}
