package chat

// Agents: the profile an agent edits, and the agents of its inboxes.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/publicurl"
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
// from the identity provider's claims on first use: the name claim, else
// the email address. A token without either (an access token carries
// neither) leaves the name empty rather than showing anyone an internal
// id. A profile whose name is empty, or is its id (as profiles made that
// way before were), takes the provider's name once a token brings one; a
// name the agent set is never replaced.
func (s *Service) Profile(ctx context.Context, agent Principal, email string) (Agent, error) {
	name := agent.Name
	if name == "" {
		name = email
	}
	a, err := s.store.EnsureAgent(ctx, Agent{ID: agent.ID, DisplayName: name, Email: email, Inboxes: s.agentInboxes, Granted: TeamAgent})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", agent.ID, err)
	}
	if name == "" || (a.DisplayName != "" && a.DisplayName != a.ID) {
		return a, nil
	}
	switch err := s.store.RenameAgent(ctx, a.ID, a.DisplayName, name); {
	case errors.Is(err, ErrConflict):
		// Renamed meanwhile, by the agent or another request: keep that.
		return s.store.Agent(ctx, a.ID)
	case err != nil:
		return Agent{}, fmt.Errorf("name agent %s: %w", agent.ID, err)
	}
	a.DisplayName = name
	s.assigneeChanged(ctx, a)
	return a, nil
}

// ProfileUpdate is what an agent may change about itself. A nil field
// keeps what is stored; an empty URL removes it.
type ProfileUpdate struct {
	DisplayName *string
	AvatarURL   *string
	MeetingsURL *string
}

// checkURL returns a profile URL in its normal form: visitors' browsers
// load the avatar and follow the meetings link, so only public https URLs
// are taken (shared/publicurl).
func (s *Service) checkURL(name, raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := publicurl.Normalize(raw, s.profileURLs)
	if err != nil {
		return "", invalid("%s %s", name, err)
	}
	return u, nil
}

// UpdateMe changes the fields of the agent's profile that u sets.
func (s *Service) UpdateMe(ctx context.Context, agent Principal, email string, u ProfileUpdate) (Agent, error) {
	var name, avatar, meetings string
	if u.DisplayName != nil {
		name = strings.TrimSpace(*u.DisplayName)
		if name == "" || utf8.RuneCountInString(name) > 80 {
			return Agent{}, invalid("displayName must have 1 to 80 characters")
		}
	}
	var err error
	if u.AvatarURL != nil {
		if avatar, err = s.checkURL("avatarUrl", *u.AvatarURL); err != nil {
			return Agent{}, err
		}
	}
	if u.MeetingsURL != nil {
		if meetings, err = s.checkURL("meetingsUrl", *u.MeetingsURL); err != nil {
			return Agent{}, err
		}
	}
	a, err := s.Profile(ctx, agent, email)
	if err != nil {
		return Agent{}, err
	}
	before := a
	if u.DisplayName != nil {
		a.DisplayName = name
	}
	if u.AvatarURL != nil {
		a.AvatarURL = avatar
	}
	if u.MeetingsURL != nil {
		a.MeetingsURL = meetings
	}
	if a.DisplayName == before.DisplayName && a.AvatarURL == before.AvatarURL && a.MeetingsURL == before.MeetingsURL {
		return s.withStatus(ctx, a)
	}
	if err := s.store.UpdateProfile(ctx, a); err != nil {
		return Agent{}, fmt.Errorf("update agent %s: %w", agent.ID, err)
	}
	s.assigneeChanged(ctx, a)
	return s.withStatus(ctx, a)
}

// Agents lists the agents who share an inbox with the caller, by display
// name, each with the inboxes it shares with the caller (one read of the
// whole team).
func (s *Service) Agents(ctx context.Context, agent Principal) ([]Agent, error) {
	all, err := s.store.Agents(ctx)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	out := []Agent{}
	for _, a := range all {
		shared := slices.DeleteFunc(slices.Clone(a.Inboxes), func(in string) bool { return !slices.Contains(agent.Inboxes, in) })
		if len(shared) > 0 {
			a.Inboxes = shared
			out = append(out, a)
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

// NoteAdminGroup records on the agent's profile whether its token carries
// the admin group, when that changed since its last request (so lists
// show the role an agent has through the identity provider).
func (s *Service) NoteAdminGroup(ctx context.Context, profile *Agent, inGroup bool) error {
	if profile == nil || profile.AdminGroup == inGroup {
		return nil
	}
	if err := s.store.SetAdminGroup(ctx, profile.ID, inGroup); err != nil {
		return fmt.Errorf("note admin group of %s: %w", profile.ID, err)
	}
	profile.AdminGroup = inGroup
	return nil
}
