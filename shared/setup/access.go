package setup

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/store"
)

// Allowlist is the origins allowed per chat channel (the default channel's
// ALLOWED_ORIGINS) and the inbox's (INBOX_ORIGINS).
func (e Env) Allowlist() (*auth.Allowlist, error) {
	site, err := auth.ParseOrigins(e.Config.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	inbox, err := auth.ParseAppOrigins(e.Config.Access.InboxOrigins)
	if err != nil {
		return nil, err
	}
	allow := auth.NewAllowlist(map[string]auth.Origins{e.Config.DefaultChannelID: site}, inbox)
	return &allow, nil
}

// Limiter counts per source IP and per socket in st.
func (e Env) Limiter(st *store.Store) *ratelimit.Limiter {
	a := e.Config.Access
	return ratelimit.New(st, ratelimit.Limits{
		PerIP:            chat.RateLimit{Limit: a.PerIP, Window: a.RateWindow},
		ConnectionFrames: chat.RateLimit{Limit: a.ConnectionFrames, Window: a.RateWindow},
	}, nil)
}

// AgentGuard checks agents' access and closes their sockets through the
// @connections API.
func (e Env) AgentGuard(st *store.Store) *access.Guard {
	callbacks := apigatewaymanagementapi.NewFromConfig(e.AWS, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(e.Config.WSCallbackURL)
	})
	return access.New(st, callbacks, nil)
}
