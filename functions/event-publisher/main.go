// Command event-publisher is EventPublisherFunction: it reads new entries
// of the conversations' seq streams from the table's stream and publishes
// them as domain events on the bus.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/parleychat/parley/shared/events"
	"github.com/parleychat/parley/shared/setup"
)

func main() {
	p := setup.Must(context.Background())
	if p.Config.EventBusName == "" {
		slog.Error("init failed", "error", "EVENT_BUS_NAME is not set")
		panic("EVENT_BUS_NAME is not set")
	}
	pub := events.NewPublisher(eventbridge.NewFromConfig(p.AWS), p.Config.EventBusName)
	lambda.Start(events.NewStreamHandler(pub).Handle)
}
