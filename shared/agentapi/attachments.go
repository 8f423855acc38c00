package agentapi

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
)

// The attachment routes: a conversation's files and their downloads, and
// upload slots for the files of a reply.

func (h *Handler) listAttachments(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	list, err := h.attachments.List(ctx, a.Principal, req.PathParameters["id"])
	return http.StatusOK, map[string]any{"attachments": list}, err
}

// downloadAttachment answers with a presigned URL on the bucket's origin
// (JSON, not a redirect, so the inbox can fetch it with its bearer token
// and then open the URL, which needs none).
func (h *Handler) downloadAttachment(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	d, err := h.attachments.Get(ctx, a.Principal, req.PathParameters["id"], req.PathParameters["attachmentId"])
	return http.StatusOK, d, err
}

type uploadRequest struct {
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
}

// upload hands out an upload slot for a file of a reply to the
// conversation.
func (h *Handler) upload(ctx context.Context, a auth.Agent, req events.APIGatewayV2HTTPRequest) (int, any, error) {
	var in uploadRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return 0, nil, err
	}
	slot, err := h.attachments.Slot(ctx, a.Principal, attachment.SlotRequest{ConversationID: req.PathParameters["id"], Filename: in.Filename, Size: in.Size})
	return http.StatusOK, slot, err
}
