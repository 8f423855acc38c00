// Command inbound-mail is InboundMailFunction: threads inbound email back into conversations (SES receipt rule).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/bucket"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/secret"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	lambda.Start(setup.Handler(func(ctx context.Context, env setup.Env) (any, error) {
		st := env.Store()
		channels, err := env.Channels(st)
		if err != nil {
			return nil, err
		}
		svc, err := env.Chat(st, env.Limiter(st), channels)
		if err != nil {
			return nil, err
		}
		key, err := env.SigningKey(ctx, secret.New(env.AWS, setup.Endpoint("SECRETS_MANAGER")))
		if err != nil {
			return nil, err
		}
		objects, err := bucket.Mail(env)
		if err != nil {
			return nil, err
		}
		// It reads inbound mail and sends none.
		mail, err := env.Email(key, svc, st, channels, setup.EmailParts{Mailbox: objects})
		if err != nil {
			return nil, err
		}
		return email.NewInboundHandler(mail).Handle, nil
	}))
}
