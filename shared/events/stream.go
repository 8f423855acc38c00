package events

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/metrics"
	"github.com/parleychat/parley/shared/store"
)

// StreamHandler is EventPublisherFunction's handler: it reads the table's
// stream (filtered by the event source mapping to new message items and
// changes of agents' status items), maps each new entry of a seq stream to
// its domain events and each status change to an agent.status event, and
// publishes them. When some cannot be published, it reports the first
// record they came from as the batch item failure: Lambda retries from
// that record, so nothing the table committed is lost (records after it
// are published again: at least once).
type StreamHandler struct {
	pub *Publisher
	now func() time.Time
}

// NewStreamHandler returns a handler publishing through pub; now tells
// agents' presence (the clock the chat service runs on).
func NewStreamHandler(pub *Publisher, now func() time.Time) *StreamHandler {
	return &StreamHandler{pub: pub, now: now}
}

// Handle implements the DynamoDB stream trigger with
// ReportBatchItemFailures.
func (h *StreamHandler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var (
		evs    []Event
		source []int // record index of each event
	)
	for i, r := range ev.Records {
		if r.EventName == string(events.DynamoDBOperationTypeRemove) {
			continue
		}
		img := store.FromStreamImage(r.Change.NewImage)
		if agentID, p, ok := store.PresenceFromImage(img); ok {
			evs = append(evs, FromPresence(agentID, p, r.Change.SequenceNumber, h.now()))
			source = append(source, i)
			continue
		}
		sm, ok := store.MessageFromImage(img)
		if !ok || r.EventName != string(events.DynamoDBOperationTypeInsert) {
			continue
		}
		for _, e := range FromMessage(sm) {
			evs = append(evs, e)
			source = append(source, i)
		}
	}
	if len(evs) == 0 {
		return events.DynamoDBEventResponse{}, nil
	}
	failed, err := h.pub.Publish(ctx, evs)
	metrics.Count(published(evs, failed))
	if len(failed) == 0 {
		return events.DynamoDBEventResponse{}, nil
	}
	first := ev.Records[source[failed[0]]]
	slog.ErrorContext(ctx, "publish domain events", "failed", len(failed), "retryFrom", first.Change.SequenceNumber, "error", err)
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
		{ItemIdentifier: first.Change.SequenceNumber},
	}}, nil
}

// published counts the conversations and messages among the events put on
// the bus (failed are the indexes of those that were not): the figures of
// the dashboard, off the hot path. A batch Lambda delivers again counts
// again.
func published(evs []Event, failed []int) map[string]int {
	counts := map[string]int{}
	for i, e := range evs {
		if slices.Contains(failed, i) {
			continue
		}
		switch e.DetailType {
		case ConversationCreated:
			counts[metrics.ConversationsCreated]++
		case ConversationClosed:
			counts[metrics.ConversationsClosed]++
		case MessageCreated:
			counts[metrics.MessagesCreated]++
		}
	}
	return counts
}
