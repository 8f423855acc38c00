// Command ws-message is WsMessageFunction: sendMessage, typing, read,
// resume, ping and $default.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/bucket"
	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/wsapi"
)

func main() {
	lambda.Start(setup.Handler(func(_ context.Context, env setup.Env) (any, error) {
		st := env.Store()
		limiter := env.Limiter(st)
		channels, err := env.Channels(st)
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
		svc, err := env.ChatWithFiles(st, limiter, channels, files)
		if err != nil {
			return nil, err
		}
		h, err := wsapi.NewMessage(svc, limiter)
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}))
}
