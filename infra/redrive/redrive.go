// Package redrive replays the messages of a dead-letter queue into the
// function they failed in, once the cause is fixed. SQS's own redrive
// (StartMessageMoveTask) moves messages back to an SQS source queue only;
// Parley's dead letters come from Lambda's asynchronous invocations,
// EventBridge rule targets and a DynamoDB stream mapping, so each message
// is replayed as what it was:
//
//   - a Lambda dead letter (the event itself) is invoked again;
//   - an EventBridge rule target's dead letter (the event, with RULE_ARN
//     and TARGET_ARN attributes) is invoked on that target, not put on the
//     bus again, so the rule's other targets see nothing twice;
//   - a Lambda on-failure record replays its requestPayload;
//   - a stream batch record (DDBStreamBatchInfo) is read back from the
//     stream (it holds 24 hours of records), filtered as the mapping
//     filters, and invoked in batches.
//
// Every replay is a synchronous invocation; a message is deleted only
// after its replay succeeded, so a failing one stays in the queue (hidden
// for the visibility timeout, then visible again). Replaying twice is safe
// because every consumer is idempotent (docs/operations.md).
package redrive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/parleychat/parley/infra/localcloud/eventpattern"
)

// Queue is the part of the SQS client the redrive uses.
type Queue interface {
	ReceiveMessage(ctx context.Context, params *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, params *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, params *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// Invoker is the part of the Lambda client the redrive uses.
type Invoker interface {
	Invoke(ctx context.Context, params *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Streams is the part of the DynamoDB Streams client the redrive uses.
type Streams interface {
	GetShardIterator(ctx context.Context, params *dynamodbstreams.GetShardIteratorInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, params *dynamodbstreams.GetRecordsInput, optFns ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// Options say what to replay.
type Options struct {
	QueueURL string
	// Function is the function (name or ARN) the queue's messages failed
	// in. A rule target's dead letter names its own target; it must be
	// this function.
	Function string
	// StreamFilters are the stream mapping's filter patterns and
	// BatchSize its batch size (default 100), for stream batch records.
	StreamFilters []json.RawMessage
	BatchSize     int
	// Visibility hides each message while it is replayed, and a failed
	// one until it is tried again; default 5 minutes (longer than any
	// function's timeout).
	Visibility time.Duration
	// Max stops after that many messages (0: until the queue is empty).
	Max int
	// DryRun lists the messages and what would be replayed, and changes
	// nothing.
	DryRun bool
}

// Outcome is what happened to one message.
type Outcome struct {
	MessageID string
	Kind      string // lambda, rule, on-failure or stream
	Replayed  bool   // replayed and deleted (false in a dry run)
	Records   int    // stream records replayed
	Err       error
}

// Redriver replays dead letters.
type Redriver struct {
	queue   Queue
	lambda  Invoker
	streams Streams
}

// New returns a Redriver; streams may be nil when no queue holds stream
// batch records.
func New(q Queue, l Invoker, s Streams) *Redriver { return &Redriver{queue: q, lambda: l, streams: s} }

// Run replays the queue's messages until it is empty (or Max), calling
// report for each message; it returns the outcomes. It fails only when the
// queue cannot be read.
func (r *Redriver) Run(ctx context.Context, o Options, report func(Outcome)) ([]Outcome, error) {
	if o.Visibility <= 0 {
		o.Visibility = 5 * time.Minute
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	filters := make([]*eventpattern.Pattern, 0, len(o.StreamFilters))
	for i, f := range o.StreamFilters {
		p, err := eventpattern.Parse(f)
		if err != nil {
			return nil, fmt.Errorf("redrive: stream filter %d: %w", i, err)
		}
		filters = append(filters, p)
	}
	var outcomes []Outcome
	for o.Max == 0 || len(outcomes) < o.Max {
		n := int32(10)
		if o.Max > 0 {
			n = int32(min(10, o.Max-len(outcomes)))
		}
		out, err := r.queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(o.QueueURL), MaxNumberOfMessages: n, WaitTimeSeconds: 1,
			VisibilityTimeout:     int32(o.Visibility / time.Second),
			MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			return outcomes, fmt.Errorf("redrive: receive from %s: %w", o.QueueURL, err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			oc := r.replay(ctx, o, filters, m)
			switch {
			case o.DryRun:
				// Visible again at once: a dry run changes nothing.
				_, err = r.queue.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
					QueueUrl: aws.String(o.QueueURL), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
			case oc.Err == nil:
				_, err = r.queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(o.QueueURL), ReceiptHandle: m.ReceiptHandle})
				oc.Replayed = err == nil
			}
			if err != nil {
				oc.Err = errors.Join(oc.Err, err)
			}
			outcomes = append(outcomes, oc)
			if report != nil {
				report(oc)
			}
		}
		if o.DryRun {
			// Every message is visible again: one pass lists them all.
			break
		}
	}
	return outcomes, nil
}

// replay replays one message (or, in a dry run, works out what it would
// replay).
func (r *Redriver) replay(ctx context.Context, o Options, filters []*eventpattern.Pattern, m sqstypes.Message) Outcome {
	oc := Outcome{MessageID: aws.ToString(m.MessageId), Kind: "lambda"}
	body := []byte(aws.ToString(m.Body))
	payload := body
	var record struct {
		RequestPayload json.RawMessage `json:"requestPayload"`
		StreamBatch    *batchInfo      `json:"DDBStreamBatchInfo"`
	}
	_ = json.Unmarshal(body, &record)
	switch {
	case m.MessageAttributes["TARGET_ARN"].StringValue != nil:
		oc.Kind = "rule"
		target := aws.ToString(m.MessageAttributes["TARGET_ARN"].StringValue)
		if functionName(target) != functionName(o.Function) {
			oc.Err = fmt.Errorf("the message is for rule target %s, not %s: replay it with that function", target, o.Function)
			return oc
		}
	case record.StreamBatch != nil:
		oc.Kind = "stream"
		if r.streams == nil {
			oc.Err = errors.New("a stream batch: replaying it needs the DynamoDB Streams client")
			return oc
		}
		oc.Records, oc.Err = r.replayStream(ctx, o, filters, *record.StreamBatch)
		return oc
	case record.RequestPayload != nil:
		oc.Kind = "on-failure"
		payload = record.RequestPayload
	}
	if o.DryRun {
		return oc
	}
	_, oc.Err = r.invoke(ctx, o.Function, payload)
	return oc
}

// invoke runs the function synchronously and returns its answer.
func (r *Redriver) invoke(ctx context.Context, function string, payload []byte) ([]byte, error) {
	out, err := r.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), Payload: payload})
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", function, err)
	}
	if out.FunctionError != nil {
		return nil, fmt.Errorf("invoke %s: the function failed again (%s): %s", function, aws.ToString(out.FunctionError), out.Payload)
	}
	return out.Payload, nil
}

// batchInfo is where a failed stream batch is in the stream.
type batchInfo struct {
	ShardID   string `json:"shardId"`
	Start     string `json:"startSequenceNumber"`
	End       string `json:"endSequenceNumber"`
	StreamARN string `json:"streamArn"`
}

// replayStream reads a failed batch's records back from its shard, keeps
// those the mapping's filters keep, and invokes the function with them in
// batches, as the mapping does. Records older than the stream's 24 hours
// are gone: the read fails and the message stays.
func (r *Redriver) replayStream(ctx context.Context, o Options, filters []*eventpattern.Pattern, b batchInfo) (int, error) {
	end, ok := new(big.Int).SetString(b.End, 10)
	if !ok {
		return 0, fmt.Errorf("stream batch: end sequence number %q is not a number", b.End)
	}
	it, err := r.streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(b.StreamARN), ShardId: aws.String(b.ShardID), SequenceNumber: aws.String(b.Start),
		ShardIteratorType: streamtypes.ShardIteratorTypeAtSequenceNumber,
	})
	if err != nil {
		return 0, fmt.Errorf("stream batch %s..%s: %w", b.Start, b.End, err)
	}
	var kept []json.RawMessage
	iterator := it.ShardIterator
	for done := false; !done && iterator != nil; {
		out, err := r.streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iterator})
		if err != nil {
			return 0, fmt.Errorf("stream batch %s..%s: %w", b.Start, b.End, err)
		}
		for _, rec := range out.Records {
			seq, _ := new(big.Int).SetString(aws.ToString(rec.Dynamodb.SequenceNumber), 10)
			if seq == nil || seq.Cmp(end) > 0 {
				done = true
				break
			}
			raw, keep, err := lambdaRecord(rec, b.StreamARN, filters)
			if err != nil {
				return 0, err
			}
			if keep {
				kept = append(kept, raw)
			}
		}
		if len(out.Records) == 0 {
			break
		}
		iterator = out.NextShardIterator
	}
	if o.DryRun {
		return len(kept), nil
	}
	for i := 0; i < len(kept); i += o.BatchSize {
		batch := kept[i:min(i+o.BatchSize, len(kept))]
		payload, err := json.Marshal(map[string]any{"Records": batch})
		if err != nil {
			return i, err
		}
		answer, err := r.invoke(ctx, o.Function, payload)
		if err != nil {
			return i, err
		}
		// A consumer reporting batch item failures names the records it
		// could not take: the batch is not replayed yet.
		var partial struct {
			Failures []struct {
				ID string `json:"itemIdentifier"`
			} `json:"batchItemFailures"`
		}
		if json.Unmarshal(answer, &partial) == nil && len(partial.Failures) > 0 {
			return i, fmt.Errorf("invoke %s: the function failed record %s again", o.Function, partial.Failures[0].ID)
		}
	}
	return len(kept), nil
}

