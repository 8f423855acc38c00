package eventbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/eventbus"
	"github.com/parleychat/parley/infra/localcloud/sqsemu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

// consumer stands in for target functions: it records what each receives
// and fails as many times as told: to take the event (fails), or after
// taking it (takesAndFails, as a function failing its asynchronous
// invocation). It also stands in for the dead-letter queues.
type consumer struct {
	mu            sync.Mutex
	got           map[string][][]byte
	fails         map[string]int
	takesAndFails map[string]bool
	dead          []deadLetter
}

type deadLetter struct {
	Queue, Body string
	Attrs       map[string]string
}

func (c *consumer) Invoke(_ context.Context, fn string, payload []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fails[fn] > 0 {
		c.fails[fn]--
		return nil, errors.New("function error")
	}
	if c.takesAndFails[fn] {
		return nil, &eventbus.TargetFailed{DeadLetter: "arn:function-dlq", Err: errors.New("SES said no")}
	}
	c.got[fn] = append(c.got[fn], payload)
	return []byte(`null`), nil
}

func (c *consumer) Send(queue, body string, attrs map[string]sqsemu.Attribute) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	dl := deadLetter{Queue: queue, Body: body, Attrs: map[string]string{}}
	for k, v := range attrs {
		dl.Attrs[k] = v.StringValue
	}
	c.dead = append(c.dead, dl)
	return "id", nil
}

func (c *consumer) deadLetters() []deadLetter {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]deadLetter(nil), c.dead...)
}

func (c *consumer) received(fn string) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.got[fn]...)
}

func model() *template.Model {
	return &template.Model{
		Functions:  map[string]*template.Function{"Transcripts": {LogicalID: "Transcripts", ARN: "arn:aws:lambda:us-east-1:000000000000:function:transcripts"}},
		EventBuses: []*template.EventBus{{LogicalID: "ChatEventBus", Name: "chat"}},
		Rules: []*template.Rule{
			{Source: "Transcripts.Closed", Name: "closed", ARN: "arn:aws:events:us-east-1:000000000000:rule/chat/closed", Bus: "chat", Enabled: true,
				Pattern: json.RawMessage(`{"source":["parley.chat"],"detail-type":["conversation.closed"],"detail":{"reason":[{"anything-but":"spam"}]}}`),
				Targets: []template.Target{{ID: "t", Function: "Transcripts", MaxRetries: 2, MaxEventAge: time.Hour, DeadLetterARN: "arn:dlq"}}},
			{Source: "Audit.All", Name: "all", Bus: "chat", Enabled: true, Pattern: json.RawMessage(`{"source":[{"prefix":"parley."}]}`),
				Targets: []template.Target{{ID: "a", Function: "Audit", Input: `{"fixed":true}`, MaxRetries: 0, MaxEventAge: time.Hour}}},
			{Source: "Sweeper.Sweep", Name: "sweep", Bus: "default", Enabled: true, Schedule: time.Minute, Expression: "rate(1 minute)",
				Targets: []template.Target{{ID: "s", Function: "Sweeper", MaxRetries: 2, MaxEventAge: time.Minute}}},
		},
	}
}

