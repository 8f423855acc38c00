// Command event-publisher is EventPublisherFunction: it turns the table's
// stream of new seq-stream entries and agents' status changes into
// domain events on the bus.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/events"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	lambda.Start(setup.Handler(func(_ context.Context, env setup.Env) (any, error) {
		if env.Config.EventBusName == "" {
			return nil, errors.New("EVENT_BUS_NAME is not set")
		}
		pub := events.NewPublisher(eventbridge.NewFromConfig(env.AWS, func(o *eventbridge.Options) { o.BaseEndpoint = setup.Endpoint("EVENTBRIDGE") }), env.Config.EventBusName)
		return events.NewStreamHandler(pub, clock.New(env.Config.ClockFile)).Handle, nil
	}))
}
