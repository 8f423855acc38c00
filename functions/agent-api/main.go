// Command agent-api is AgentApiFunction: the JWT-protected agent routes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/agentapi"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	ctx := context.Background()
	env := setup.Check(setup.Init(ctx))
	st := env.Store()
	svc := chat.NewService(st, env.Pusher(st), env.Options())
	lambda.Start(agentapi.New(svc, setup.Check(env.Signer(ctx))).Handle)
}
