package widgetapi

import (
	"context"
	"net/http"
	"regexp"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/chat"
)

// Defaults of the widget's look when the deployment sets none.
const (
	DefaultTeamName   = "Support"
	DefaultThemeColor = "#2f5bea"
)

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Look is what the launcher and the chat window show before anyone is
// assigned: public, the same for every visitor.
type Look struct {
	TeamName string `json:"teamName"`
	Color    string `json:"color"`
}

// WithLook sets the channel's look; empty or malformed values keep the
// defaults, so a typo in a deploy parameter never breaks the widget.
func WithLook(teamName, color string) Option {
	return func(h *Handler) {
		if teamName != "" && len([]rune(teamName)) <= 60 {
			h.look.TeamName = teamName
		}
		if hexColor.MatchString(color) {
			h.look.Color = color
		}
	}
}

type configResponse struct {
	ChannelID string `json:"channelId"`
	Look
}

// config answers GET /widget/config: the one request the loader makes
// before the visitor opens the chat. It is public and the same for every
// visitor (no origin check, no cookie, nothing personal), so browsers and
// CDNs may cache it.
func (h *Handler) config(ctx context.Context, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	channel := req.QueryStringParameters["channelId"]
	if channel == "" {
		channel = h.channel
	}
	if channel != h.channel {
		return apigw.Error(ctx, &chat.Error{Kind: chat.ErrNotFound, Message: "channel not found"})
	}
	res := apigw.JSON(http.StatusOK, configResponse{ChannelID: channel, Look: h.look})
	res.Headers["Cache-Control"] = "public, max-age=300"
	return res
}
