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
	env := setup.Check(setup.Init(context.Background()))
	st := env.Store()
	svc, pusher := env.Service(st)
	limits := env.Limiter(st)
	svc.LimitRepeats(limits.Connection)
	h := wsapi.NewMessage(svc, pusher).WithLimits(limits)
	lambda.Start(h.Handle)
}
