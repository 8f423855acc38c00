package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// queue is an SQS queue in memory: received messages are in flight until
// deleted or made visible again.
type queue struct {
	msgs     []sqstypes.Message
	inFlight map[string]bool
}

func newQueue(msgs ...sqstypes.Message) *queue {
	for i := range msgs {
		msgs[i].MessageId = aws.String(fmt.Sprint("m", i+1))
		msgs[i].ReceiptHandle = msgs[i].MessageId
	}
	return &queue{msgs: msgs, inFlight: map[string]bool{}}
}

func (q *queue) ReceiveMessage(_ context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	out := &sqs.ReceiveMessageOutput{}
	for _, m := range q.msgs {
		if len(out.Messages) < int(in.MaxNumberOfMessages) && !q.inFlight[*m.MessageId] {
			q.inFlight[*m.MessageId] = true
			out.Messages = append(out.Messages, m)
		}
	}
	return out, nil
}

func (q *queue) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	for i, m := range q.msgs {
		if *m.ReceiptHandle == *in.ReceiptHandle {
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			return &sqs.DeleteMessageOutput{}, nil
		}
	}
	return nil, errors.New("no such message")
}

func (q *queue) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	q.inFlight[*in.ReceiptHandle] = in.VisibilityTimeout > 0
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func (q *queue) ids() []string {
	var out []string
	for _, m := range q.msgs {
		out = append(out, *m.MessageId)
	}
	return out
}

// function records the payloads it is invoked with; it fails those
// containing "fail" and reports "partial" records as batch item failures.
type function struct {
	name     string
	payloads []string
}

func (f *function) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	if aws.ToString(in.FunctionName) != f.name {
		return nil, fmt.Errorf("no function %s", aws.ToString(in.FunctionName))
	}
	p := string(in.Payload)
	f.payloads = append(f.payloads, p)
	switch {
	case strings.Contains(p, "fail"):
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"SES said no"}`)}, nil
	case strings.Contains(p, "partial"):
		return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"7"}]}`)}, nil
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`null`)}, nil
}

