package streams_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/sqsemu"
	"github.com/parleychat/parley/infra/localcloud/streams"
	"github.com/parleychat/parley/infra/localcloud/template"
)

const table = "chat"

// function is a stand-in for the mapped function: it records every record
// it takes and fails as told.
type function struct {
	mu       sync.Mutex
	got      []events.DynamoDBEventRecord
	calls    int
	failNext int                                   // whole invocations to fail
	reject   func(events.DynamoDBEventRecord) bool // records to report as failed, once each
	rejected map[string]bool
	dead     []string // messages sent to the on-failure destination
}

func (f *function) Send(queue, body string, _ map[string]sqsemu.Attribute) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead = append(f.dead, queue+" "+body)
	return "id", nil
}

func (f *function) Invoke(_ context.Context, fn string, payload []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.failNext > 0 {
		f.failNext--
		return nil, errors.New("function error")
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	for _, r := range ev.Records {
		if f.reject != nil && f.reject(r) && !f.rejected[r.Change.SequenceNumber] {
			f.rejected[r.Change.SequenceNumber] = true
			return json.Marshal(events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: r.Change.SequenceNumber}}})
		}
		f.got = append(f.got, r)
	}
	return []byte(`{}`), nil
}

func (f *function) records() []events.DynamoDBEventRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.got)
}

