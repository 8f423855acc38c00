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
	h := setup.Check(agentapi.New(agentapi.Deps{
		Chat: p.Service, Signer: p.Signer, Access: env.AgentGuard(p.Store), AdminGroup: p.Config.Access.AdminGroup,
		Email: setup.MustEmail(ctx, p), Attachments: setup.Check(setup.Attachments(p)),
	}))
	lambda.Start(h.Handle)
}
