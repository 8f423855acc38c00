package chat

// Who the visitor is, as far as conversations carry it: the name agents
// see in the list, and the visitor's sockets.

import (
	"context"
	"fmt"
	"log/slog"
)

// Device is what a visitor's socket said of the browser: a summary of its
// user agent (shared/useragent) and the approximate location the platform
// gave, as an ISO 3166 country code; each "" when unknown.
type Device struct {
	Browser string `json:"browser"`
	OS      string `json:"os"`
	Country string `json:"country"`
}

// visitorName is the name a new conversation starts with. A failed read
// costs the name, never the message: the list shows the visitor's id
// until the contact next changes.
func (s *Service) visitorName(ctx context.Context, visitorID string) string {
	name, err := s.store.VisitorName(ctx, visitorID)
	if err != nil {
		slog.ErrorContext(ctx, "read visitor name", "visitorId", visitorID, "error", err)
		return ""
	}
	return name
}

// NameVisitor copies the name agents call a visitor by (its contact's
// name, or address) into the visitor's recent conversations and tells
// the inboxes, so the list, the thread and notifications follow a change
// of contact. It runs when the contact changes, never per message.
func (s *Service) NameVisitor(ctx context.Context, visitorID, name string) error {
	changed, err := s.store.SetVisitorName(ctx, visitorID, name)
	if err != nil {
		return fmt.Errorf("name visitor %s: %w", visitorID, err)
	}
	s.pushSummaries(ctx, changed, false)
	return nil
}

// VisitorConnections lists a visitor's open sockets.
func (s *Service) VisitorConnections(ctx context.Context, visitorID string) ([]string, error) {
	ids, err := s.store.VisitorListeners(ctx, visitorID)
	if err != nil {
		return nil, fmt.Errorf("connections of visitor %s: %w", visitorID, err)
	}
	return ids, nil
}
