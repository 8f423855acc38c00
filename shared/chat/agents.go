package chat

// Agents: the profile an agent edits, and the agents of its inboxes.

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Me returns the agent's profile with its status, creating the profile
// from the identity provider's claims on first use.
func (s *Service) Me(ctx context.Context, agent Principal, email string) (Agent, error) {
	a, err := s.Profile(ctx, agent, email)
	if err != nil {
		return Agent{}, err
	}
	return s.withStatus(ctx, a)
}

// withStatus fills the profile's status and presence.
func (s *Service) withStatus(ctx context.Context, a Agent) (Agent, error) {
	p, err := s.store.AgentPresence(ctx, a.ID)
	if err != nil {
		return Agent{}, fmt.Errorf("presence of %s: %w", a.ID, err)
	}
	return withPresence(a, p, s.now()), nil
}

// Profile returns the agent's profile (without its status), creating it
// from the identity provider's claims on first use.
func (s *Service) Profile(ctx context.Context, agent Principal, email string) (Agent, error) {
	name := agent.Name
	if name == "" {
		name = email
	}
	a, err := s.store.EnsureAgent(ctx, Agent{ID: agent.ID, DisplayName: name, Email: email, Inboxes: s.agentInboxes})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", agent.ID, err)
	}
	return a, nil
}

// ProfileUpdate is what an agent may change about itself.
type ProfileUpdate struct {
	DisplayName string
	AvatarURL   string
	MeetingsURL string
}

func checkURL(name, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2048 {
		return invalid("%s must be an http(s) URL", name)
	}
	return nil
}

// UpdateMe changes the agent's profile.
func (s *Service) UpdateMe(ctx context.Context, agent Principal, email string, u ProfileUpdate) (Agent, error) {
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	if u.DisplayName == "" || utf8.RuneCountInString(u.DisplayName) > 80 {
		return Agent{}, invalid("displayName must have 1 to 80 characters")
	}
	if err := checkURL("avatarUrl", u.AvatarURL); err != nil {
		return Agent{}, err
	}
	if err := checkURL("meetingsUrl", u.MeetingsURL); err != nil {
		return Agent{}, err
	}
	a, err := s.Profile(ctx, agent, email)
	if err != nil {
		return Agent{}, err
	}
	a.DisplayName, a.AvatarURL, a.MeetingsURL = u.DisplayName, u.AvatarURL, u.MeetingsURL
	if err := s.store.PutAgent(ctx, a); err != nil {
		return Agent{}, fmt.Errorf("update agent %s: %w", agent.ID, err)
	}
	s.assigneeChanged(ctx, a)
	return s.withStatus(ctx, a)
}

// Agents lists the agents of the caller's inboxes, by display name.
func (s *Service) Agents(ctx context.Context, agent Principal) ([]Agent, error) {
	out := []Agent{}
	seen := map[string]bool{}
	for _, inbox := range agent.Inboxes {
		as, err := s.store.Agents(ctx, inbox)
		if err != nil {
			return nil, fmt.Errorf("list agents of %s: %w", inbox, err)
		}
		for _, a := range as {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Agent) int { return cmp.Compare(a.DisplayName, b.DisplayName) })
	ids := make([]string, len(out))
	for i, a := range out {
		ids[i] = a.ID
	}
	presences, err := s.store.AgentPresences(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("presence of agents: %w", err)
	}
	now := s.now()
	for i, a := range out {
		out[i] = withPresence(a, presences[a.ID], now)
	}
	return out, nil
}
