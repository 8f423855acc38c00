package chat

// Connections: who opened a socket, and forgetting it when it closes.

import (
	"context"
	"errors"
	"fmt"
)

// Connect consumes a verified ticket and stores the connection it opens.
// An agent's ticket principal carries its memberships (see Member): its
// socket listens to those inboxes.
func (s *Service) Connect(ctx context.Context, connectionID string, t Ticket) error {
	if connectionID == "" || t.ID == "" || t.Principal.ID == "" {
		return invalid("connection and ticket are required")
	}
	if err := s.store.ConsumeTicket(ctx, t.ID, t.ExpiresAt); err != nil {
		if errors.Is(err, ErrConflict) {
			return &Error{Kind: ErrUnauthorized, Message: "ticket already used"}
		}
		return fmt.Errorf("consume ticket: %w", err)
	}
	c := Connection{ID: connectionID, Principal: t.Principal, ConnectedAt: s.now().UTC()}
	switch t.Principal.Role {
	case RoleAgent:
		c.Inboxes = t.Principal.Inboxes
	case RoleVisitor:
		c.Principal.ChannelID = t.ChannelID
		c.Device = t.Device
	}
	if err := s.store.SaveConnection(ctx, c); err != nil {
		return fmt.Errorf("save connection %s: %w", connectionID, err)
	}
	if t.Principal.Role == RoleVisitor {
		s.visitorCame(ctx, t.Principal.ID)
	}
	return nil
}

// Disconnect forgets a connection.
func (s *Service) Disconnect(ctx context.Context, connectionID string) error {
	c, err := s.store.DeleteConnection(ctx, connectionID)
	if err != nil {
		return fmt.Errorf("delete connection %s: %w", connectionID, err)
	}
	switch c.Principal.Role {
	case RoleVisitor:
		s.visitorLeft(ctx, c.Principal.ID)
	case RoleAgent:
		s.agentSocketClosed(ctx, c)
	}
	return nil
}

// Principal returns who opened a connection.
func (s *Service) Principal(ctx context.Context, connectionID string) (Principal, error) {
	c, err := s.store.Connection(ctx, connectionID)
	if errors.Is(err, ErrNotFound) {
		return Principal{}, &Error{Kind: ErrUnauthorized, Message: "unknown connection"}
	}
	if err != nil {
		return Principal{}, fmt.Errorf("connection %s: %w", connectionID, err)
	}
	p := c.Principal
	if p.Role == RoleAgent {
		// An agent's socket listens to the inboxes it was a member of
		// when it connected: those are its memberships.
		p.Inboxes = c.Inboxes
	}
	return p, nil
}

// principalOf finds the sender among a conversation's listeners, which
// saves the connection lookup on the hot path, and falls back to it. An
// agent's listener item written before listener items carried
// memberships names none: the connection tells them.
func (s *Service) principalOf(ctx context.Context, connectionID string, listeners []Listener) (Principal, error) {
	for _, l := range listeners {
		if l.ConnectionID == connectionID && (l.Principal.Role != RoleAgent || len(l.Principal.Inboxes) > 0) {
			return l.Principal, nil
		}
	}
	return s.Principal(ctx, connectionID)
}
