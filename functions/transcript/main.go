// Command transcript is TranscriptFunction: emails the transcript of a closed conversation (consumer of conversation.closed).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mailer"
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
		// Transcripts link the conversation's files; they read none.
		signer, err := env.Signer(key)
		if err != nil {
			return nil, err
		}
		links, err := env.FileLinks(signer)
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
		mail, err := env.Email(key, svc, st, channels, setup.EmailParts{Sender: sender, Links: links})
		if err != nil {
			return nil, err
		}
		return email.NewTranscriptHandler(mail).Handle, nil
	}))
}
