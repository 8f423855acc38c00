// Command inactivity-sweeper is InactivitySweeperFunction: every minute it
// warns quiet visitors and closes conversations whose inactivity timeout
// passed.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/sweeper"
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
		return sweeper.New(svc, st).Handle, nil
	}))
}
