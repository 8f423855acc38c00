package searchindex

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/store"
)

// StreamHandler is SearchIndexerFunction's handler: the chat table's
// stream, filtered by the event source mapping to what the index needs
// (new messages and notes, removed messages and conversations, contacts),
// applied to the index.
//
// Records of one item are applied in the stream's order (a message's
// removal after its insertion); records of different conversations or
// visitors are independent and run a few at a time. When a record fails,
// the handler reports the first failed record as the batch item failure:
// Lambda delivers the batch again from it, and every write is idempotent,
// so the records after it that had been applied are applied again to the
// same effect.
type StreamHandler struct {
	x *Indexer
}

// NewStreamHandler returns a handler writing through x.
func NewStreamHandler(x *Indexer) *StreamHandler { return &StreamHandler{x: x} }

// Handle implements the DynamoDB stream trigger with
// ReportBatchItemFailures.
func (h *StreamHandler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	// Records with the same partition key in order, in one lane.
	var order []string
	lanes := map[string][]int{}
	for i, r := range ev.Records {
		pk := r.Change.Keys["pk"].String()
		if _, ok := lanes[pk]; !ok {
			order = append(order, pk)
		}
		lanes[pk] = append(lanes[pk], i)
	}
	var (
		mu     sync.Mutex
		failed = len(ev.Records)
	)
	err := each(ctx, order, func(ctx context.Context, pk string) error {
		for _, i := range lanes[pk] {
			if err := h.apply(ctx, ev.Records[i]); err != nil {
				slog.ErrorContext(ctx, "index stream record", "eventName", ev.Records[i].EventName, "sequenceNumber", ev.Records[i].Change.SequenceNumber, "error", err)
				mu.Lock()
				failed = min(failed, i)
				mu.Unlock()
				return err
			}
		}
		return nil
	})
	if err == nil {
		return events.DynamoDBEventResponse{}, nil
	}
	return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
		{ItemIdentifier: ev.Records[failed].Change.SequenceNumber},
	}}, nil
}

// apply applies one record.
func (h *StreamHandler) apply(ctx context.Context, r events.DynamoDBEventRecord) error {
	pk, sk := r.Change.Keys["pk"].String(), r.Change.Keys["sk"].String()
	removed := r.EventName == string(events.DynamoDBOperationTypeRemove)
	switch {
	case strings.HasPrefix(pk, "CONV#") && strings.HasPrefix(sk, "MSG#"):
		if removed {
			seq, err := strconv.ParseInt(strings.TrimPrefix(sk, "MSG#"), 10, 64)
			if err != nil {
				return nil // not a message item
			}
			return h.x.MessageRemoved(ctx, strings.TrimPrefix(pk, "CONV#"), seq)
		}
		if r.EventName != string(events.DynamoDBOperationTypeInsert) {
			return nil // messages do not change
		}
		sm, ok := store.MessageFromImage(store.FromStreamImage(r.Change.NewImage))
		if !ok {
			return nil
		}
		return h.x.Message(ctx, sm)
	case strings.HasPrefix(pk, "CONV#") && sk == "META" && removed:
		return h.x.EraseConversation(ctx, strings.TrimPrefix(pk, "CONV#"))
	case strings.HasPrefix(pk, "VISITOR#") && sk == "CONTACT":
		return h.x.ContactChanged(ctx, strings.TrimPrefix(pk, "VISITOR#"))
	}
	return nil
}
