// Package streams emulates DynamoDB Streams and Lambda's event source
// mappings for them: the AWS emulator reports every committed change of a
// table (awsemu.WatchTable), and a Mapping turns the changes into stream
// records (Lambda's DynamoDBEvent shape) and delivers them to its function
// in order per partition key, in batches, with the mapping's filter
// criteria, retries, partial batch responses (ReportBatchItemFailures),
// bisection and on-failure destination. Delivery runs on its own
// goroutines, never on the write path.
package streams

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/eventpattern"
	"github.com/parleychat/parley/infra/localcloud/sqsemu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

// Invoker invokes a function by logical id and returns its answer.
type Invoker interface {
	Invoke(ctx context.Context, logicalID string, payload []byte) ([]byte, error)
}

// Options configure a Mapping.
type Options struct {
	Region   string
	ViewType string // the table's StreamViewType
	HashKey  string // the table's partition key attribute
	Logger   *slog.Logger
	// Shards is the number of ordered delivery lanes; records with the
	// same partition key always share one. Default 4.
	Shards int
	// RetryDelay is the wait before retry n of a failed batch; default
	// 100 ms * n, at most 2 s.
	RetryDelay func(n int) time.Duration
	// DeadLetters receives the record of each batch the mapping gives up
	// on, for its on-failure destination; FunctionARN is named in it.
	DeadLetters DeadLetterSender
	FunctionARN string
}

// DeadLetterSender puts a message on a queue (the local SQS's Send).
type DeadLetterSender interface {
	Send(queueRef, body string, attrs map[string]sqsemu.Attribute) (string, error)
}

// Failure is a batch the mapping gave up on: what Lambda sends to the
// on-failure destination.
type Failure struct {
	Destination   string    `json:"destination"`
	FirstSequence string    `json:"startSequenceNumber"`
	LastSequence  string    `json:"endSequenceNumber"`
	BatchSize     int       `json:"batchSize"`
	Reason        string    `json:"reason"`
	At            time.Time `json:"at"`
}

// Stats counts what a mapping did.
type Stats struct {
	Records   int64     `json:"records"`   // records that passed the filter
	Filtered  int64     `json:"filtered"`  // records the filter dropped
	Batches   int64     `json:"batches"`   // invocations
	Retries   int64     `json:"retries"`   // invocations that retried records
	Failures  []Failure `json:"failures"`  // batches sent to the on-failure destination
	Delivered int64     `json:"delivered"` // records the function took
	// Duplicates counts batches delivered a second time (SetDuplicate).
	Duplicates int64 `json:"duplicates,omitempty"`
}

// Mapping is one event source mapping from a table's stream to a function.
type Mapping struct {
	esm     *template.EventSourceMapping
	inv     Invoker
	opts    Options
	log     *slog.Logger
	filters []*eventpattern.Pattern
	shards  []*shard
	seq     atomic.Int64
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	records, filtered, batches, retries, delivered atomic.Int64
	failMu                                         sync.Mutex
	failures                                       []Failure

	// Fault injection (faults.go).
	duplicate  atomic.Bool
	duplicates atomic.Int64
}

type shard struct {
	mu     sync.Mutex
	queue  []record
	signal chan struct{}
}

type record struct {
	seq     string
	json    json.RawMessage
	arrived time.Time
	shard   int
}

