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
	env := setup.Env{Config: p.Config, AWS: p.AWS}
	h := agentapi.New(p.Service, p.Signer).WithEmail(setup.MustEmail(ctx, p)).
		WithAccess(env.AgentGuard(p.Store), p.Config.Access.AdminGroup).
		WithAttachments(setup.Check(setup.Attachments(p)))
	lambda.Start(h.Handle)
}
