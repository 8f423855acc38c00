package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// API is the part of the EventBridge client the publisher uses.
type API interface {
	PutEvents(ctx context.Context, params *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// PutEvents limits: 10 entries and 256 KB per call.
const (
	maxEntries    = 10
	maxBatchBytes = 256 * 1024
)

// Publisher puts events on one bus.
type Publisher struct {
	api API
	bus string
	// Attempts per entry before it counts as failed; default 4.
	Attempts int
	// Backoff before retry i (1-based); default 100 ms * 2^(i-1).
	Backoff func(i int) time.Duration
}

// NewPublisher returns a Publisher for bus.
func NewPublisher(api API, bus string) *Publisher { return &Publisher{api: api, bus: bus} }

// entrySize is how PutEvents counts an entry's size.
func entrySize(e ebtypes.PutEventsRequestEntry) int {
	n := 14 // the Time field
	for _, s := range []*string{e.Source, e.DetailType, e.Detail, e.EventBusName} {
		if s != nil {
			n += len(*s)
		}
	}
	return n
}

// Publish puts evs on the bus in batches, retrying entries that fail, and
// returns, in ascending order, the indexes of the events that still failed
// after every attempt (nil when all were put), with the last error seen.
func (p *Publisher) Publish(ctx context.Context, evs []Event) ([]int, error) {
	entries := make([]ebtypes.PutEventsRequestEntry, len(evs))
	for i, ev := range evs {
		detail, err := json.Marshal(ev.Detail)
		if err != nil {
			return nil, fmt.Errorf("encode %s detail: %w", ev.DetailType, err)
		}
		entries[i] = ebtypes.PutEventsRequestEntry{
			Source: aws.String(Source), DetailType: aws.String(ev.DetailType), Detail: aws.String(string(detail)),
			EventBusName: aws.String(p.bus), Time: aws.Time(ev.Time),
		}
	}
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	backoff := p.Backoff
	if backoff == nil {
		backoff = func(i int) time.Duration { return 100 * time.Millisecond << (i - 1) }
	}
	pending := make([]int, len(evs))
	for i := range pending {
		pending[i] = i
	}
	var lastErr error
	for attempt := 1; attempt <= attempts && len(pending) > 0; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return pending, ctx.Err()
			case <-time.After(backoff(attempt - 1)):
			}
		}
		var failed []int
		for start := 0; start < len(pending); {
			end, size := start, 0
			for end < len(pending) && end-start < maxEntries && (end == start || size+entrySize(entries[pending[end]]) <= maxBatchBytes) {
				size += entrySize(entries[pending[end]])
				end++
			}
			batch := pending[start:end]
			in := &eventbridge.PutEventsInput{}
			for _, i := range batch {
				in.Entries = append(in.Entries, entries[i])
			}
			out, err := p.api.PutEvents(ctx, in)
			switch {
			case err != nil:
				lastErr = fmt.Errorf("put events: %w", err)
				failed = append(failed, batch...)
			case out.FailedEntryCount > 0:
				for j, r := range out.Entries {
					if r.ErrorCode != nil && j < len(batch) {
						failed = append(failed, batch[j])
						lastErr = fmt.Errorf("put events: entry %s: %s", *r.ErrorCode, aws.ToString(r.ErrorMessage))
					}
				}
			}
			start = end
		}
		pending = failed
	}
	if len(pending) == 0 {
		return nil, nil
	}
	return pending, lastErr
}
