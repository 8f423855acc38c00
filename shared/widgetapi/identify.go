package widgetapi

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/plaintext"
)

type identifyRequest struct {
	// ChannelID is the chat channel the widget runs on (default: the
	// default channel).
	ChannelID string `json:"channelId"`
	// Embedder is the origin of the page the chat window is embedded in.
	Embedder string `json:"embedder"`
	identity.Assertion
}

// identify answers POST /widget/identify: the host site vouches (by its
// signature) that the visitor is its user externalId, with the name and
// address it knows; the answer is a session of that user's contact, with
// its conversations, and a token that lives IdentifiedTokenTTL (each
// identify renews it). A refused signature changes nothing for the
// caller's visitor, and an accepted one never turns the caller's
// anonymous visitor into the user.
func (h *Handler) identify(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	var in identifyRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	channel := cmp.Or(in.ChannelID, h.channel)
	if err := h.allow.Channel(ctx, channel, auth.Header(req.Headers, "Origin")); err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.allow.Site(ctx, channel, in.Embedder); err != nil {
		return apigw.Error(ctx, err)
	}
	// Each identify may create a visitor: it counts with the session and
	// ticket routes against the caller's IP.
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	who, err := h.identity.Identify(ctx, channel, in.Assertion)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	v, convs, err := h.svc.Session(ctx, channel, who.VisitorID)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	if v.ID != who.VisitorID {
		return apigw.Error(ctx, &chat.Error{Kind: chat.ErrNotFound, Message: "visitor not found"})
	}
	if in.Name != "" || in.Email != "" {
		if _, err := h.email.SetIdentified(ctx, v.ID, plaintext.Line(in.Name), in.Email); err != nil {
			return apigw.Error(ctx, err)
		}
	}
	token := h.signer.IdentifiedToken(v.ID, v.ChannelID, in.ExternalID, who.Gen)
	return apigw.JSON(http.StatusOK, sessionResponse{VisitorID: v.ID, VisitorToken: token, Conversations: convs})
}

type revokeRequest struct {
	// ChannelID is the channel whose user is revoked (default: the default
	// channel).
	ChannelID string `json:"channelId"`
	identity.Revocation
}

type revokeAnswer struct {
	Revoked       bool `json:"revoked"`
	ClosedSockets int  `json:"closedSockets"`
}

// revoke answers POST /widget/identify/revoke: the site's backend (not a
// browser: no Origin is checked, the signature is what counts) revokes
// every identification of one of its users, when the user signs out
// everywhere or the account changes hands.
func (h *Handler) revoke(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	var in revokeRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	closed, err := h.identity.Revoke(ctx, cmp.Or(in.ChannelID, h.channel), in.Revocation)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	slog.InfoContext(ctx, "identification revoked", "closedSockets", closed)
	return apigw.JSON(http.StatusOK, revokeAnswer{Revoked: true, ClosedSockets: closed})
}
