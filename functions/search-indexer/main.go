// Command search-indexer is SearchIndexerFunction: it keeps the inbox
// search's index in step with the chat table's stream.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/parleychat/parley/shared/searchindex"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	lambda.Start(setup.Handler(func(_ context.Context, env setup.Env) (any, error) {
		x, err := env.Indexer(env.Store())
		if err != nil {
			return nil, err
		}
		return searchindex.NewStreamHandler(x).Handle, nil
	}))
}
