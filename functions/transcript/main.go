// Command transcript is TranscriptFunction: emails the transcript of a closed conversation (consumer of conversation.closed).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	ctx := context.Background()
	p := setup.Must(ctx)
	lambda.Start(email.NewTranscriptHandler(setup.MustEmail(ctx, p)).Handle)
}
