package reports

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// Recompute replaces what a conversation adds to the rollups by what its
// entries from the seq stream (c) add: the backfill's step, through the
// same pure function as Record. The state's entries are kept where c has
// none of that seq (an event recorded while the stream was read), c's win
// where both have one (a fix of how events are read applies). c's entries
// are counted again with the account's zone and the channel's hours in
// force now, on purpose: how they were counted before is dropped. It
// reports whether any rollup changed: a second run changes nothing.
//
// A conversation without a state was never counted (it predates the
// consumer), so all of its contribution is added.
func (r *Recorder) Recompute(ctx context.Context, cid string, c Conversation) (bool, error) {
	for attempt := 0; ; attempt++ {
		s, err := r.st.LoadReportState(ctx, cid)
		if err != nil {
			return false, fmt.Errorf("reports: load %s: %w", cid, err)
		}
		merged := Conversation{InboxID: c.InboxID, ChannelID: c.ChannelID, Entries: append([]Entry(nil), c.Entries...)}
		for i := range merged.Entries {
			merged.Entries[i].Counted = nil
		}
		for _, e := range s.Conversation.Entries {
			merged.Add(e)
		}
		if len(merged.Entries) > MaxEntries {
			return false, fmt.Errorf("%w: %s has %d", ErrTooLong, cid, len(merged.Entries))
		}
		next, err := r.count(ctx, &merged)
		if err != nil {
			return false, err
		}
		delta := Diff(s.Added, next)
		// Nothing to write when neither the rollups nor the entries (nor
		// how they were counted) change: a second run.
		if len(delta) == 0 && s.Version > 0 && reflect.DeepEqual(merged.Entries, s.Conversation.Entries) {
			return false, nil
		}
		err = r.st.SaveReportState(ctx, cid, State{Conversation: merged, Added: next, Version: s.Version}, delta)
		if err == nil {
			return len(delta) > 0, nil
		}
		if !errors.Is(err, ErrConflict) || attempt+1 >= maxAttempts {
			return false, fmt.Errorf("reports: save %s: %w", cid, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return false, err
		}
	}
}