// New starts a Mapping; Close stops it.
func New(esm *template.EventSourceMapping, inv Invoker, opts Options) (*Mapping, error) {
	if opts.Shards <= 0 {
		opts.Shards = 4
	}
	if opts.RetryDelay == nil {
		opts.RetryDelay = func(n int) time.Duration { return min(time.Duration(n)*100*time.Millisecond, 2*time.Second) }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Mapping{esm: esm, inv: inv, opts: opts, log: opts.Logger}
	for i, f := range esm.Filters {
		p, err := eventpattern.Parse(f)
		if err != nil {
			return nil, fmt.Errorf("%s: filter %d: %w", esm.Source, i, err)
		}
		m.filters = append(m.filters, p)
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	for range opts.Shards {
		sh := &shard{signal: make(chan struct{}, 1)}
		m.shards = append(m.shards, sh)
		m.wg.Go(func() { m.run(sh) })
	}
	return m, nil
}

// Close stops delivery; records not yet delivered are dropped, as a
// deleted event source mapping leaves them.
func (m *Mapping) Close() {
	m.cancel()
	m.wg.Wait()
}

// Add takes committed changes (an awsemu.ChangeSink). It only queues them.
func (m *Mapping) Add(changes []awsemu.Change) {
	now := time.Now()
	for _, c := range changes {
		seq := fmt.Sprintf("%021d", m.seq.Add(1))
		name := "MODIFY"
		switch {
		case c.Old == nil:
			name = "INSERT"
		case c.New == nil:
			name = "REMOVE"
		}
		ddb := map[string]any{
			"ApproximateCreationDateTime": now.Unix(),
			"Keys":                        c.Keys,
			"SequenceNumber":              seq,
			"StreamViewType":              m.opts.ViewType,
		}
		size := 0
		if (m.opts.ViewType == "NEW_IMAGE" || m.opts.ViewType == "NEW_AND_OLD_IMAGES") && c.New != nil {
			ddb["NewImage"] = c.New
			size += imageSize(c.New)
		}
		if (m.opts.ViewType == "OLD_IMAGE" || m.opts.ViewType == "NEW_AND_OLD_IMAGES") && c.Old != nil {
			ddb["OldImage"] = c.Old
			size += imageSize(c.Old)
		}
		ddb["SizeBytes"] = size + imageSize(c.Keys)
		raw, err := json.Marshal(map[string]any{
			"eventID": uuid.NewString(), "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
			"awsRegion": m.opts.Region, "dynamodb": ddb, "eventSourceARN": m.esm.StreamARN,
		})
		if err != nil {
			m.log.Error("stream record", "error", err)
			continue
		}
		shard := m.shardOf(c.Keys)
		sh := m.shards[shard]
		sh.mu.Lock()
		sh.queue = append(sh.queue, record{seq: seq, json: raw, arrived: now, shard: shard})
		sh.mu.Unlock()
		select {
		case sh.signal <- struct{}{}:
		default:
		}
	}
}

func imageSize(img awsemu.Image) int {
	n := 0
	for k, v := range img {
		n += len(k) + len(v)
	}
	return n
}

func (m *Mapping) shardOf(keys awsemu.Image) int {
	h := fnv.New32a()
	h.Write(keys[m.opts.HashKey])
	return int(h.Sum32() % uint32(len(m.shards)))
}

func (m *Mapping) keep(r record) bool {
	if len(m.filters) == 0 {
		return true
	}
	var v any
	dec := json.NewDecoder(bytesReader(r.json))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return false
	}
	for _, f := range m.filters {
		if f.MatchValue(v) {
			return true
		}
	}
	return false
}

// run delivers one shard's records in order.
func (m *Mapping) run(sh *shard) {
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-sh.signal:
		}
		for {
			if !m.waitForBatch(sh) {
				return
			}
			sh.mu.Lock()
			var batch []record
			taken := 0
			for _, r := range sh.queue {
				if len(batch) == m.esm.BatchSize {
					break
				}
				taken++
				if m.keep(r) {
					batch = append(batch, r)
					m.records.Add(1)
				} else {
					m.filtered.Add(1)
				}
			}
			sh.queue = sh.queue[taken:]
			sh.mu.Unlock()
			if taken == 0 {
				break
			}
			if len(batch) > 0 && m.esm.Enabled {
				m.deliver(batch)
			}
			if m.ctx.Err() != nil {
				return
			}
		}
	}
}

// waitForBatch holds the shard's records until the oldest has waited the
// batching window or a full batch is queued, as Lambda does with
// MaximumBatchingWindowInSeconds. It reports false once the mapping closes.
func (m *Mapping) waitForBatch(sh *shard) bool {
	for {
		sh.mu.Lock()
		var wait time.Duration
		if n := len(sh.queue); n > 0 && n < m.esm.BatchSize {
			wait = m.esm.BatchingWindow - time.Since(sh.queue[0].arrived)
		}
		sh.mu.Unlock()
		if wait <= 0 {
			return true
		}
		t := time.NewTimer(wait)
		select {
		case <-m.ctx.Done():
			t.Stop()
			return false
		case <-sh.signal: // more records: is the batch full now?
			t.Stop()
		case <-t.C:
		}
	}
}

// deliver invokes the function with batch until it takes every record,
// the retries run out (the batch goes to the on-failure destination), or
// the mapping closes.
func (m *Mapping) deliver(batch []record) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			m.retries.Add(1)
			select {
			case <-m.ctx.Done():
				return
			case <-time.After(m.opts.RetryDelay(attempt)):
			}
		}
		from, err := m.invoke(batch)
		if err == nil && from < 0 {
			m.delivered.Add(int64(len(batch)))
			m.redeliver(batch)
			return
		}
		if err == nil {
			// A partial batch response: retry from the first failed record.
			m.delivered.Add(int64(from))
			batch = batch[from:]
		} else if m.esm.BisectOnError && len(batch) > 1 {
			m.log.Warn("stream batch failed; bisecting", "mapping", m.esm.Source, "records", len(batch), "error", err)
			m.deliver(batch[:len(batch)/2])
			m.deliver(batch[len(batch)/2:])
			return
		}
		if m.esm.MaxRetries >= 0 && attempt >= m.esm.MaxRetries {
			reason := "RetryAttemptsExhausted"
			m.log.Error("stream batch dropped to the on-failure destination", "mapping", m.esm.Source, "records", len(batch),
				"destination", m.esm.OnFailureARN, "error", err)
			m.failMu.Lock()
			m.failures = append(m.failures, Failure{Destination: m.esm.OnFailureARN, FirstSequence: batch[0].seq,
				LastSequence: batch[len(batch)-1].seq, BatchSize: len(batch), Reason: reason, At: time.Now().UTC()})
			m.failMu.Unlock()
			m.sendFailure(batch, reason, attempt+1, err)
			return
		}
	}
}

