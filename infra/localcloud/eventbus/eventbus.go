// Package eventbus emulates EventBridge for the local cloud: PutEvents over
// the AWS JSON protocol (X-Amz-Target AWSEvents.PutEvents, as the real SDK
// client sends it), the template's buses and rules with their event
// patterns, delivery to the target functions (as asynchronous
// invocations) with the targets' retry policies and dead-letter queues,
// scheduled rules fired at their rate on a clock tests can move forward,
// and a log of recent events for a page and JSON.
package eventbus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/eventpattern"
	"github.com/parleychat/parley/infra/localcloud/sqsemu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

// TargetPrefix is the X-Amz-Target prefix of EventBridge's JSON protocol.
const TargetPrefix = "AWSEvents."

// PutEvents limits.
const (
	maxEntries    = 10
	maxEntryBytes = 256 * 1024
)

// Invoker invokes a function by logical id.
type Invoker interface {
	Invoke(ctx context.Context, logicalID string, payload []byte) ([]byte, error)
}

// TargetFailed is what an Invoker returns when the target took the event
// and failed it after its own retries (a function's asynchronous
// invocation, which Lambda retries and sends to the function's dead-letter
// queue): EventBridge delivered it, so the target's retry policy and the
// rule's dead-letter queue do not apply. DeadLetter is where the target
// sent the event ("" for nowhere).
type TargetFailed struct {
	DeadLetter string
	Err        error
}

func (e *TargetFailed) Error() string { return e.Err.Error() }
func (e *TargetFailed) Unwrap() error { return e.Err }

// DeadLetterSender puts a message on a queue (the local SQS's Send).
type DeadLetterSender interface {
	Send(queueRef, body string, attrs map[string]sqsemu.Attribute) (string, error)
}

// Options configure a Bus.
type Options struct {
	Region, AccountID string
	Logger            *slog.Logger
	// Now is the clock of event times and schedules; default time.Now.
	Now func() time.Time
	// RetryDelay is the wait before delivery retry n; default 100 ms * n,
	// at most 5 s (EventBridge backs off up to minutes).
	RetryDelay func(n int) time.Duration
	// Keep is how many recent events the log holds; default 500.
	Keep int
	// DeadLetters receives the events a target's retry policy gave up
	// on, for the target's dead-letter queue; nil keeps only the
	// bookkeeping.
	DeadLetters DeadLetterSender
}

// Delivery is what happened to an event at one rule target.
type Delivery struct {
	Rule     string `json:"rule"`
	Target   string `json:"target"`
	Function string `json:"function"`
	Attempts int    `json:"attempts"`
	// Status is pending, delivered or failed: EventBridge gave up on
	// handing it to the target (sent to the rule target's DLQ, or dropped
	// when it has none), or the target failed it after its own retries
	// (sent to the function's DLQ).
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	DeadLetter string `json:"deadLetter,omitempty"`
}

// Logged is one event of the recent events log.
type Logged struct {
	ID         string          `json:"id"`
	Bus        string          `json:"bus"`
	Source     string          `json:"source"`
	DetailType string          `json:"detailType"`
	Time       time.Time       `json:"time"`
	Received   time.Time       `json:"received"`
	Detail     json.RawMessage `json:"detail"`
	Deliveries []*Delivery     `json:"deliveries"`
}

type rule struct {
	*template.Rule
	pattern *eventpattern.Pattern
}

// Bus serves EventBridge for the template's buses and rules.
type Bus struct {
	opts    Options
	log     *slog.Logger
	inv     Invoker
	buses   map[string]bool   // names
	fnARNs  map[string]string // function logical id -> ARN
	rules   []*rule
	calls   atomic.Int64
	entries atomic.Int64

	mu     sync.Mutex
	recent []*Logged

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Bus for the template's buses and rules. The default bus
// always exists.
func New(m *template.Model, inv Invoker, opts Options) (*Bus, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryDelay == nil {
		opts.RetryDelay = func(n int) time.Duration { return min(time.Duration(n)*100*time.Millisecond, 5*time.Second) }
	}
	if opts.Keep <= 0 {
		opts.Keep = 500
	}
	b := &Bus{opts: opts, log: opts.Logger, inv: inv, buses: map[string]bool{template.DefaultBus: true}, fnARNs: map[string]string{}}
	for id, f := range m.Functions {
		b.fnARNs[id] = f.ARN
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	for _, eb := range m.EventBuses {
		b.buses[eb.Name] = true
	}
	for _, r := range m.Rules {
		br := &rule{Rule: r}
		if r.Pattern != nil {
			p, err := eventpattern.Parse(r.Pattern)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.Source, err)
			}
			br.pattern = p
		}
		b.rules = append(b.rules, br)
	}
	return b, nil
}

