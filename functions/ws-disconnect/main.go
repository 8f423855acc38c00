// Command ws-disconnect is WsDisconnectFunction: WebSocket $disconnect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/wsapi"
)

func main() {
	p := setup.Must(context.Background())
	lambda.Start(wsapi.NewDisconnect(p.Service).Handle)
}
