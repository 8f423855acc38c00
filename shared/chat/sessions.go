package chat

// Widget sessions: a visitor is created or resumed before any socket opens.

import (
	"context"
	"errors"
	"fmt"
)

// Session resumes visitorID when it names a visitor of channelID and
// otherwise creates a new visitor. It returns the visitor's conversations.
func (s *Service) Session(ctx context.Context, channelID, visitorID string) (Visitor, []VisitorConversation, error) {
	if _, err := s.channelOf(ctx, channelID); err != nil {
		return Visitor{}, nil, err
	}
	if visitorID != "" {
		v, err := s.store.Visitor(ctx, visitorID)
		switch {
		case err == nil && v.ChannelID == channelID:
			convs, err := s.store.VisitorConversations(ctx, v.ID, visitorHistory)
			if err != nil {
				return Visitor{}, nil, fmt.Errorf("session %s: %w", v.ID, err)
			}
			out := make([]VisitorConversation, 0, len(convs))
			for _, c := range convs {
				out = append(out, c.VisitorSummary())
			}
			return v, out, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return Visitor{}, nil, fmt.Errorf("session %s: %w", visitorID, err)
		}
	}
	v := Visitor{ID: s.newID(), ChannelID: channelID, CreatedAt: s.now().UTC()}
	if err := s.store.CreateVisitor(ctx, v); err != nil {
		return Visitor{}, nil, fmt.Errorf("create visitor: %w", err)
	}
	return v, []VisitorConversation{}, nil
}
