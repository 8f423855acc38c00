package widgetapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/contact"
)

type attributesRequest struct {
	Attributes json.RawMessage `json:"attributes"`
}

type attributesAnswer struct {
	Attributes contact.Attributes `json:"attributes"`
}

// attributes answers PUT /widget/attributes: the chat window passes on
// what the page set with Parley.setAttributes, once the visitor opened
// the chat. They are merged into the visitor's (null removes a key) and
// kept as unverified.
func (h *Handler) attributes(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	p, err := h.visitor(ctx, req)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	if err := h.limit.IP(ctx, sourceIP(req)); err != nil {
		return apigw.Error(ctx, err)
	}
	var in attributesRequest
	if err := apigw.Decode(req.Body, req.IsBase64Encoded, &in); err != nil {
		return apigw.Error(ctx, err)
	}
	a, err := contact.Decode(in.Attributes)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	merged, err := h.contacts.SetAttributes(ctx, p.ID, a)
	if err != nil {
		return apigw.Error(ctx, err)
	}
	return apigw.JSON(http.StatusOK, attributesAnswer{Attributes: merged})
}
