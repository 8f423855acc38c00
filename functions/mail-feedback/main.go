// Command mail-feedback is MailFeedbackFunction: marks bounced and complaining addresses undeliverable (SES events via SNS).
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
	lambda.Start(email.NewFeedbackHandler(setup.MustEmail(ctx, p)).Handle)
}