func start(t *testing.T, now func() time.Time) (*eventbus.Bus, *consumer, *eventbridge.Client) {
	t.Helper()
	c := &consumer{got: map[string][][]byte{}, fails: map[string]int{}, takesAndFails: map[string]bool{}}
	b, err := eventbus.New(model(), c, eventbus.Options{Region: "us-east-1", AccountID: "000000000000", Now: now,
		RetryDelay: func(int) time.Duration { return time.Millisecond }, DeadLetters: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	client := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	return b, c, client
}

func entry(bus, detailType, detail string) ebtypes.PutEventsRequestEntry {
	return ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("parley.chat"),
		DetailType: aws.String(detailType), Detail: aws.String(detail)}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestPutEventsDeliversToMatchingRules(t *testing.T) {
	b, c, client := start(t, nil)
	c.fails["Transcripts"] = 1 // the first delivery fails and is retried
	out, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("chat", "conversation.closed", `{"id":"c:7","reason":"inactivity"}`),
		entry("chat", "conversation.closed", `{"id":"c:8","reason":"spam"}`),
		entry("chat", "message.created", `{"id":"c:9"}`),
		entry("arn:aws:events:us-east-1:000000000000:event-bus/chat", "conversation.reopened", `{"id":"c:10"}`),
		entry("nope", "conversation.closed", `{}`),
		entry("chat", "conversation.closed", `not json`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 2 || aws.ToString(out.Entries[4].ErrorCode) != "ResourceNotFoundException" ||
		aws.ToString(out.Entries[5].ErrorCode) != "MalformedDetail" || aws.ToString(out.Entries[0].EventId) == "" {
		t.Fatalf("PutEvents answer = %+v", out)
	}
	waitFor(t, func() bool { return len(c.received("Transcripts")) == 1 && len(c.received("Audit")) == 4 })

	var ev lambdaevents.EventBridgeEvent
	if err := json.Unmarshal(c.received("Transcripts")[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "parley.chat" || ev.DetailType != "conversation.closed" || string(ev.Detail) != `{"id":"c:7","reason":"inactivity"}` ||
		ev.AccountID != "000000000000" || ev.Region != "us-east-1" || ev.ID != aws.ToString(out.Entries[0].EventId) {
		t.Errorf("delivered event = %+v", ev)
	}
	if got := string(c.received("Audit")[0]); got != `{"fixed":true}` {
		t.Errorf("target Input not used: %s", got)
	}
	waitFor(t, func() bool {
		r := b.Recent("conversation.closed")
		return len(r) == 2 && r[1].Deliveries[0].Status == "delivered"
	})
	closed := b.Recent("conversation.closed")
	if d := closed[1].Deliveries; len(d) != 2 || d[0].Attempts != 2 || d[0].Rule != "closed" {
		t.Errorf("deliveries of the first close = %+v", d)
	}
	if d := closed[0].Deliveries; len(d) != 1 || d[0].Rule != "all" {
		t.Errorf("the spam close matched %+v, want only the catch-all rule", d)
	}
}

func TestDeliveryGivesUpToTheDeadLetterQueue(t *testing.T) {
	b, c, client := start(t, nil)
	c.fails["Transcripts"] = 100
	if _, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("chat", "conversation.closed", `{"reason":"agent"}`),
	}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { r := b.Recent("conversation.closed"); return r[0].Deliveries[0].Status != "pending" })
	want := eventbus.Delivery{Rule: "closed", Target: "t", Function: "Transcripts", Attempts: 3, Status: "failed",
		Error: "function error", DeadLetter: "arn:dlq"}
	if diff := cmp.Diff(want, *b.Recent("conversation.closed")[0].Deliveries[0]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The event itself, with EventBridge's attributes.
	dead := c.deadLetters()
	if len(dead) != 1 {
		t.Fatalf("dead letters %+v, want one", dead)
	}
	var ev lambdaevents.EventBridgeEvent
	if err := json.Unmarshal([]byte(dead[0].Body), &ev); err != nil || ev.DetailType != "conversation.closed" {
		t.Errorf("dead letter body %s: %v", dead[0].Body, err)
	}
	wantAttrs := map[string]string{
		"RULE_ARN": "arn:aws:events:us-east-1:000000000000:rule/chat/closed", "TARGET_ARN": "arn:aws:lambda:us-east-1:000000000000:function:transcripts",
		"ERROR_CODE": "SDK_CLIENT_ERROR", "ERROR_MESSAGE": "function error", "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "2",
	}
	if diff := cmp.Diff(deadLetter{Queue: "arn:dlq", Body: dead[0].Body, Attrs: wantAttrs}, dead[0]); diff != "" {
		t.Errorf("dead letter (-want +got):\n%s", diff)
	}
}

// A target that took the event and failed it after its own retries (a
// function's asynchronous invocation) was delivered: EventBridge neither
// retries it nor sends it to the rule's queue.
func TestTargetFailureIsNotRetried(t *testing.T) {
	b, c, client := start(t, nil)
	c.takesAndFails["Transcripts"] = true
	if _, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("chat", "conversation.closed", `{"reason":"agent"}`),
	}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { r := b.Recent("conversation.closed"); return r[0].Deliveries[0].Status != "pending" })
	want := eventbus.Delivery{Rule: "closed", Target: "t", Function: "Transcripts", Attempts: 1, Status: "failed",
		Error: "SES said no", DeadLetter: "arn:function-dlq"}
	if diff := cmp.Diff(want, *b.Recent("conversation.closed")[0].Deliveries[0]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if dead := c.deadLetters(); len(dead) != 0 {
		t.Errorf("EventBridge sent %+v to the rule's queue", dead)
	}
}

func TestPutEventsRefusesBadRequests(t *testing.T) {
	_, _, client := start(t, nil)
	var many []ebtypes.PutEventsRequestEntry
	for range 11 {
		many = append(many, entry("chat", "x", `{}`))
	}
	if _, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: many}); err == nil {
		t.Error("11 entries accepted")
	}
	big := make([]byte, 300*1024)
	for i := range big {
		big[i] = 'a'
	}
	if _, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("chat", "x", `{"a":"`+string(big)+`"}`)}}); err == nil {
		t.Error("300 KB entry accepted")
	}
}

