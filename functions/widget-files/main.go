// Command widget-files is WidgetFilesFunction: the widget's file routes
// (upload slots, downloads).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/bucket"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/secret"
	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/widgetapi"
)

func main() {
	lambda.Start(setup.Handler(func(ctx context.Context, env setup.Env) (any, error) {
		st := env.Store()
		channels, err := env.Channels(st)
		if err != nil {
			return nil, err
		}
		limiter := env.Limiter(st)
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
		tokens, err := identity.NewTokens(st)
		if err != nil {
			return nil, err
		}
		objects, err := bucket.Mail(env)
		if err != nil {
			return nil, err
		}
		stored, err := env.Files(channels, objects)
		if err != nil {
			return nil, err
		}
		files, err := env.Attachments(svc, stored, signer)
		if err != nil {
			return nil, err
		}
		h, err := widgetapi.NewFiles(widgetapi.FilesDeps{
			Signer: signer, ChannelID: env.Config.DefaultChannelID, Origins: origins, Limiter: limiter,
			Tokens: tokens, Files: files,
		})
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}))
}
