// Command transcript is TranscriptFunction: emails the transcript of a closed conversation (consumer of conversation.closed).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/email"
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
		key, err := env.SigningKey(ctx)
		if err != nil {
			return nil, err
		}
		// Transcripts link the conversation's files.
		signer, err := env.Signer(key)
		if err != nil {
			return nil, err
		}
		bucket, err := env.Files(channels)
		if err != nil {
			return nil, err
		}
		files, err := env.Attachments(svc, bucket, signer)
		if err != nil {
			return nil, err
		}
		mail, err := env.EmailWithFiles(key, svc, st, channels, files)
		if err != nil {
			return nil, err
		}
		return email.NewTranscriptHandler(mail).Handle, nil
	}))
}