// lambdaRecord turns a stream record into the record Lambda hands a
// stream consumer, and says whether the mapping's filters keep it.
func lambdaRecord(rec streamtypes.Record, streamARN string, filters []*eventpattern.Pattern) (json.RawMessage, bool, error) {
	d := rec.Dynamodb
	ddb := map[string]any{
		"Keys": image(d.Keys), "SequenceNumber": aws.ToString(d.SequenceNumber), "SizeBytes": aws.ToInt64(d.SizeBytes),
		"StreamViewType": string(d.StreamViewType),
	}
	if d.ApproximateCreationDateTime != nil {
		ddb["ApproximateCreationDateTime"] = d.ApproximateCreationDateTime.Unix()
	}
	if d.NewImage != nil {
		ddb["NewImage"] = image(d.NewImage)
	}
	if d.OldImage != nil {
		ddb["OldImage"] = image(d.OldImage)
	}
	raw, err := json.Marshal(map[string]any{
		"eventID": aws.ToString(rec.EventID), "eventName": string(rec.EventName), "eventVersion": aws.ToString(rec.EventVersion),
		"eventSource": aws.ToString(rec.EventSource), "awsRegion": aws.ToString(rec.AwsRegion), "dynamodb": ddb, "eventSourceARN": streamARN,
	})
	if err != nil {
		return nil, false, fmt.Errorf("stream record %s: %w", aws.ToString(d.SequenceNumber), err)
	}
	if len(filters) == 0 {
		return raw, true, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false, err
	}
	for _, f := range filters {
		if f.MatchValue(v) {
			return raw, true, nil
		}
	}
	return raw, false, nil
}

