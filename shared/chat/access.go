package chat

import (
	"context"
	"errors"
	"fmt"
)

// CheckAccess tells whether p may reach the conversation: a visitor its
// own, an agent those of its inbox. A forbidden id answers exactly like an
// unknown one.
func (s *Service) CheckAccess(ctx context.Context, p Principal, conversationID string) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	c, err := s.store.Conversation(ctx, conversationID)
	switch {
	case errors.Is(err, ErrNotFound):
		return notFound()
	case err != nil:
		return fmt.Errorf("conversation %s: %w", conversationID, err)
	case !s.visible(p, c):
		return notFound()
	}
	return nil
}
