// Command ws-connect is WsConnectFunction: WebSocket $connect.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/wsapi"
)

func main() {
	p := setup.Must(context.Background())
	lambda.Start(wsapi.NewConnect(p.Service, p.Signer).Handle)
}
