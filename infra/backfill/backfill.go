// Package backfill recomputes the reports' rollups of a date range from
// the conversations' seq streams (docs/reports.md, "Backfill"): each
// conversation active in the range is read back, turned into the events
// the live consumer would have received (events.FromMessage), read as
// the consumer reads them (reports.Parse), and its contribution replaced
// through the same pure function (reports.Recorder.Recompute). So a fix or
// a new metric reaches history, and running it twice changes nothing.
//
// It pages through each inbox's list partitions a bounded page at a time,
// at a bounded rate, and after every page reports a cursor from which a
// later run continues.
package backfill

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/events"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
)

// Source is what the backfill reads (the DynamoDB store).
type Source interface {
	InboxIDs(ctx context.Context) ([]string, error)
	ActiveConversations(ctx context.Context, q store.ActivePage) ([]chat.Conversation, string, error)
	SeqStream(ctx context.Context, c chat.Conversation, limit int) ([]store.StreamMessage, error)
}

// Recomputer replaces a conversation's contribution (reports.Recorder).
type Recomputer interface {
	Recompute(ctx context.Context, cid string, c reports.Conversation) (bool, error)
}

// Options say what to recompute.
type Options struct {
	// From and To are the range's days (YYYY-MM-DD, inclusive) in Zone,
	// the account's time zone (ReportsTimeZone).
	From, To string
	Zone     *time.Location
	// PageSize is how many conversations one read of a list partition
	// returns (default 50).
	PageSize int
	// Rate bounds the conversations recomputed per second (0: no bound).
	Rate float64
	// Cursor continues an earlier run of the same range ("" starts).
	Cursor string
	// Inboxes limits the run to these inboxes (none: every inbox).
	Inboxes []string
}

// Progress is where a run is: the cursor to continue from (empty once
// done) and the conversations seen and changed so far.
type Progress struct {
	Cursor        string
	Conversations int
	Changed       int
}

// ErrCursor is a cursor that is not one, or is of another range.
var ErrCursor = errors.New("backfill: the cursor is not one of this range")

