package chat

// Preferences: how each agent wants to be told of what happens while the
// inbox's tab is in the background. They are kept on the server, so they
// follow the agent from browser to browser; the inbox applies them.

import (
	"context"
	"errors"
	"fmt"
)

// Preferences are an agent's notification preferences.
type Preferences struct {
	// Sound plays a chime with each desktop notification the categories
	// below allow.
	Sound   bool                 `json:"sound"`
	Desktop DesktopNotifications `json:"desktop"`
}

// DesktopNotifications says which events show a desktop notification.
type DesktopNotifications struct {
	// NewConversations: a visitor starts a conversation in one of the
	// agent's inboxes.
	NewConversations bool `json:"newConversations"`
	// Assigned: a conversation is assigned to the agent (by someone else),
	// and each visitor message in a conversation assigned to it.
	Assigned bool `json:"assigned"`
	// Mentions: a note mentions the agent.
	Mentions bool `json:"mentions"`
	// Messages: every visitor message in the agent's inboxes.
	Messages bool `json:"messages"`
}

// DefaultPreferences are an agent's preferences until it sets its own:
// sound, and desktop notifications for everything but every message.
func DefaultPreferences() Preferences {
	return Preferences{Sound: true, Desktop: DesktopNotifications{NewConversations: true, Assigned: true, Mentions: true}}
}

// Preferences returns the agent's notification preferences.
func (s *Service) Preferences(ctx context.Context, agent Principal) (Preferences, error) {
	p, err := s.store.Preferences(ctx, agent.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return DefaultPreferences(), nil
	case err != nil:
		return Preferences{}, fmt.Errorf("preferences of %s: %w", agent.ID, err)
	}
	return p, nil
}

// SetPreferences replaces the agent's notification preferences.
func (s *Service) SetPreferences(ctx context.Context, agent Principal, p Preferences) (Preferences, error) {
	if err := s.store.PutPreferences(ctx, agent.ID, p); err != nil {
		return Preferences{}, fmt.Errorf("set preferences of %s: %w", agent.ID, err)
	}
	return p, nil
}
