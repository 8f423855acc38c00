// Command ws-connect is WsConnectFunction: WebSocket $connect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/wsapi"
)

func main() {
	ctx := context.Background()
	env := setup.Check(setup.Init(ctx))
	st := env.Store()
	svc, _ := env.Service(st)
	h := setup.Check(wsapi.NewConnect(svc, setup.Check(env.Signer(ctx)), setup.Check(env.Allowlist()), env.Limiter(st), env.AgentGuard(st)))
	lambda.Start(h.Handle)
}
