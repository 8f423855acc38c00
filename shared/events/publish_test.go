package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/events"
	"github.com/parleychat/parley/shared/metrics"
)

// fakeBus fails the entries whose detail-type it is told to, a number of
// times, and records every call.
type fakeBus struct {
	mu      sync.Mutex
	calls   [][]string
	failFor map[string]int // detail-type -> failures left
	down    bool
}

func (f *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var types []string
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		types = append(types, *e.DetailType)
		if f.failFor[*e.DetailType] > 0 {
			f.failFor[*e.DetailType]--
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")})
			continue
		}
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("id")})
	}
	f.calls = append(f.calls, types)
	if f.down {
		return nil, errors.New("connection refused")
	}
	return out, nil
}

func fastPublisher(api events.API) *events.Publisher {
	p := events.NewPublisher(api, "bus")
	p.Backoff = func(int) time.Duration { return time.Millisecond }
	return p
}

func TestPublishBatchesAndRetries(t *testing.T) {
	var evs []events.Event
	for range 23 {
		evs = append(evs, events.Event{DetailType: events.MessageCreated, Detail: map[string]string{"a": "b"}})
	}
	evs[4].DetailType = events.ConversationClosed
	bus := &fakeBus{failFor: map[string]int{events.ConversationClosed: 2}}
	failed, err := fastPublisher(bus).Publish(t.Context(), evs)
	if err != nil || failed != nil {
		t.Fatalf("Publish = %v, %v; want every event put", failed, err)
	}
	var sizes []int
	for _, c := range bus.calls {
		sizes = append(sizes, len(c))
	}
	// 23 events in batches of at most 10, then the failed one twice more.
	if diff := cmp.Diff([]int{10, 10, 3, 1, 1}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
}

func TestStreamHandlerReportsFirstFailedRecord(t *testing.T) {
	ev := streamBatch()
	tests := []struct {
		name string
		bus  *fakeBus
		want []lambdaevents.DynamoDBBatchItemFailure
	}{
		{"all published", &fakeBus{failFor: map[string]int{}}, nil},
		{"transient failure is retried", &fakeBus{failFor: map[string]int{events.ConversationClosed: 1}}, nil},
		{"persistent failure retries from its record", &fakeBus{failFor: map[string]int{events.ConversationClosed: 99}},
			[]lambdaevents.DynamoDBBatchItemFailure{{ItemIdentifier: "seq-3"}}},
		{"bus down retries the whole batch", &fakeBus{failFor: map[string]int{}, down: true},
			[]lambdaevents.DynamoDBBatchItemFailure{{ItemIdentifier: "seq-2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := events.NewStreamHandler(fastPublisher(tt.bus), time.Now).Handle(t.Context(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.BatchItemFailures); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStreamHandlerPublishesAgentStatus: a change of an agent's status
// item (a socket opened, a status chosen) is an agent.status event with
// the presence at the publisher's clock; its removal is nothing.
func TestStreamHandlerPublishesAgentStatus(t *testing.T) {
	now := time.Date(2026, 11, 21, 19, 42, 10, 0, time.UTC)
	rec := func(name, seq string, sockets []string, status string) lambdaevents.DynamoDBEventRecord {
		img := map[string]lambdaevents.DynamoDBAttributeValue{
			"pk": lambdaevents.NewStringAttribute("AGENT#" + aid), "sk": lambdaevents.NewStringAttribute("PRESENCE"),
		}
		if len(sockets) > 0 {
			img["sockets"] = lambdaevents.NewStringSetAttribute(sockets)
		}
		if status != "" {
			img["status"] = lambdaevents.NewStringAttribute(status)
		}
		return lambdaevents.DynamoDBEventRecord{EventName: name, Change: lambdaevents.DynamoDBStreamRecord{SequenceNumber: seq, NewImage: img}}
	}
	open := itoa(now.Add(time.Hour).Unix()) + "#conn-1"
	bus := &recordingBus{}
	ev := lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{
		rec("INSERT", "1", []string{open}, ""), rec("MODIFY", "2", []string{open}, "away"), rec("REMOVE", "3", nil, ""),
	}}
	res, err := events.NewStreamHandler(fastPublisher(bus), func() time.Time { return now }).Handle(t.Context(), ev)
	if err != nil || len(res.BatchItemFailures) > 0 {
		t.Fatalf("handle = %+v, %v", res, err)
	}
	want := []string{
		`{"version":"1","id":"` + aid + `:1","agentId":"` + aid + `","status":"available","presence":"available","occurredAt":"2026-11-21T19:42:10.000Z"}`,
		`{"version":"1","id":"` + aid + `:2","agentId":"` + aid + `","status":"away","presence":"away","occurredAt":"2026-11-21T19:42:10.000Z"}`,
	}
	if diff := cmp.Diff(want, bus.details); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
}

// recordingBus keeps every detail put on it.
type recordingBus struct {
	mu      sync.Mutex
	details []string
}

func (b *recordingBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		b.details = append(b.details, *e.Detail)
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("id")})
	}
	return out, nil
}

// streamBatch is a batch of three new seq-stream entries: a message, a
// close and a reopen.
func streamBatch() lambdaevents.DynamoDBEvent {
	rec := func(seq, kind, eventType string) lambdaevents.DynamoDBEventRecord {
		img := map[string]lambdaevents.DynamoDBAttributeValue{
			"pk": lambdaevents.NewStringAttribute("CONV#" + cid), "sk": lambdaevents.NewStringAttribute("MSG#00000000000" + seq),
			"conversationId": lambdaevents.NewStringAttribute(cid), "seq": lambdaevents.NewNumberAttribute(seq),
			"kind": lambdaevents.NewStringAttribute(kind), "authorType": lambdaevents.NewStringAttribute("agent"),
			"authorId": lambdaevents.NewStringAttribute(aid), "createdAt": lambdaevents.NewStringAttribute("2026-11-21T19:42:10.123Z"),
			"body": lambdaevents.NewStringAttribute("hi"),
		}
		if eventType != "" {
			img["eventType"] = lambdaevents.NewStringAttribute(eventType)
		}
		return lambdaevents.DynamoDBEventRecord{EventName: "INSERT", Change: lambdaevents.DynamoDBStreamRecord{SequenceNumber: "seq-" + seq, NewImage: img}}
	}
	return lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{
		rec("2", "text", ""), rec("3", "event", "closed"), rec("4", "event", "reopened"),
	}}
}

// The conversations and messages put on the bus are counted as embedded
// metrics, those the bus refused are not.
func TestStreamHandlerCountsWhatItPublished(t *testing.T) {
	tests := []struct {
		name string
		bus  *fakeBus
		want map[string]any
	}{
		{"all published", &fakeBus{failFor: map[string]int{}}, map[string]any{metrics.MessagesCreated: 1.0, metrics.ConversationsClosed: 1.0}},
		{"the close refused", &fakeBus{failFor: map[string]int{events.ConversationClosed: 99}}, map[string]any{metrics.MessagesCreated: 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			metrics.SetDefault(metrics.New(&out, "Parley/test"))
			t.Cleanup(func() { metrics.SetDefault(nil) })
			if _, err := events.NewStreamHandler(fastPublisher(tt.bus), time.Now).Handle(t.Context(), streamBatch()); err != nil {
				t.Fatal(err)
			}
			var line map[string]any
			if err := json.Unmarshal(out.Bytes(), &line); err != nil {
				t.Fatalf("metric line %q: %v", out.String(), err)
			}
			delete(line, "_aws")
			if diff := cmp.Diff(tt.want, line); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}
