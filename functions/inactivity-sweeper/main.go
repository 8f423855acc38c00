// Command inactivity-sweeper is InactivitySweeperFunction: every minute it
// warns quiet visitors and closes conversations whose inactivity timeout
// passed.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/sweeper"
)

func main() {
	env := setup.Check(setup.Init(context.Background()))
	st := env.Store()
	svc, _ := env.Service(st)
	lambda.Start(sweeper.New(svc, st).Handle)
}
