package lambdaemu

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/sqsemu"
)

type sent struct {
	Queue, Body string
	Attrs       map[string]sqsemu.Attribute
}

type queues struct {
	mu   sync.Mutex
	sent []sent
}

func (q *queues) Send(queue, body string, attrs map[string]sqsemu.Attribute) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent = append(q.sent, sent{queue, body, attrs})
	return "id", nil
}

func newAsync(t *testing.T, cfg AsyncConfig) (*Async, *Runtime, *queues) {
	t.Helper()
	r := newRuntime(t, 2, nil)
	r.Register("fn", fnBin, nil, 5*time.Second, 128)
	q := &queues{}
	a := NewAsync(r, q, AsyncOptions{RetryDelay: func(int) time.Duration { return time.Millisecond }})
	t.Cleanup(a.Close)
	a.Configure("fn", cfg)
	return a, r, q
}

func payload(t *testing.T, req request) []byte {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A failing event is tried 1 + MaxRetries times, then lands in the
// dead-letter queue as itself, with Lambda's attributes.
func TestAsyncDeadLetter(t *testing.T) {
	a, r, q := newAsync(t, AsyncConfig{ARN: "arn:fn", MaxRetries: 2, MaxEventAge: time.Hour, DeadLetter: "arn:dlq"})
	event := payload(t, request{Action: "error", Message: "SES said no"})
	err := a.Invoke(t.Context(), "fn", event)
	var fail *AsyncFailure
	if !errors.As(err, &fail) || fail.Attempts != 3 || fail.Destination != "arn:dlq" {
		t.Fatalf("err = %v, want a failure after 3 attempts sent to arn:dlq", err)
	}
	if n := r.Stats()["fn"].Invocations; n != 3 {
		t.Errorf("%d invocations, want 3", n)
	}
	if len(q.sent) != 1 {
		t.Fatalf("sent %+v, want one dead letter", q.sent)
	}
	dl := q.sent[0]
	if dl.Queue != "arn:dlq" || dl.Body != string(event) || !cmp.Equal(dl.Attrs["ErrorCode"], sqsemu.Attribute{DataType: "Number", StringValue: "200"}) ||
		!strings.Contains(dl.Attrs["ErrorMessage"].StringValue, "SES said no") || dl.Attrs["RequestID"].StringValue == "" {
		t.Errorf("dead letter %+v", dl)
	}
}

// An attempt that succeeds ends the invocation: nothing is sent on.
func TestAsyncRetrySucceeds(t *testing.T) {
	a, r, q := newAsync(t, AsyncConfig{ARN: "arn:fn", MaxRetries: 2, MaxEventAge: time.Hour, DeadLetter: "arn:dlq"})
	if err := r.CrashNext("fn", 1); err != nil {
		t.Fatal(err)
	}
	if err := a.Invoke(t.Context(), "fn", payload(t, request{Action: "echo"})); err != nil {
		t.Fatal(err)
	}
	if n := r.Stats()["fn"].Invocations; n != 2 || len(q.sent) != 0 {
		t.Errorf("%d invocations, %d dead letters; want 2 and none", n, len(q.sent))
	}
}

// The on-failure destination gets Lambda's invocation record.
func TestAsyncOnFailureRecord(t *testing.T) {
	a, _, q := newAsync(t, AsyncConfig{ARN: "arn:fn", MaxRetries: 1, MaxEventAge: time.Hour, DeadLetter: "arn:dlq", OnFailure: "arn:failed"})
	event := payload(t, request{Action: "error", Message: "boom"})
	if err := a.Invoke(t.Context(), "fn", event); err == nil {
		t.Fatal("no failure")
	}
	if len(q.sent) != 1 || q.sent[0].Queue != "arn:failed" {
		t.Fatalf("sent %+v, want one record to the on-failure destination", q.sent)
	}
	var rec struct {
		RequestContext struct {
			FunctionARN string `json:"functionArn"`
			Condition   string `json:"condition"`
			Count       int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		RequestPayload  json.RawMessage   `json:"requestPayload"`
		ResponsePayload map[string]string `json:"responsePayload"`
	}
	if err := json.Unmarshal([]byte(q.sent[0].Body), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.FunctionARN != "arn:fn:$LATEST" || rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.Count != 2 {
		t.Errorf("request context %+v", rec.RequestContext)
	}
	if diff := cmp.Diff(string(event), string(rec.RequestPayload)); diff != "" {
		t.Errorf("request payload (-want +got):\n%s", diff)
	}
	if rec.ResponsePayload["errorMessage"] != "boom" {
		t.Errorf("response payload %v", rec.ResponsePayload)
	}
}

// Without a destination the failed event is dropped; an unknown function
// is refused before anything runs.
func TestAsyncDropsAndRefuses(t *testing.T) {
	a, _, q := newAsync(t, AsyncConfig{ARN: "arn:fn", MaxRetries: 0, MaxEventAge: time.Hour})
	var fail *AsyncFailure
	if err := a.Invoke(t.Context(), "fn", payload(t, request{Action: "error"})); !errors.As(err, &fail) || fail.Attempts != 1 || fail.Destination != "" {
		t.Errorf("err = %v, want one attempt and no destination", err)
	}
	if len(q.sent) != 0 {
		t.Errorf("sent %+v without a destination", q.sent)
	}
	if err := a.Invoke(t.Context(), "nope", nil); !errors.Is(err, ErrUnknownFunction) || errors.As(err, &fail) {
		t.Errorf("unknown function: %v", err)
	}
}

// A local cloud that stops mid-invocation dead-letters nothing: Lambda
// itself would have gone on.
func TestAsyncStopsWithoutDeadLettering(t *testing.T) {
	a, _, q := newAsync(t, AsyncConfig{ARN: "arn:fn", MaxRetries: 2, MaxEventAge: time.Hour, DeadLetter: "arn:dlq"})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := a.Invoke(ctx, "fn", payload(t, request{Action: "error"}))
	var fail *AsyncFailure
	if !errors.Is(err, context.Canceled) || errors.As(err, &fail) || len(q.sent) != 0 {
		t.Errorf("err = %v, sent %+v; want the cancellation and no dead letter", err, q.sent)
	}
}
