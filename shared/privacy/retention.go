package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/chat"
)

// Policy is a chat channel's retention: its closed conversations are
// deleted Days days after they closed (after their last activity, which
// a close is); 0 keeps them forever.
type Policy struct {
	ChannelID string
	InboxID   string
	Days      int
}

// RetentionBatch bounds the conversations one retention pass deletes per
// channel, so a pass fits in the sweep that runs it; the next sweep
// continues.
const RetentionBatch = 25

// Cursor is where a channel's retention passes are in its inbox's closed
// list: the store's places (Positions, opaque here) and when the current
// round through the list began (Since).
type Cursor struct {
	Positions []string
	Since     time.Time
}

// RetentionRound is how long a round through a channel's closed list
// lasts: then the passes start again from the oldest, so a conversation
// whose deletion failed is tried again, once a round.
const RetentionRound = 24 * time.Hour

// RetentionResult counts what a pass did.
type RetentionResult struct {
	Deleted int `json:"deleted"`
	Failed  int `json:"failed"`
}

// Retain deletes the closed conversations whose channel's retention has
// passed. A conversation reopened or active again since it was listed is
// kept. Each channel's pass goes on from where the last one stopped, so
// conversations kept or failing are not read again and again ahead of
// the ones due: a pass always reaches new ones.
func (s *Service) Retain(ctx context.Context, policies []Policy) (RetentionResult, error) {
	var (
		res   RetentionResult
		first error
	)
	now := s.now().UTC()
	for _, p := range policies {
		if p.Days <= 0 {
			continue
		}
		if err := s.retainChannel(ctx, p, now, &res); err != nil {
			first = firstOf(first, err)
		}
	}
	return res, first
}

// retainChannel runs one pass of a channel's retention from its cursor.
func (s *Service) retainChannel(ctx context.Context, p Policy, now time.Time, res *RetentionResult) error {
	cur, err := s.store.RetentionCursor(ctx, p.ChannelID)
	if err != nil {
		return fmt.Errorf("retention of %s: %w", p.ChannelID, err)
	}
	if now.Sub(cur.Since) >= RetentionRound {
		cur = Cursor{Since: now}
	}
	cutoff := now.Add(-time.Duration(p.Days) * 24 * time.Hour)
	convs, next, err := s.store.ClosedBefore(ctx, p.InboxID, p.ChannelID, cutoff, cur, RetentionBatch)
	if err != nil {
		return fmt.Errorf("retention of %s: %w", p.ChannelID, err)
	}
	var first error
	for _, c := range convs {
		// Read again: an agent's reply may have reopened it since.
		fresh, err := s.store.Conversation(ctx, c.ID)
		if errors.Is(err, chat.ErrNotFound) {
			continue
		}
		if err == nil && (fresh.Status != chat.StatusClosed || fresh.LastActivityAt.After(cutoff)) {
			continue
		}
		if err == nil {
			_, _, err = s.deleteConversation(ctx, c.ID)
		}
		if err != nil {
			res.Failed++
			first = firstOf(first, fmt.Errorf("retention of %s: %w", c.ID, err))
			continue
		}
		res.Deleted++
	}
	if err := s.store.SaveRetentionCursor(ctx, p.ChannelID, next); err != nil {
		return firstOf(first, fmt.Errorf("retention of %s: %w", p.ChannelID, err))
	}
	return first
}

func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
