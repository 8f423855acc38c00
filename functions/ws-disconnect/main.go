// Command ws-disconnect is WsDisconnectFunction: WebSocket $disconnect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/wsapi"
)

func main() {
	env := setup.Check(setup.Init(context.Background()))
	st := env.Store()
	svc, _ := env.Service(st)
	lambda.Start(wsapi.NewDisconnect(svc).Handle)
}