// Close stops the scheduler and waits for deliveries in flight.
func (b *Bus) Close() {
	b.cancel()
	b.wg.Wait()
}

// IsRequest reports whether r is an EventBridge API call.
func IsRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
}

type putEntry struct {
	Source       string
	DetailType   string
	Detail       string
	EventBusName string
	Resources    []string
	Time         *float64
}

type resultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// ServeHTTP answers PutEvents.
func (b *Bus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	b.calls.Add(1)
	if op != "PutEvents" {
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "the local cloud's EventBridge serves PutEvents only, not "+op)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2*maxEntryBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, "ValidationException", "request body unreadable or larger than 256 KB")
		return
	}
	var in struct{ Entries []putEntry }
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "malformed request")
		return
	}
	if len(in.Entries) == 0 || len(in.Entries) > maxEntries {
		writeError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("Entries must hold 1 to %d entries", maxEntries))
		return
	}
	size := 0
	for _, e := range in.Entries {
		size += len(e.Source) + len(e.DetailType) + len(e.Detail) + len(e.EventBusName) + 14
		for _, res := range e.Resources {
			size += len(res)
		}
	}
	if size > maxEntryBytes {
		writeError(w, http.StatusBadRequest, "ValidationException", "Total size of the entries in the request is over the limit (256 KB)")
		return
	}
	out := struct {
		Entries          []resultEntry
		FailedEntryCount int
	}{}
	for _, e := range in.Entries {
		res := b.put(e)
		if res.ErrorCode != "" {
			out.FailedEntryCount++
		}
		out.Entries = append(out.Entries, res)
	}
	b.entries.Add(int64(len(in.Entries)))
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func (b *Bus) put(e putEntry) resultEntry {
	bus := e.EventBusName
	if bus == "" {
		bus = template.DefaultBus
	}
	if _, name, ok := strings.Cut(bus, ":event-bus/"); ok {
		bus = name
	}
	fail := func(code, msg string) resultEntry { return resultEntry{ErrorCode: code, ErrorMessage: msg} }
	switch {
	case !b.buses[bus]:
		return fail("ResourceNotFoundException", "Event bus "+bus+" does not exist.")
	case e.Source == "":
		return fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.")
	case e.DetailType == "":
		return fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
	case e.Detail == "":
		return fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.")
	}
	var detail map[string]any
	if json.Unmarshal([]byte(e.Detail), &detail) != nil {
		return fail("MalformedDetail", "Detail is malformed.")
	}
	at := b.opts.Now()
	if e.Time != nil {
		sec := int64(*e.Time)
		at = time.Unix(sec, int64((*e.Time-float64(sec))*1e9))
	}
	if e.Resources == nil {
		e.Resources = []string{}
	}
	ev := &Logged{ID: uuid.NewString(), Bus: bus, Source: e.Source, DetailType: e.DetailType,
		Time: at.UTC(), Received: time.Now().UTC(), Detail: json.RawMessage(e.Detail)}
	envelope, _ := json.Marshal(map[string]any{
		"version": "0", "id": ev.ID, "detail-type": e.DetailType, "source": e.Source, "account": b.opts.AccountID,
		"time": ev.Time.Format(time.RFC3339), "region": b.opts.Region, "resources": e.Resources, "detail": ev.Detail,
	})
	b.route(ev, envelope)
	return resultEntry{EventID: ev.ID}
}

// route logs the event and delivers it to every matching rule's targets.
func (b *Bus) route(ev *Logged, envelope []byte) {
	var decoded any
	dec := json.NewDecoder(bytes.NewReader(envelope))
	dec.UseNumber()
	_ = dec.Decode(&decoded)
	type job struct {
		d       *Delivery
		r       *rule
		t       template.Target
		payload []byte
	}
	var jobs []job
	for _, r := range b.rules {
		if r.Bus != ev.Bus || r.pattern == nil || !r.Enabled || !r.pattern.MatchValue(decoded) {
			continue
		}
		for _, t := range r.Targets {
			d := &Delivery{Rule: r.Name, Target: t.ID, Function: t.Function, Status: "pending"}
			ev.Deliveries = append(ev.Deliveries, d)
			payload := envelope
			if t.Input != "" {
				payload = []byte(t.Input)
			}
			jobs = append(jobs, job{d, r, t, payload})
		}
	}
	b.record(ev)
	for _, j := range jobs {
		b.wg.Go(func() { b.deliver(ev, j.d, j.r, j.t, j.payload) })
	}
}

