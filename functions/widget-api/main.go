// Command widget-api is WidgetApiFunction: the public widget routes but
// the file routes (WidgetFilesFunction).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/mailer"
	"github.com/parleychat/parley/shared/secret"
	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/widgetapi"
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
		secrets := secret.New(env.AWS, setup.Endpoint("SECRETS_MANAGER"))
		key, err := env.SigningKey(ctx, secrets)
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
		mailCfg, err := env.Mail()
		if err != nil {
			return nil, err
		}
		sender, err := mailer.New(env.AWS, setup.Endpoint("SESV2"), mailCfg.ConfigurationSet)
		if err != nil {
			return nil, err
		}
		mail, err := env.Email(key, svc, st, channels, setup.EmailParts{Sender: sender})
		if err != nil {
			return nil, err
		}
		users, err := env.Identity(ctx, secrets, st, svc)
		if err != nil {
			return nil, err
		}
		admin, err := env.Settings(channels, svc)
		if err != nil {
			return nil, err
		}
		contacts, err := env.Contacts(st, svc)
		if err != nil {
			return nil, err
		}
		h, err := widgetapi.New(widgetapi.Deps{
			Chat: svc, Signer: signer, ChannelID: env.Config.DefaultChannelID, Origins: origins, Limiter: limiter,
			Email: mail, Identity: users, Contacts: contacts, Settings: admin,
		})
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}))
}
