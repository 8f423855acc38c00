// Command event-publisher is EventPublisherFunction: it turns the table's
// stream of new seq-stream entries into domain events on the bus.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/parleychat/parley/shared/events"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	env := setup.Check(setup.Init(context.Background()))
	if env.Config.EventBusName == "" {
		setup.Check(0, errors.New("EVENT_BUS_NAME is not set"))
	}
	pub := events.NewPublisher(eventbridge.NewFromConfig(env.AWS), env.Config.EventBusName)
	lambda.Start(events.NewStreamHandler(pub).Handle)
}
