package widgetapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/settings"
)

// config answers GET /widget/config: the one request the loader makes
// before the visitor opens the chat, and the one it repeats while the page
// is open. It is public and the same for every visitor (no origin check,
// no cookie, nothing personal), so browsers and the CDN in front of it
// cache it: for settings.WidgetMaxAge, never past the next change of the
// channel's availability.
func (h *Handler) config(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	channel := req.QueryStringParameters["channelId"]
	if channel == "" {
		channel = h.channel
	}
	cfg, maxAge, err := h.settings.WidgetConfig(ctx, channel)
	if errors.Is(err, chat.ErrNotFound) {
		// A page embedding a wrong channel id is answered from the cache
		// too, rather than costing an invocation per page view.
		res := apigw.Error(ctx, err)
		res.Headers["Cache-Control"] = fmt.Sprintf("public, max-age=%d", int(settings.WidgetMaxAge.Seconds()))
		return res
	}
	if err != nil {
		return apigw.Error(ctx, err)
	}
	res := apigw.JSON(http.StatusOK, cfg)
	res.Headers["Cache-Control"] = fmt.Sprintf("public, max-age=%d", int(maxAge.Seconds()))
	return res
}