// image renders attribute values in DynamoDB's JSON ({"S": "…"}).
func image(m map[string]streamtypes.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = value(v)
	}
	return out
}

func value(v streamtypes.AttributeValue) map[string]any {
	switch x := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return map[string]any{"S": x.Value}
	case *streamtypes.AttributeValueMemberN:
		return map[string]any{"N": x.Value}
	case *streamtypes.AttributeValueMemberB:
		return map[string]any{"B": x.Value}
	case *streamtypes.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": x.Value}
	case *streamtypes.AttributeValueMemberNULL:
		return map[string]any{"NULL": x.Value}
	case *streamtypes.AttributeValueMemberSS:
		return map[string]any{"SS": x.Value}
	case *streamtypes.AttributeValueMemberNS:
		return map[string]any{"NS": x.Value}
	case *streamtypes.AttributeValueMemberBS:
		return map[string]any{"BS": x.Value}
	case *streamtypes.AttributeValueMemberL:
		l := make([]any, len(x.Value))
		for i, e := range x.Value {
			l[i] = value(e)
		}
		return map[string]any{"L": l}
	case *streamtypes.AttributeValueMemberM:
		return map[string]any{"M": image(x.Value)}
	}
	return map[string]any{"NULL": true}
}

// functionName takes a function's name out of a name or an ARN.
func functionName(ref string) string {
	if _, rest, ok := strings.Cut(ref, ":function:"); ok {
		ref = rest
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}