func (b *Bus) record(ev *Logged) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recent = append(b.recent, ev)
	if len(b.recent) > b.opts.Keep {
		b.recent = b.recent[len(b.recent)-b.opts.Keep:]
	}
}

// deliver invokes the target as an asynchronous invocation, retrying
// failures to hand it over with back-off while the target's RetryPolicy
// allows, then sending the event to the target's dead-letter queue.
func (b *Bus) deliver(ev *Logged, d *Delivery, r *rule, t template.Target, payload []byte) {
	for attempt := 1; ; attempt++ {
		_, err := b.inv.Invoke(b.ctx, t.Function, payload)
		var failed *TargetFailed
		b.mu.Lock()
		d.Attempts = attempt
		switch {
		case err == nil:
			d.Status, d.Error = "delivered", ""
			b.mu.Unlock()
			return
		case errors.As(err, &failed):
			d.Status, d.Error, d.DeadLetter = "failed", err.Error(), failed.DeadLetter
			b.mu.Unlock()
			return
		}
		d.Error = err.Error()
		if b.ctx.Err() != nil {
			// The bus is stopping: EventBridge would have gone on, so the
			// event is neither retried nor dead-lettered.
			d.Status = "failed"
			b.mu.Unlock()
			return
		}
		condition := ""
		switch {
		case attempt > t.MaxRetries:
			condition = "MaximumRetryAttempts"
		case time.Since(ev.Received) > t.MaxEventAge:
			condition = "MaximumEventAgeInSeconds"
		}
		if condition != "" {
			d.Status, d.DeadLetter = "failed", t.DeadLetterARN
		}
		b.mu.Unlock()
		if condition != "" {
			b.log.Error("event delivery failed", "rule", d.Rule, "function", t.Function, "attempts", attempt,
				"deadLetter", t.DeadLetterARN, "error", err)
			b.deadLetter(r, t, payload, condition, attempt-1, err)
			return
		}
		select {
		case <-b.ctx.Done():
		case <-time.After(b.opts.RetryDelay(attempt)):
		}
	}
}

// deadLetter sends an event EventBridge could not deliver to the target's
// dead-letter queue, with the attributes EventBridge sets.
func (b *Bus) deadLetter(r *rule, t template.Target, payload []byte, condition string, retries int, err error) {
	if t.DeadLetterARN == "" || b.opts.DeadLetters == nil {
		return
	}
	msg := err.Error()
	if len(msg) > 1024 {
		msg = msg[:1024]
	}
	attrs := map[string]sqsemu.Attribute{
		"RULE_ARN":                  sqsemu.StringAttribute(r.ARN),
		"TARGET_ARN":                sqsemu.StringAttribute(b.fnARNs[t.Function]),
		"ERROR_CODE":                sqsemu.StringAttribute("SDK_CLIENT_ERROR"),
		"ERROR_MESSAGE":             sqsemu.StringAttribute(msg),
		"EXHAUSTED_RETRY_CONDITION": sqsemu.StringAttribute(condition),
		"RETRY_ATTEMPTS":            sqsemu.StringAttribute(strconv.Itoa(retries)),
	}
	if _, err := b.opts.DeadLetters.Send(t.DeadLetterARN, string(payload), attrs); err != nil {
		b.log.Error("send to a rule target's dead-letter queue", "rule", r.Name, "queue", t.DeadLetterARN, "error", err)
	}
}

// Recent returns the logged events, newest first, optionally only those of
// one detail-type.
func (b *Bus) Recent(detailType string) []Logged {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Logged, 0, len(b.recent))
	for i := len(b.recent) - 1; i >= 0; i-- {
		ev := b.recent[i]
		if detailType != "" && ev.DetailType != detailType {
			continue
		}
		cp := *ev
		cp.Deliveries = make([]*Delivery, len(ev.Deliveries))
		for j, d := range ev.Deliveries {
			dc := *d
			cp.Deliveries[j] = &dc
		}
		out = append(out, cp)
	}
	return out
}

// Calls returns how many API calls and entries the bus received.
func (b *Bus) Calls() (calls, entries int64) { return b.calls.Load(), b.entries.Load() }
