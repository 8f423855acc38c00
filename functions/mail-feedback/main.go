// Command mail-feedback is MailFeedbackFunction: marks bounced and complaining addresses undeliverable (SES events via SNS).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	lambda.Start(setup.Handler(func(_ context.Context, env setup.Env) (any, error) {
		h, err := email.NewFeedbackHandler(env.Store(), env.Clock())
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}))
}