// cursor is where a run stands: an inbox, one of its list partitions and
// the last sort key read there.
type cursor struct {
	From  string `json:"f"`
	To    string `json:"t"`
	Inbox string `json:"i"`
	Part  int    `json:"p"`
	After string `json:"a,omitempty"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, from, to string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.From != from || c.To != to || c.Part < 0 || c.Part > store.BackfillParts {
		return cursor{}, ErrCursor
	}
	return c, nil
}

// Run recomputes the range, calling progress after every page.
func Run(ctx context.Context, src Source, rec Recomputer, o Options, progress func(Progress)) (Progress, error) {
	if o.Zone == nil {
		return Progress{}, errors.New("backfill: the account's time zone is missing")
	}
	from, errF := time.ParseInLocation(time.DateOnly, o.From, o.Zone)
	to, errT := time.ParseInLocation(time.DateOnly, o.To, o.Zone)
	if errF != nil || errT != nil || to.Before(from) {
		return Progress{}, fmt.Errorf("backfill: from and to are days (YYYY-MM-DD), from first: %q, %q", o.From, o.To)
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.Rate < 0 {
		return Progress{}, fmt.Errorf("backfill: rate %v is negative", o.Rate)
	}
	until := to.AddDate(0, 0, 1)
	inboxes := slices.Clone(o.Inboxes)
	if len(inboxes) == 0 {
		var err error
		if inboxes, err = src.InboxIDs(ctx); err != nil {
			return Progress{}, fmt.Errorf("backfill: %w", err)
		}
	}
	slices.Sort(inboxes)
	at := cursor{From: o.From, To: o.To}
	if o.Cursor != "" {
		var err error
		if at, err = decodeCursor(o.Cursor, o.From, o.To); err != nil {
			return Progress{}, err
		}
	}
	var (
		p    Progress
		tick = pacer(o.Rate)
	)
	for _, inbox := range inboxes {
		if at.Inbox != "" && inbox < at.Inbox {
			continue
		}
		if inbox != at.Inbox {
			at = cursor{From: o.From, To: o.To, Inbox: inbox}
		}
		for ; at.Part < store.BackfillParts; at.Part, at.After = at.Part+1, "" {
			for {
				convs, next, err := src.ActiveConversations(ctx, store.ActivePage{
					InboxID: inbox, Part: at.Part, Since: from, Until: until, After: at.After, Limit: o.PageSize,
				})
				if err != nil {
					return p, fmt.Errorf("backfill: %w", err)
				}
				for _, c := range convs {
					if err := tick(ctx); err != nil {
						return p, err
					}
					changed, err := recompute(ctx, src, rec, c)
					if err != nil {
						return p, fmt.Errorf("backfill: %w", err)
					}
					p.Conversations++
					if changed {
						p.Changed++
					}
				}
				if next == "" {
					break
				}
				at.After = next
				p.Cursor = at.encode()
				progress(p)
			}
			p.Cursor = cursor{From: o.From, To: o.To, Inbox: inbox, Part: at.Part + 1}.encode()
			progress(p)
		}
	}
	p.Cursor = ""
	progress(p)
	return p, nil
}

// recompute reads a conversation's seq stream and replaces its
// contribution.
func recompute(ctx context.Context, src Source, rec Recomputer, c chat.Conversation) (bool, error) {
	stream, err := src.SeqStream(ctx, c, 100)
	if err != nil {
		return false, err
	}
	conv, err := Entries(c, stream)
	if err != nil {
		return false, err
	}
	return rec.Recompute(ctx, c.ID, conv)
}

// Entries reads a conversation's seq stream as the live consumer reads its
// events: the same events, parsed by the same function.
func Entries(c chat.Conversation, stream []store.StreamMessage) (reports.Conversation, error) {
	out := reports.Conversation{InboxID: c.InboxID, ChannelID: c.ChannelID}
	for _, sm := range stream {
		for _, e := range events.FromMessage(sm) {
			detail, err := json.Marshal(e.Detail)
			if err != nil {
				return reports.Conversation{}, fmt.Errorf("event of %s: %w", c.ID, err)
			}
			ev, ok, err := reports.Parse(events.Source, e.DetailType, detail)
			if err != nil {
				return reports.Conversation{}, fmt.Errorf("event of %s: %w", c.ID, err)
			}
			if ok {
				out.Add(ev.Entry)
			}
		}
	}
	return out, nil
}

// pacer returns a wait that lets at most rate calls a second through
// (no wait when rate is 0).
func pacer(rate float64) func(context.Context) error {
	if rate == 0 {
		return func(ctx context.Context) error { return ctx.Err() }
	}
	every := time.Duration(float64(time.Second) / rate)
	var next time.Time
	return func(ctx context.Context) error {
		now := time.Now()
		if next.Before(now) {
			next = now
		}
		wait := time.NewTimer(next.Sub(now))
		defer wait.Stop()
		next = next.Add(every)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wait.C:
			return nil
		}
	}
}

// ChannelStore reads chat channels (the DynamoDB store).
type ChannelStore interface {
	Channel(ctx context.Context, id string) (settings.Channel, error)
}

// StoredHours reads the channels' opening hours from the store, each once
// per run (reports.Hours).
type StoredHours struct {
	st   ChannelStore
	mu   sync.Mutex
	read map[string]*availability.Schedule
}

// NewStoredHours returns the hours read from st.
func NewStoredHours(st ChannelStore) *StoredHours {
	return &StoredHours{st: st, read: map[string]*availability.Schedule{}}
}

// ChannelSchedule implements reports.Hours. Stored hours that no longer
// parse count as none, as the widget's availability does.
func (h *StoredHours) ChannelSchedule(ctx context.Context, id string) (*availability.Schedule, error) {
	h.mu.Lock()
	s, ok := h.read[id]
	h.mu.Unlock()
	if ok {
		return s, nil
	}
	ch, err := h.st.Channel(ctx, id)
	if errors.Is(err, chat.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("channel %s: %w", id, err)
	}
	if s, err = availability.New(ch.Availability); err != nil {
		s = nil
	}
	h.mu.Lock()
	h.read[id] = s
	h.mu.Unlock()
	return s, nil
}
