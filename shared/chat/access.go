package chat

// Access: which conversations a caller may reach. Every use case opens
// with one of these helpers, so an id the caller may not see answers
// exactly like an unknown one everywhere.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
)

// notFound is the one answer for unknown and forbidden ids alike.
func notFound() error { return &Error{Kind: ErrNotFound, Message: "conversation not found"} }

func (s *Service) visible(p Principal, c Conversation) bool {
	switch p.Role {
	case RoleVisitor:
		return c.VisitorID == p.ID
	case RoleAgent:
		return slices.Contains(p.Inboxes, c.InboxID)
	}
	return false
}

// conversation reads a conversation p may see.
func (s *Service) conversation(ctx context.Context, p Principal, conversationID string) (Conversation, error) {
	c, err := s.store.Conversation(ctx, conversationID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Conversation{}, notFound()
	case err != nil:
		return Conversation{}, fmt.Errorf("conversation %s: %w", conversationID, err)
	case !s.visible(p, c):
		return Conversation{}, notFound()
	}
	return c, nil
}

// reach reads a conversation p may see with its listeners, in one read.
func (s *Service) reach(ctx context.Context, p Principal, conversationID string) (Conversation, []Listener, error) {
	c, listeners, err := s.conversationListeners(ctx, conversationID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Conversation{}, nil, notFound()
	case err != nil:
		return Conversation{}, nil, fmt.Errorf("conversation %s: %w", conversationID, err)
	case !s.visible(p, c):
		return Conversation{}, nil, notFound()
	}
	return c, listeners, nil
}

// reachFrom is reach for the principal behind a connection: the sender is
// found among the conversation's listeners when it is one, which saves the
// connection's read on the hot path. An unknown connection is refused
// before anything is said about the conversation.
func (s *Service) reachFrom(ctx context.Context, connectionID, conversationID string) (Principal, Conversation, []Listener, error) {
	c, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Principal{}, Conversation{}, nil, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	exists := err == nil
	p, err := s.principalOf(ctx, connectionID, listeners)
	if err != nil {
		return Principal{}, Conversation{}, nil, err
	}
	if !exists || !s.visible(p, c) {
		return Principal{}, Conversation{}, nil, notFound()
	}
	return p, c, listeners, nil
}

// CheckAccess tells whether p may reach the conversation: a visitor its
// own, an agent those of its inboxes. A forbidden id answers exactly like an
// unknown one.
func (s *Service) CheckAccess(ctx context.Context, p Principal, conversationID string) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	_, err := s.conversation(ctx, p, conversationID)
	return err
}

// ConversationChannel returns the chat channel of a conversation p may
// reach (its files follow the channel's limits); a forbidden id answers
// exactly like an unknown one.
func (s *Service) ConversationChannel(ctx context.Context, p Principal, conversationID string) (string, error) {
	if err := checkID("conversationId", conversationID); err != nil {
		return "", err
	}
	c, err := s.conversation(ctx, p, conversationID)
	return c.ChannelID, err
}

// prefetched is a read of a conversation with its listeners started
// before the request knew who may see it (see Prefetch).
type prefetched struct {
	id        string
	done      chan struct{}
	taken     atomic.Bool
	conv      Conversation
	listeners []Listener
	err       error
}

type prefetchKey struct{}

// Prefetch starts reading conversationID with its listeners for the
// request of ctx, and returns the context that carries the read and the
// function that ends it (call it when the request is done: it cancels the
// read if nothing took it, and waits for it). The agent API calls it
// before the agent's access check, so that the two reads overlap instead
// of following each other: a reply waits for one DynamoDB round trip
// fewer. Nothing is said or written before the check has passed and reach
// has checked the conversation against the agent's inboxes; the first
// reach of that conversation in the request takes the read, any later one
// reads again. A malformed id starts nothing (the use case refuses it).
func (s *Service) Prefetch(ctx context.Context, conversationID string) (context.Context, func()) {
	if !ValidID(conversationID) {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &prefetched{id: conversationID, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.conv, f.listeners, f.err = s.store.ConversationListeners(ctx, conversationID)
	}()
	return context.WithValue(ctx, prefetchKey{}, f), func() {
		cancel()
		<-f.done
	}
}

// conversationListeners reads a conversation with its listeners, or takes
// the request's prefetched read of it.
func (s *Service) conversationListeners(ctx context.Context, conversationID string) (Conversation, []Listener, error) {
	if f, ok := ctx.Value(prefetchKey{}).(*prefetched); ok && f.id == conversationID && f.taken.CompareAndSwap(false, true) {
		select {
		case <-f.done:
			return f.conv, f.listeners, f.err
		case <-ctx.Done():
			return Conversation{}, nil, ctx.Err()
		}
	}
	return s.store.ConversationListeners(ctx, conversationID)
}
