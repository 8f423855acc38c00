// Command router is RouterFunction: it assigns the new conversations of
// round-robin inboxes (consumer of conversation and agent events).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/routing"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	lambda.Start(setup.Handler(func(_ context.Context, env setup.Env) (any, error) {
		st := env.Store()
		channels, err := env.Channels(st)
		if err != nil {
			return nil, err
		}
		svc, err := env.Chat(st, env.Limiter(st), channels)
		if err != nil {
			return nil, err
		}
		r, err := env.Router(st, svc)
		if err != nil {
			return nil, err
		}
		return routing.NewHandler(r).Handle, nil
	}))
}
