// Command ws-message is WsMessageFunction: sendMessage, typing, read,
// resume, ping and $default.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/wsapi"
)

func main() {
	p := setup.Must(context.Background())
	lambda.Start(wsapi.NewMessage(p.Service, p.Pusher).Handle)
}