func TestSchedulesFireOnTheClock(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	b, c, _ := start(t, now)
	b.RunSchedules(5 * time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	if n := len(c.received("Sweeper")); n != 0 {
		t.Fatalf("fired %d times before a minute passed", n)
	}
	offset.Store(int64(10 * time.Minute)) // ten minutes at once: one firing, not ten
	waitFor(t, func() bool { return len(c.received("Sweeper")) == 1 })
	time.Sleep(50 * time.Millisecond)
	if n := len(c.received("Sweeper")); n != 1 {
		t.Errorf("fired %d times after the clock jumped, want 1", n)
	}
	var ev lambdaevents.EventBridgeEvent
	if err := json.Unmarshal(c.received("Sweeper")[0], &ev); err != nil {
		t.Fatal(err)
	}
	if ev.DetailType != "Scheduled Event" || ev.Source != "aws.events" || len(ev.Resources) != 1 {
		t.Errorf("scheduled event = %+v", ev)
	}
	if err := b.Fire("Sweeper.Sweep"); err != nil || len(c.received("Sweeper")) != 2 {
		t.Errorf("Fire = %v, deliveries %d", err, len(c.received("Sweeper")))
	}
	if err := b.Fire("closed"); err == nil {
		t.Error("Fire of a pattern rule succeeded")
	}
}

// A bus that stops while a delivery waits to retry dead-letters nothing:
// EventBridge itself would have gone on.
func TestCloseDeadLettersNothing(t *testing.T) {
	c := &consumer{got: map[string][][]byte{}, fails: map[string]int{"Transcripts": 100}, takesAndFails: map[string]bool{}}
	b, err := eventbus.New(model(), c, eventbus.Options{Region: "us-east-1", AccountID: "000000000000",
		RetryDelay: func(int) time.Duration { return time.Hour }, DeadLetters: c})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b)
	defer srv.Close()
	client := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	if _, err := client.PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("chat", "conversation.closed", `{"reason":"agent"}`),
	}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return b.Recent("conversation.closed")[0].Deliveries[0].Attempts == 1 })
	b.Close()
	if d := b.Recent("conversation.closed")[0].Deliveries[0]; d.Status != "failed" || d.DeadLetter != "" {
		t.Errorf("delivery after the close = %+v", d)
	}
	if dead := c.deadLetters(); len(dead) != 0 {
		t.Errorf("dead letters after the close: %+v", dead)
	}
}
