package store

import (
	"context"
	"fmt"
)

// InboxIDs implements reports.Inboxes: the account's inboxes, whose
// rollups an account-wide report adds up (one Query of the settings).
func (s *Store) InboxIDs(ctx context.Context) ([]string, error) {
	list, err := s.Inboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox ids: %w", err)
	}
	ids := make([]string, len(list))
	for i, in := range list {
		ids[i] = in.ID
	}
	return ids, nil
}