// sendFailure sends the record of a batch given up on to the on-failure
// destination, in the shape Lambda sends: where the batch is in the
// stream, not the records themselves.
func (m *Mapping) sendFailure(batch []record, reason string, invocations int, err error) {
	if m.esm.OnFailureARN == "" || m.opts.DeadLetters == nil {
		return
	}
	functionError := "Unhandled"
	if err == nil {
		functionError = "" // the function answered, naming failed records
	}
	body, merr := json.Marshal(map[string]any{
		"requestContext": map[string]any{
			"requestId": uuid.NewString(), "functionArn": m.opts.FunctionARN, "condition": reason, "approximateInvokeCount": invocations,
		},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": functionError},
		"version":         "1.0",
		"timestamp":       time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		"DDBStreamBatchInfo": map[string]any{
			"shardId":                         ShardID(batch[0].shard),
			"startSequenceNumber":             batch[0].seq,
			"endSequenceNumber":               batch[len(batch)-1].seq,
			"approximateArrivalOfFirstRecord": batch[0].arrived.UTC().Format("2006-01-02T15:04:05Z"),
			"approximateArrivalOfLastRecord":  batch[len(batch)-1].arrived.UTC().Format("2006-01-02T15:04:05Z"),
			"batchSize":                       len(batch),
			"streamArn":                       m.esm.StreamARN,
		},
	})
	if merr == nil {
		_, merr = m.opts.DeadLetters.Send(m.esm.OnFailureARN, string(body), nil)
	}
	if merr != nil {
		m.log.Error("send a failed stream batch to its on-failure destination", "mapping", m.esm.Source, "error", merr)
	}
}

// ShardID is the id of the stream shard (the mapping's delivery lane) i.
func ShardID(i int) string { return fmt.Sprintf("shardId-%020d-00000001", i) }

// invoke sends one batch. It returns -1 when every record was taken, or
// the index of the first record to retry when the function reported batch
// item failures; err when the invocation failed as a whole.
func (m *Mapping) invoke(batch []record) (int, error) {
	recs := make([]json.RawMessage, len(batch))
	for i, r := range batch {
		recs[i] = r.json
	}
	payload, err := json.Marshal(map[string]any{"Records": recs})
	if err != nil {
		return 0, err
	}
	m.batches.Add(1)
	out, err := m.inv.Invoke(m.ctx, m.esm.Function, payload)
	if err != nil {
		return 0, err
	}
	if !m.esm.ReportBatchItemFailures {
		return -1, nil
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if len(out) == 0 || string(out) == "null" || json.Unmarshal(out, &resp) != nil || len(resp.BatchItemFailures) == 0 {
		return -1, nil
	}
	first := -1
	for _, f := range resp.BatchItemFailures {
		idx := -1
		for i, r := range batch {
			if r.seq == f.ItemIdentifier {
				idx = i
			}
		}
		if idx < 0 {
			// Lambda treats an unknown identifier as a failure of the
			// whole batch.
			return 0, fmt.Errorf("batch item failure names unknown record %q", f.ItemIdentifier)
		}
		if first < 0 || idx < first {
			first = idx
		}
	}
	return first, nil
}

// Stats returns what the mapping did so far.
func (m *Mapping) Stats() Stats {
	m.failMu.Lock()
	defer m.failMu.Unlock()
	return Stats{Records: m.records.Load(), Filtered: m.filtered.Load(), Batches: m.batches.Load(),
		Retries: m.retries.Load(), Delivered: m.delivered.Load(), Failures: append([]Failure(nil), m.failures...),
		Duplicates: m.duplicates.Load()}
}

// Idle reports whether every queued record has been delivered or dropped.
func (m *Mapping) Idle() bool {
	for _, sh := range m.shards {
		sh.mu.Lock()
		n := len(sh.queue)
		sh.mu.Unlock()
		if n > 0 {
			return false
		}
	}
	return m.records.Load() == m.delivered.Load()+m.failedRecords()
}

func (m *Mapping) failedRecords() int64 {
	m.failMu.Lock()
	defer m.failMu.Unlock()
	var n int64
	for _, f := range m.failures {
		n += int64(f.BatchSize)
	}
	return n
}