func setup(t *testing.T, fn *function, esm template.EventSourceMapping) (*dynamodb.Client, *streams.Mapping) {
	t.Helper()
	srv := awsemu.New(awsemu.Options{})
	t.Cleanup(srv.Close)
	err := srv.CreateTables(t.Context(), []*template.Table{{
		Name: table, AttributeDefinitions: []template.Attribute{{Name: "pk", Type: "S"}, {Name: "sk", Type: "S"}},
		KeySchema: []template.Key{{Name: "pk", KeyType: "HASH"}, {Name: "sk", KeyType: "RANGE"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	esm.Function, esm.StreamARN, esm.Table, esm.Enabled = "Fn", "arn:stream", table, true
	if esm.BatchSize == 0 {
		esm.BatchSize = 100
	}
	m, err := streams.New(&esm, fn, streams.Options{Region: "us-east-1", ViewType: "NEW_IMAGE", HashKey: "pk",
		RetryDelay: func(int) time.Duration { return time.Millisecond }, DeadLetters: fn, FunctionARN: "arn:fn"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	srv.WatchTable(table, m.Add)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), Credentials: aws.AnonymousCredentials{}})
	return db, m
}

func put(t *testing.T, db *dynamodb.Client, pk, sk, body string) {
	t.Helper()
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
		"body": &types.AttributeValueMemberS{Value: body},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func waitIdle(t *testing.T, m *streams.Mapping) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !m.Idle() {
		if time.Now().After(deadline) {
			t.Fatalf("stream not drained: %+v", m.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// perKey lists, for each partition key, the sort keys in delivery order.
func perKey(rs []events.DynamoDBEventRecord) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		pk := r.Change.Keys["pk"].String()
		out[pk] = append(out[pk], r.EventName+" "+r.Change.Keys["sk"].String())
	}
	return out
}

func TestOrderPerKeyAndNoLoss(t *testing.T) {
	tests := []struct {
		name string
		fn   *function
		esm  template.EventSourceMapping
	}{
		{"all delivered", &function{}, template.EventSourceMapping{MaxRetries: -1, BatchSize: 7}},
		{"failed invocations are retried", &function{failNext: 5}, template.EventSourceMapping{MaxRetries: -1, BatchSize: 7}},
		{"failed invocations are bisected", &function{failNext: 3}, template.EventSourceMapping{MaxRetries: -1, BatchSize: 7, BisectOnError: true}},
		{"partial batch failures retry from the failed record", &function{rejected: map[string]bool{},
			reject: func(r events.DynamoDBEventRecord) bool { return r.Change.Keys["sk"].String() == "MSG#3" }},
			template.EventSourceMapping{MaxRetries: -1, BatchSize: 100, ReportBatchItemFailures: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, m := setup(t, tt.fn, tt.esm)
			var wg sync.WaitGroup
			want := map[string][]string{}
			for c := range 4 {
				pk := fmt.Sprintf("CONV#%d", c)
				for i := range 10 {
					want[pk] = append(want[pk], fmt.Sprintf("INSERT MSG#%d", i))
				}
				wg.Go(func() {
					for i := range 10 {
						put(t, db, pk, fmt.Sprintf("MSG#%d", i), "hi")
					}
				})
			}
			wg.Wait()
			waitIdle(t, m)
			got := perKey(tt.fn.records())
			if tt.fn.reject != nil {
				// Records after the failed one were delivered twice (at
				// least once); the first delivery of each, in order, is
				// the stream.
				for pk, sks := range got {
					var firsts []string
					for _, sk := range sks {
						if !slices.Contains(firsts, sk) {
							firsts = append(firsts, sk)
						}
					}
					got[pk] = firsts
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deliveries per key (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBatchingWindow: records wait for the batch to fill (or the window to
// pass): ten records in batches of five are two invocations, never ten.
func TestBatchingWindow(t *testing.T) {
	fn := &function{}
	db, m := setup(t, fn, template.EventSourceMapping{MaxRetries: -1, BatchSize: 5, BatchingWindow: time.Hour})
	for i := range 10 {
		put(t, db, "CONV#1", fmt.Sprintf("MSG#%d", i), "hi")
	}
	waitIdle(t, m)
	if got := len(fn.records()); got != 10 {
		t.Errorf("delivered %d records, want 10", got)
	}
	if fn.calls != 2 {
		t.Errorf("%d invocations, want 2 (two full batches)", fn.calls)
	}
}

func TestRecordsAndFilter(t *testing.T) {
	fn := &function{}
	db, m := setup(t, fn, template.EventSourceMapping{MaxRetries: -1,
		Filters: []json.RawMessage{json.RawMessage(`{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"MSG#"}]}}}}`)}})
	put(t, db, "CONV#1", "META", "meta")   // filtered out: not a message
	put(t, db, "CONV#1", "MSG#1", "hello") // delivered
	put(t, db, "CONV#1", "MSG#1", "hello") // no change: no record at all
	put(t, db, "CONV#1", "MSG#1", "edit")  // MODIFY: filtered out
	if _, err := db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "CONV#1"}, "sk": &types.AttributeValueMemberS{Value: "META"},
	}}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, m)
	got := fn.records()
	if len(got) != 1 {
		t.Fatalf("delivered %d records, want 1: %+v", len(got), got)
	}
	r := got[0]
	if r.EventName != "INSERT" || r.EventSource != "aws:dynamodb" || r.EventSourceArn != "arn:stream" ||
		r.Change.NewImage["body"].String() != "hello" || r.Change.StreamViewType != "NEW_IMAGE" || r.Change.SequenceNumber == "" {
		t.Errorf("record = %+v", r)
	}
	if s := m.Stats(); s.Filtered != 3 || s.Records != 1 {
		t.Errorf("stats = %+v, want 3 filtered (META insert, MODIFY, REMOVE) and 1 delivered", s)
	}
}

func TestExhaustedRetriesGoToTheDestination(t *testing.T) {
	fn := &function{failNext: 1000}
	db, m := setup(t, fn, template.EventSourceMapping{MaxRetries: 2, OnFailureARN: "arn:aws:sqs:us-east-1:0:dlq"})
	put(t, db, "CONV#1", "MSG#1", "hello")
	waitIdle(t, m)
	s := m.Stats()
	if len(s.Failures) != 1 || s.Failures[0].Destination != "arn:aws:sqs:us-east-1:0:dlq" || s.Failures[0].BatchSize != 1 {
		t.Fatalf("failures = %+v", s.Failures)
	}
	if fn.calls != 3 {
		t.Errorf("invocations = %d, want 3 (1 + 2 retries)", fn.calls)
	}
	// The destination hears where the batch is in the stream.
	if len(fn.dead) != 1 {
		t.Fatalf("sent %v, want one record", fn.dead)
	}
	queue, body, _ := strings.Cut(fn.dead[0], " ")
	var rec struct {
		RequestContext struct {
			FunctionARN string `json:"functionArn"`
			Condition   string `json:"condition"`
		} `json:"requestContext"`
		Batch struct {
			ShardID   string `json:"shardId"`
			Start     string `json:"startSequenceNumber"`
			End       string `json:"endSequenceNumber"`
			BatchSize int    `json:"batchSize"`
			StreamARN string `json:"streamArn"`
		} `json:"DDBStreamBatchInfo"`
	}
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		t.Fatal(err)
	}
	if queue != "arn:aws:sqs:us-east-1:0:dlq" || rec.RequestContext.FunctionARN != "arn:fn" || rec.RequestContext.Condition != "RetryAttemptsExhausted" ||
		rec.Batch.Start != s.Failures[0].FirstSequence || rec.Batch.End != s.Failures[0].LastSequence || rec.Batch.BatchSize != 1 ||
		rec.Batch.StreamARN != "arn:stream" || !strings.HasPrefix(rec.Batch.ShardID, "shardId-") {
		t.Errorf("on-failure record to %s: %+v", queue, rec)
	}
}

// TestSetEmptiedByDelete: an update whose DELETE takes a set's last
// element removes the attribute, as DynamoDB does, so the stream's image
// (and the item) can be read by a Lambda function.
func TestSetEmptiedByDelete(t *testing.T) {
	fn := &function{}
	db, m := setup(t, fn, template.EventSourceMapping{MaxRetries: -1})
	k := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "AGENT#1"}, "sk": &types.AttributeValueMemberS{Value: "PRESENCE"},
	}
	update := func(expr string, vals map[string]types.AttributeValue) {
		t.Helper()
		if _, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: k,
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals}); err != nil {
			t.Fatal(err)
		}
	}
	set := map[string]types.AttributeValue{":s": &types.AttributeValueMemberSS{Value: []string{"conn-1"}}}
	update("ADD sockets :s", set)
	update("DELETE sockets :s SET closedAt = :at", map[string]types.AttributeValue{
		":s": set[":s"], ":at": &types.AttributeValueMemberS{Value: "2026-12-07T02:00:00Z"},
	})
	waitIdle(t, m)
	var images []string
	for _, r := range fn.records() {
		var names []string
		for n := range r.Change.NewImage {
			names = append(names, n)
		}
		slices.Sort(names)
		images = append(images, r.EventName+" "+strings.Join(names, ","))
	}
	want := []string{"INSERT pk,sk,sockets", "MODIFY closedAt,pk,sk"}
	if diff := cmp.Diff(want, images); diff != "" {
		t.Errorf("records' images (-want +got):\n%s", diff)
	}
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Item["sockets"]; ok {
		t.Errorf("item %v still has the emptied set", out.Item)
	}
}
