// Command reports is ReportsFunction: it keeps the reports' daily rollups
// (consumer of message, assignment, close and reopen events).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	lambda.Start(setup.Handler(func(_ context.Context, env setup.Env) (any, error) {
		st := env.Store()
		channels, err := env.Channels(st)
		if err != nil {
			return nil, err
		}
		rec, err := env.Recorder(st, channels)
		if err != nil {
			return nil, err
		}
		return reports.NewHandler(rec).Handle, nil
	}))
}
