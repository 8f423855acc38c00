package widgetapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
)

// Files serves WidgetFilesFunction, the widget's file routes: an upload
// slot for a file the visitor is about to send, a download of a file of
// the visitor's conversation, and a download behind the link an email
// gave. They are a function of their own so that the widget's other
// routes, a page view's and a session's, run without the bucket's client
// and permissions (docs/cost.md).
type Files struct {
	gate
	limit *ratelimit.Limiter
	files *attachment.Service
}

// FilesDeps are what the file routes need, every one required.
type FilesDeps struct {
	Signer *auth.Signer
	// ChannelID is the default chat channel (Deps.ChannelID).
	ChannelID string
	// Origins are the origins allowed per channel.
	Origins *auth.Allowlist
	// Limiter counts the source IP's requests and the visitor's upload
	// slots.
	Limiter *ratelimit.Limiter
	// Tokens checks that an identified visitor's token still stands.
	Tokens TokenCheck
	// Files hands out upload slots and downloads.
	Files *attachment.Service
}

// NewFiles returns the file routes' handler, or an error when a
// dependency is missing.
func NewFiles(d FilesDeps) (*Files, error) {
	if d.Signer == nil || d.ChannelID == "" || d.Origins == nil || d.Limiter == nil || d.Tokens == nil || d.Files == nil {
		return nil, errors.New("widgetapi: the file routes need the signer, a channel id, the origin allowlist, a rate limiter, the token check and the files")
	}
	return &Files{gate: gate{signer: d.Signer, channel: d.ChannelID, allow: d.Origins, tokens: d.Tokens}, limit: d.Limiter, files: d.Files}, nil
}

// Handle routes on the route key API Gateway matched.
func (h *Files) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	switch req.RouteKey {
	case "POST /widget/uploads":
		return h.upload(ctx, req), nil
	case "POST /widget/conversations/{id}/attachments/{attachmentId}":
		return h.download(ctx, req), nil
	case "POST /widget/downloads":
		return h.openLink(ctx, req), nil
	}
	return apigw.Error(ctx, errNoRoute), nil
}

type uploadRequest struct {
	// ConversationID is the conversation the file is for; without one the
	// upload is the visitor's, for the message that starts a conversation.
	ConversationID string `json:"conversationId"`
	Filename       string `json:"filename"`
	Size           int64  `json:"size"`
}

// upload hands out an upload slot. Each one counts against the source IP
// and against the visitor's upload limit: a slot costs nothing to ask for
// but lets a file into the bucket for a day.
func (h *Files) upload(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(ctx, req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.Upload(ctx, p.ID); err != nil {
		return apigw.Error(ctx, err)
	}
	var in uploadRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	slot, err := h.files.Slot(ctx, p, attachment.SlotRequest{ConversationID: in.ConversationID, ChannelID: p.ChannelID, Filename: in.Filename, Size: in.Size})
	if err != nil {
		return apigw.Error(ctx, err)
	}
	return apigw.JSON(http.StatusOK, slot)
}

// download answers with a short-lived URL of a file of the visitor's own
// conversation (JSON, as for agents: the chat window opens the URL, on the
// files origin, itself). It is a POST so that the browser always says its
// Origin: it sends none with a GET to its own origin (the local cloud
// serves the chat window and the API from one).
func (h *Files) download(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(ctx, req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	d, err := h.files.Get(ctx, p, req.PathParameters["id"], req.PathParameters["attachmentId"])
	if err != nil {
		return apigw.Error(ctx, err)
	}
	return apigw.JSON(http.StatusOK, d)
}

type linkRequest struct {
	Token string `json:"token"`
}

// openLink trades the token of a file link from an email for a download.
// The widget's file page asks it from the widget's own origin.
func (h *Files) openLink(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	// The file page is the widget's own (allowed on every channel).
	if err := h.allow.Channel(ctx, h.channel, auth.Header(req.Headers, "Origin")); err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	var in linkRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	if in.Token == "" {
		return apigw.Error(ctx, &chat.Error{Kind: chat.ErrInvalid, Message: "token is required"})
	}
	d, err := h.files.Open(ctx, in.Token)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	return apigw.JSON(http.StatusOK, d)
}
