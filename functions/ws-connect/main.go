// Command ws-connect is WsConnectFunction: WebSocket $connect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/secret"
	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/wsapi"
)

func main() {
	lambda.Start(setup.Handler(func(ctx context.Context, env setup.Env) (any, error) {
		st := env.Store()
		limiter := env.Limiter(st)
		channels, err := env.Channels(st)
		if err != nil {
			return nil, err
		}
		svc, err := env.Chat(st, limiter, channels)
		if err != nil {
			return nil, err
		}
		key, err := env.SigningKey(ctx, secret.New(env.AWS, setup.Endpoint("SECRETS_MANAGER")))
		if err != nil {
			return nil, err
		}
		signer, err := env.Signer(key)
		if err != nil {
			return nil, err
		}
		origins, err := env.Allowlist(channels)
		if err != nil {
			return nil, err
		}
		h, err := wsapi.NewConnect(svc, signer, origins, limiter, env.AgentGuard(st, svc))
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}))
}
