// Command inactivity-sweeper is InactivitySweeperFunction: every minute it
// warns quiet visitors, closes conversations whose inactivity timeout
// passed and deletes closed conversations past their channel's retention.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/bucket"
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
		objects, err := bucket.Mail(env)
		if err != nil {
			return nil, err
		}
		files, err := env.Files(channels, objects)
		if err != nil {
			return nil, err
		}
		rights, err := env.Privacy(st, files)
		if err != nil {
			return nil, err
		}
		h, err := sweeper.New(svc, st, rights, st)
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}))
}
