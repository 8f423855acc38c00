// Command agent-api is AgentApiFunction: the JWT-protected agent routes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/agentapi"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	ctx := context.Background()
	p := setup.Must(ctx)
	h := agentapi.New(p.Service, p.Signer).WithEmail(setup.MustEmail(ctx, p)).
		WithAttachments(setup.Check(setup.Attachments(p)))
	lambda.Start(h.Handle)
}
