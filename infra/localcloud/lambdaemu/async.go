package lambdaemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/sqsemu"
)

// AsyncConfig is a function's configuration for asynchronous invocations
// (its EventInvokeConfig and DeadLetterQueue).
type AsyncConfig struct {
	ARN         string // the function's ARN, named in on-failure records
	MaxRetries  int
	MaxEventAge time.Duration
	// DeadLetter and OnFailure are queue ARNs; "" for none. With both,
	// the on-failure destination gets the event.
	DeadLetter string
	OnFailure  string
}

// DeadLetterSender puts a message on a queue (the local SQS's Send).
type DeadLetterSender interface {
	Send(queueRef, body string, attrs map[string]sqsemu.Attribute) (string, error)
}

// AsyncFailure is how an asynchronous invocation ends when every attempt
// failed: the event went to Destination ("" when the function has none,
// and the event is dropped).
type AsyncFailure struct {
	Function    string
	Attempts    int
	Destination string
	Err         error // the last attempt's
}

func (e *AsyncFailure) Error() string {
	return fmt.Sprintf("asynchronous invocation of %s failed %d times: %v", e.Function, e.Attempts, e.Err)
}

func (e *AsyncFailure) Unwrap() error { return e.Err }

// AsyncOptions configure Async.
type AsyncOptions struct {
	Logger *slog.Logger
	// RetryDelay is the wait before retry n; default 100 ms * n (Lambda
	// waits about a minute, then two).
	RetryDelay func(n int) time.Duration
}

// Async runs asynchronous invocations as Lambda's event queue does: an
// attempt that fails (a function error, a crash, a timeout) is retried up
// to the function's MaxRetries while the event is younger than its
// MaxEventAge; then the event goes to the function's on-failure
// destination or dead-letter queue, in the shape Lambda sends.
type Async struct {
	rt    *Runtime
	send  DeadLetterSender
	opts  AsyncOptions
	log   *slog.Logger
	mu    sync.Mutex
	cfgs  map[string]AsyncConfig // by function name
	ctx   context.Context
	stop  context.CancelFunc
	group sync.WaitGroup
}

// NewAsync returns the event queue of rt's functions, sending dead
// letters through send.
func NewAsync(rt *Runtime, send DeadLetterSender, opts AsyncOptions) *Async {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RetryDelay == nil {
		opts.RetryDelay = func(n int) time.Duration { return time.Duration(n) * 100 * time.Millisecond }
	}
	a := &Async{rt: rt, send: send, opts: opts, log: opts.Logger, cfgs: map[string]AsyncConfig{}}
	a.ctx, a.stop = context.WithCancel(context.Background())
	return a
}

// Configure sets a function's asynchronous invocation config.
func (a *Async) Configure(name string, cfg AsyncConfig) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cfgs[name] = cfg
}

// Start queues an invocation and returns at once, as Invoke with
// InvocationType Event does.
func (a *Async) Start(name string, payload []byte) {
	a.group.Go(func() {
		if err := a.Invoke(a.ctx, name, payload); err != nil {
			a.log.Warn("asynchronous invocation failed", "function", name, "error", err)
		}
	})
}

// Close stops retrying and waits for the invocations Start queued.
func (a *Async) Close() {
	a.stop()
	a.group.Wait()
}

// Invoke runs an asynchronous invocation to its end and reports it: nil
// when an attempt succeeded, an *AsyncFailure when every attempt failed
// (the event has been sent on), or the error that kept Lambda from taking
// the event at all (an unknown function, a closed runtime).
func (a *Async) Invoke(ctx context.Context, name string, payload []byte) error {
	a.mu.Lock()
	cfg, ok := a.cfgs[name]
	a.mu.Unlock()
	if !ok {
		return fmt.Errorf("invoke %s asynchronously: %w", name, ErrUnknownFunction)
	}
	requestID := uuid.NewString()
	queued := time.Now()
	var err error
	attempt := 0
	for {
		attempt++
		_, err = a.rt.Invoke(ctx, name, payload)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrUnknownFunction) || errors.Is(err, ErrClosed) {
			return err
		}
		if ctx.Err() != nil {
			// The local cloud is stopping: Lambda would have gone on, so
			// the event is neither retried nor dead-lettered.
			return fmt.Errorf("invoke %s asynchronously: %w", name, ctx.Err())
		}
		if attempt > cfg.MaxRetries || time.Since(queued) > cfg.MaxEventAge {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(a.opts.RetryDelay(attempt)):
		}
	}
	condition := "RetriesExhausted"
	if time.Since(queued) > cfg.MaxEventAge {
		condition = "EventAgeExceeded"
	}
	fail := &AsyncFailure{Function: name, Attempts: attempt, Err: err}
	switch {
	case cfg.OnFailure != "":
		fail.Destination = cfg.OnFailure
		body, merr := onFailureRecord(cfg, requestID, condition, attempt, payload, err)
		if merr == nil {
			_, merr = a.send.Send(cfg.OnFailure, body, nil)
		}
		if merr != nil {
			return errors.Join(fail, fmt.Errorf("send to the on-failure destination: %w", merr))
		}
	case cfg.DeadLetter != "":
		fail.Destination = cfg.DeadLetter
		msg := err.Error()
		if len(msg) > 1024 {
			msg = msg[:1024]
		}
		// Lambda's attributes: ErrorCode is the Invoke call's status.
		if _, serr := a.send.Send(cfg.DeadLetter, string(payload), map[string]sqsemu.Attribute{
			"RequestID": sqsemu.StringAttribute(requestID), "ErrorCode": {DataType: "Number", StringValue: "200"},
			"ErrorMessage": sqsemu.StringAttribute(msg),
		}); serr != nil {
			return errors.Join(fail, fmt.Errorf("send to the dead-letter queue: %w", serr))
		}
	}
	a.log.Error("asynchronous invocation failed every attempt", "function", name, "attempts", attempt, "destination", fail.Destination, "error", err)
	return fail
}

// onFailureRecord is the invocation record Lambda sends to an on-failure
// destination.
func onFailureRecord(cfg AsyncConfig, requestID, condition string, attempts int, payload []byte, err error) (string, error) {
	var fe *FunctionError
	response := map[string]string{"errorType": "Runtime.ExitError", "errorMessage": err.Error()}
	if errors.As(err, &fe) {
		response = map[string]string{"errorType": fe.Type, "errorMessage": fe.Message}
	}
	request := json.RawMessage(payload)
	if !json.Valid(payload) {
		request, _ = json.Marshal(string(payload))
	}
	b, merr := json.Marshal(map[string]any{
		"version":   "1.0",
		"timestamp": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"requestContext": map[string]any{
			"requestId": requestID, "functionArn": cfg.ARN + ":$LATEST", "condition": condition, "approximateInvokeCount": attempts,
		},
		"requestPayload":  request,
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"responsePayload": response,
	})
	return string(b), merr
}
