// Command inactivity-sweeper is InactivitySweeperFunction: every minute it
// warns quiet visitors and closes conversations whose inactivity timeout
// has passed.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/setup"
	"github.com/parleychat/parley/shared/sweeper"
)

func main() {
	p := setup.Must(context.Background())
	lambda.Start(sweeper.New(p.Service, p.Store).Handle)
}
