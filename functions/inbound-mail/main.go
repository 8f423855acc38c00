// Command inbound-mail is InboundMailFunction: threads inbound email back into conversations (SES receipt rule).
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
	lambda.Start(email.NewInboundHandler(setup.MustEmail(ctx, p)).Handle)
}
