package reports

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
)

// ErrConflict is what Store.Save answers when the conversation's state
// changed since Load: another event of it was recorded meanwhile.
var ErrConflict = errors.New("reports: conversation changed meanwhile")

// State is what the consumer keeps per conversation: its entries (each
// with how it was counted) and the rollups they added, at a version.
type State struct {
	Conversation Conversation
	// Added is what the entries added to the rollups when last saved
	// (kept rather than recomputed, so a change of how a metric is
	// computed never subtracts what was not added).
	Added   Rollups
	Version int64
}

// Store keeps the conversations' states and the rollups.
type Store interface {
	// LoadReportState returns the conversation's state (Version 0 when
	// none is stored).
	LoadReportState(ctx context.Context, conversationID string) (State, error)
	// SaveReportState stores s as version s.Version+1 if the stored
	// version is still s.Version, and adds delta to the rollups in the
	// same transaction; ErrConflict otherwise.
	SaveReportState(ctx context.Context, conversationID string, s State, delta Rollups) error
	// ReportDays returns the rollups of the dimension's days in [from, to].
	ReportDays(ctx context.Context, dim, id, from, to string) ([]Day, error)
}

// Day is one day's rollup.
type Day struct {
	Date     string
	Counters Counters
}

// Hours reads the chat channels' opening hours (the settings' cache
// implements it). A channel that is not found has none.
type Hours interface {
	ChannelSchedule(ctx context.Context, channelID string) (*availability.Schedule, error)
}

// Recorder applies events to the rollups.
type Recorder struct {
	st    Store
	loc   *time.Location
	hours Hours
}

// NewRecorder returns a recorder writing to st with days in loc and
// business hours from hours.
func NewRecorder(st Store, loc *time.Location, hours Hours) (*Recorder, error) {
	if st == nil || loc == nil || hours == nil {
		return nil, errors.New("reports: the recorder needs its store, the account's time zone and the channels' hours")
	}
	return &Recorder{st: st, loc: loc, hours: hours}, nil
}

// count computes c's contribution, its entries not counted yet with the
// account's zone and its channel's hours (a channel without opening hours,
// always open, team status, or not found, measures business hours as
// wall-clock time), and records in each entry how it was counted. An
// entry counted already keeps its day and its times' business hours, so
// a change of the zone or of the hours moves no counted number.
func (r *Recorder) count(ctx context.Context, c *Conversation) (Rollups, error) {
	var hours *availability.Schedule
	if c.ChannelID != "" {
		sch, err := r.hours.ChannelSchedule(ctx, c.ChannelID)
		switch {
		case errors.Is(err, chat.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("reports: hours of channel %s: %w", c.ChannelID, err)
		default:
			hours = sch
		}
	}
	next, counted := c.count(r.loc, hours)
	for i := range c.Entries {
		c.Entries[i].Counted = counted[i]
	}
	return next, nil
}

// MaxEntries bounds the events kept per conversation: the state stays
// about 200 KB as JSON (some 20 KB deflated, as stored), well inside
// DynamoDB's 400 KB item, and its write cost bounded. Events past it are
// not counted (logged, see Record).
const MaxEntries = 2000

// ErrTooLong is what Record answers for an event of a conversation that
// already has MaxEntries events: retrying does not help.
var ErrTooLong = errors.New("reports: conversation has too many events to count")

// maxAttempts bounds the re-reads when events of one conversation are
// recorded at the same moment.
const maxAttempts = 8

// Record adds ev to its conversation and applies the change of the
// conversation's contribution to the rollups. It reports false for an
// event already recorded (nothing changes).
func (r *Recorder) Record(ctx context.Context, ev Event) (bool, error) {
	for attempt := 0; ; attempt++ {
		s, err := r.st.LoadReportState(ctx, ev.ConversationID)
		if err != nil {
			return false, fmt.Errorf("reports: load %s: %w", ev.ConversationID, err)
		}
		c := s.Conversation
		// count sets the entries' Counted: the loaded state's stay as
		// they were read, for another attempt.
		c.Entries = slices.Clone(c.Entries)
		if c.InboxID == "" {
			c.InboxID = ev.InboxID
		}
		if c.ChannelID == "" {
			c.ChannelID = ev.ChannelID
		}
		if !c.Add(ev.Entry) {
			return false, nil
		}
		if len(c.Entries) > MaxEntries {
			return false, fmt.Errorf("%w: %s has %d", ErrTooLong, ev.ConversationID, MaxEntries)
		}
		next, err := r.count(ctx, &c)
		if err != nil {
			return false, err
		}
		err = r.st.SaveReportState(ctx, ev.ConversationID, State{Conversation: c, Added: next, Version: s.Version}, Diff(s.Added, next))
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, ErrConflict) || attempt+1 >= maxAttempts {
			return false, fmt.Errorf("reports: save %s: %w", ev.ConversationID, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return false, err
		}
	}
}

// backoff waits before another attempt to save a conversation's state:
// full jitter, so writers of one conversation do not collide again.
func backoff(ctx context.Context, attempt int) error {
	wait := time.NewTimer(time.Duration(rand.Int64N(int64(10*time.Millisecond) << min(attempt, 4))))
	defer wait.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wait.C:
		return nil
	}
}
