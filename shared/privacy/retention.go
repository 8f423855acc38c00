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

// RetentionResult counts what a pass did.
type RetentionResult struct {
	Deleted int `json:"deleted"`
	Failed  int `json:"failed"`
}

// Retain deletes the closed conversations whose channel's retention has
// passed. A conversation reopened or active again since it was listed is
// kept.
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
		cutoff := now.Add(-time.Duration(p.Days) * 24 * time.Hour)
		convs, err := s.store.ClosedBefore(ctx, p.InboxID, p.ChannelID, cutoff, RetentionBatch)
		if err != nil {
			first = firstOf(first, fmt.Errorf("retention of %s: %w", p.ChannelID, err))
			continue
		}
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
	}
	return res, first
}

func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
