package widgetapi

import (
	"cmp"
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

type identifyRequest struct {
	// ChannelID is the chat channel the widget runs on (default: the
	// default channel).
	ChannelID  string `json:"channelId"`
	ExternalID string `json:"externalId"`
	Signature  string `json:"signature"`
}

// identify answers POST /widget/identify: the host site vouches (by its
// signature) that the visitor is its user externalId; the answer is a
// session of that user's contact, with its conversations. A refused
// signature changes nothing for the caller's visitor, and an accepted one
// never turns the caller's anonymous visitor into the user.
func (h *Handler) identify(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	var in identifyRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	channel := cmp.Or(in.ChannelID, h.channel)
	if err := h.allow.Channel(ctx, channel, auth.Header(req.Headers, "Origin")); err != nil {
		return apigw.Error(ctx, err)
	}
	// Each identify may create a visitor: it counts with the session and
	// ticket routes against the caller's IP.
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	visitorID, err := h.identity.Identify(ctx, channel, in.ExternalID, in.Signature)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	v, convs, err := h.svc.Session(ctx, channel, visitorID)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	if v.ID != visitorID {
		return apigw.Error(ctx, &chat.Error{Kind: chat.ErrNotFound, Message: "visitor not found"})
	}
	return apigw.JSON(http.StatusOK, sessionResponse{VisitorID: v.ID, VisitorToken: h.signer.VisitorToken(v.ID, v.ChannelID), Conversations: convs})
}
