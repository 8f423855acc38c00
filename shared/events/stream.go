package events

import (
	"context"
	"log/slog"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/metrics"
	"github.com/parleychat/parley/shared/store"
)

// StreamHandler is EventPublisherFunction's handler: it reads the table's
// stream (filtered to new message items by the event source mapping),
// maps each new entry of a seq stream to its domain events and publishes
// them. When some cannot be published, it reports the first record they
// came from as the batch item failure: Lambda retries from that record, so
// nothing the table committed is lost (records after it are published
// again: at least once).
type StreamHandler struct {
	pub *Publisher
}

// NewStreamHandler returns a handler publishing through pub.
func NewStreamHandler(pub *Publisher) *StreamHandler { return &StreamHandler{pub: pub} }

// Handle implements the DynamoDB stream trigger with
// ReportBatchItemFailures.
func (h *StreamHandler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var (
		evs    []Event
		source []int // record index of each event
	)
	for i, r := range ev.Records {
		if r.EventName != string(events.DynamoDBOperationTypeInsert) {
			continue
		}
		sm, ok := store.MessageFromImage(toAttributeValues(r.Change.NewImage))
		if !ok {
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

// toAttributeValues converts a stream image to the SDK's attribute values.
func toAttributeValues(img map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		out[k] = toAttributeValue(v)
	}
	return out
}

func toAttributeValue(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			l = append(l, toAttributeValue(e))
		}
		return &types.AttributeValueMemberL{Value: l}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: toAttributeValues(v.Map())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}