func msg(body string, attrs map[string]string) sqstypes.Message {
	m := sqstypes.Message{Body: aws.String(body), MessageAttributes: map[string]sqstypes.MessageAttributeValue{}}
	for k, v := range attrs {
		m.MessageAttributes[k] = sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	return m
}

const fnARN = "arn:aws:lambda:eu-west-1:123456789012:function:parley-TranscriptFunction-AbC"

// Each kind of dead letter is replayed as what it was, and deleted only
// once its replay succeeded.
func TestRun(t *testing.T) {
	q := newQueue(
		msg(`{"detail-type":"conversation.closed","id":"e1"}`, map[string]string{"RequestID": "r1", "ErrorCode": "200", "ErrorMessage": "boom"}),
		msg(`{"detail-type":"conversation.closed","id":"e2"}`, map[string]string{"RULE_ARN": "arn:rule", "TARGET_ARN": fnARN}),
		msg(`{"detail-type":"conversation.closed","id":"e3"}`, map[string]string{"RULE_ARN": "arn:rule", "TARGET_ARN": "arn:aws:lambda:eu-west-1:1:function:other"}),
		msg(`{"requestContext":{"condition":"RetriesExhausted"},"requestPayload":{"id":"e4"}}`, nil),
		msg(`{"detail-type":"conversation.closed","id":"fail"}`, map[string]string{"RequestID": "r5"}),
	)
	fn := &function{name: "parley-TranscriptFunction-AbC"}
	outcomes, err := New(q, fn, nil).Run(t.Context(), Options{QueueURL: "q", Function: "parley-TranscriptFunction-AbC"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantPayloads := []string{
		`{"detail-type":"conversation.closed","id":"e1"}`,
		`{"detail-type":"conversation.closed","id":"e2"}`,
		`{"id":"e4"}`,
		`{"detail-type":"conversation.closed","id":"fail"}`,
	}
	if diff := cmp.Diff(wantPayloads, fn.payloads); diff != "" {
		t.Errorf("invocations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"m3", "m5"}, q.ids()); diff != "" {
		t.Errorf("left in the queue (-want +got):\n%s", diff)
	}
	type summary struct {
		Kind     string
		Replayed bool
		Err      string
	}
	var got []summary
	for _, o := range outcomes {
		s := summary{Kind: o.Kind, Replayed: o.Replayed}
		if o.Err != nil {
			s.Err = o.Err.Error()
		}
		got = append(got, s)
	}
	want := []summary{
		{"lambda", true, ""},
		{"rule", true, ""},
		{"rule", false, "the message is for rule target arn:aws:lambda:eu-west-1:1:function:other, not parley-TranscriptFunction-AbC: replay it with that function"},
		{"on-failure", true, ""},
		{"lambda", false, `invoke parley-TranscriptFunction-AbC: the function failed again (Unhandled): {"errorMessage":"SES said no"}`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

func TestDryRunAndMax(t *testing.T) {
	q := newQueue(msg(`{"a":1}`, nil), msg(`{"a":2}`, nil), msg(`{"a":3}`, nil))
	fn := &function{name: "f"}
	outcomes, err := New(q, fn, nil).Run(t.Context(), Options{QueueURL: "q", Function: "f", DryRun: true}, nil)
	if err != nil || len(outcomes) != 3 || len(fn.payloads) != 0 || len(q.ids()) != 3 || len(q.inFlight) != 3 || q.inFlight["m1"] {
		t.Fatalf("dry run: %d outcomes, %d invocations, %v left, in flight %v; want 3 listed and nothing changed", len(outcomes), len(fn.payloads), q.ids(), q.inFlight)
	}
	outcomes, err = New(q, fn, nil).Run(t.Context(), Options{QueueURL: "q", Function: "f", Max: 2}, nil)
	if err != nil || len(outcomes) != 2 || !cmp.Equal(q.ids(), []string{"m3"}) {
		t.Fatalf("max 2: %d outcomes, %v left", len(outcomes), q.ids())
	}
}

// stream is a shard of a table's stream.
type stream struct{ records []streamtypes.Record }

func (s *stream) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	if in.ShardIteratorType != streamtypes.ShardIteratorTypeAtSequenceNumber || aws.ToString(in.ShardId) != "shardId-1" {
		return nil, fmt.Errorf("iterator %+v", in)
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: in.SequenceNumber}, nil
}

// GetRecords hands out two records per call, from the sequence number the
// iterator holds.
func (s *stream) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	from := aws.ToString(in.ShardIterator)
	out := &dynamodbstreams.GetRecordsOutput{}
	for i, r := range s.records {
		if aws.ToString(r.Dynamodb.SequenceNumber) >= from && len(out.Records) < 2 {
			out.Records = append(out.Records, r)
			if i+1 < len(s.records) {
				out.NextShardIterator = s.records[i+1].Dynamodb.SequenceNumber
			}
		}
	}
	return out, nil
}

func streamRecord(seq, event, sk, body string) streamtypes.Record {
	img := map[string]streamtypes.AttributeValue{
		"pk": &streamtypes.AttributeValueMemberS{Value: "CONV#1"}, "sk": &streamtypes.AttributeValueMemberS{Value: sk},
		"body": &streamtypes.AttributeValueMemberS{Value: body}, "seq": &streamtypes.AttributeValueMemberN{Value: seq},
	}
	return streamtypes.Record{EventID: aws.String("ev" + seq), EventName: streamtypes.OperationType(event), EventVersion: aws.String("1.1"),
		EventSource: aws.String("aws:dynamodb"), AwsRegion: aws.String("eu-west-1"), Dynamodb: &streamtypes.StreamRecord{
			Keys: map[string]streamtypes.AttributeValue{"pk": img["pk"], "sk": img["sk"]}, NewImage: img,
			SequenceNumber: aws.String(seq), SizeBytes: aws.Int64(40), StreamViewType: streamtypes.StreamViewTypeNewImage,
		}}
}

// A stream batch record is read back from its shard, between its sequence
// numbers, filtered as the mapping filters, and replayed in batches of
// the mapping's size; a batch the function fails again keeps the message.
func TestRunReplaysStreamBatches(t *testing.T) {
	s := &stream{records: []streamtypes.Record{
		streamRecord("4", "INSERT", "MSG#000000000001", "before the batch"),
		streamRecord("5", "INSERT", "MSG#000000000002", "first"),
		streamRecord("6", "MODIFY", "META", "filtered out"),
		streamRecord("7", "INSERT", "MSG#000000000003", "second"),
		streamRecord("8", "INSERT", "MSG#000000000004", "third"),
		streamRecord("9", "INSERT", "MSG#000000000005", "after the batch"),
	}}
	record := func(start, end string) string {
		return fmt.Sprintf(`{"requestContext":{"condition":"RetryAttemptsExhausted"},"DDBStreamBatchInfo":{"shardId":"shardId-1","startSequenceNumber":%q,"endSequenceNumber":%q,"batchSize":4,"streamArn":"arn:stream"}}`, start, end)
	}
	q := newQueue(msg(record("5", "8"), nil))
	fn := &function{name: "publisher"}
	filter := json.RawMessage(`{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"MSG#"}]}}}}`)
	opts := Options{QueueURL: "q", Function: "publisher", StreamFilters: []json.RawMessage{filter}, BatchSize: 2}
	outcomes, err := New(q, fn, s).Run(t.Context(), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(outcomes) != 1 || outcomes[0].Kind != "stream" || outcomes[0].Records != 3 || !outcomes[0].Replayed || outcomes[0].Err != nil {
		t.Fatalf("outcomes %+v", outcomes)
	}
	var bodies [][]string
	for _, p := range fn.payloads {
		var ev struct {
			Records []struct {
				EventSourceARN string `json:"eventSourceARN"`
				Dynamodb       struct {
					NewImage map[string]map[string]string `json:"NewImage"`
				} `json:"dynamodb"`
			} `json:"Records"`
		}
		if err := json.Unmarshal([]byte(p), &ev); err != nil {
			t.Fatal(err)
		}
		var b []string
		for _, r := range ev.Records {
			b = append(b, r.Dynamodb.NewImage["body"]["S"]+" "+r.EventSourceARN)
		}
		bodies = append(bodies, b)
	}
	want := [][]string{{"first arn:stream", "second arn:stream"}, {"third arn:stream"}}
	if diff := cmp.Diff(want, bodies); diff != "" {
		t.Errorf("replayed batches (-want +got):\n%s", diff)
	}
	if len(q.ids()) != 0 {
		t.Errorf("left %v", q.ids())
	}

	// The function fails a record again: the message stays.
	s.records[3] = streamRecord("7", "INSERT", "MSG#000000000003", "partial")
	q = newQueue(msg(record("5", "8"), nil))
	outcomes, err = New(q, fn, s).Run(t.Context(), opts, nil)
	if err != nil || len(outcomes) != 1 || outcomes[0].Err == nil || !strings.Contains(outcomes[0].Err.Error(), "failed record 7 again") || len(q.ids()) != 1 {
		t.Fatalf("partial failure: %+v, %v; left %v", outcomes, err, q.ids())
	}
	// Without a streams client the message is kept with the reason.
	q = newQueue(msg(record("5", "8"), nil))
	outcomes, _ = New(q, fn, nil).Run(t.Context(), opts, nil)
	if len(outcomes) != 1 || outcomes[0].Err == nil || !strings.Contains(outcomes[0].Err.Error(), "DynamoDB Streams") || len(q.ids()) != 1 {
		t.Fatalf("no streams client: %+v, left %v", outcomes, q.ids())
	}
}

// Every dead-letter queue of the template says whose failures it keeps
// and how they replay.
func TestQueuesOfTheTemplate(t *testing.T) {
	m, err := template.Load("../../template.yaml", template.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type q struct{ Queue, Function, Kinds string }
	var got []q
	for _, tg := range Queues(m) {
		got = append(got, q{tg.Queue, tg.Function, tg.Kinds})
	}
	want := []q{
		{"EventPublisherDLQ", "EventPublisherFunction", "stream"},
		{"InactivitySweeperDLQ", "InactivitySweeperFunction", "lambda, rule"},
		{"InboundMailDLQ", "InboundMailFunction", "lambda"},
		{"MailFeedbackDLQ", "MailFeedbackFunction", "lambda"},
		{"ReportsDLQ", "ReportsFunction", "lambda, rule"},
		{"RouterDLQ", "RouterFunction", "lambda, rule"},
		{"SearchIndexerDLQ", "SearchIndexerFunction", "stream"},
		{"TranscriptDLQ", "TranscriptFunction", "lambda, rule"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queues (-want +got):\n%s", diff)
	}
	ep, err := For(m, "EventPublisherDLQ")
	if err != nil || ep.Options.BatchSize != 100 || len(ep.Options.StreamFilters) != 2 {
		t.Errorf("EventPublisherDLQ = %+v, %v; want the mapping's batch size and filter", ep, err)
	}
	if si, err := For(m, "SearchIndexerDLQ"); err != nil || len(si.Options.StreamFilters) != 3 {
		t.Errorf("SearchIndexerDLQ = %+v, %v; want the mapping's three filters", si, err)
	}
	if _, err := For(m, "ChatTable"); err == nil || !strings.Contains(err.Error(), "TranscriptDLQ") {
		t.Errorf("unknown queue: %v", err)
	}
}
