package chat

// Inboxes: an agent reaches the conversations of the inboxes it is a
// member of, and every agent call is checked against them; a chat channel
// belongs to one inbox, where its conversations land.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chatflow"
)

// Channel is what the domain needs to know of a chat channel: the inbox
// its conversations land in, its inactivity timer and whether a close asks
// the visitor for a rating (Survey).
type Channel struct {
	ID         string
	InboxID    string
	Inactivity Inactivity
	Survey     bool
	// Flows are the channel's chatflows, at their current versions;
	// DefaultFlow names the one pages no targeting rule matches get ("":
	// none). Hours are its business hours (nil: always available).
	Flows       []chatflow.Flow
	DefaultFlow string
	Hours       *availability.Schedule
}

// flow returns the channel's flow of that id, at its current version.
func (c Channel) flow(id string) (chatflow.Flow, bool) {
	for _, f := range c.Flows {
		if f.ID == id {
			return f, true
		}
	}
	return chatflow.Flow{}, false
}

// Channels answers for the chat channels; the stored settings do
// (shared/settings), with a short cache, so no visitor message reads them.
type Channels interface {
	// Channel returns a chat channel; ErrNotFound for one that does not
	// exist.
	Channel(ctx context.Context, channelID string) (Channel, error)
	// FlowVersion returns a version of a channel's chatflow, as it was
	// saved (versions never change); ErrNotFound for one never saved.
	FlowVersion(ctx context.Context, channelID, flowID string, version int) (chatflow.Flow, error)
}

// StaticChannels is a fixed set of chat channels by id (tests, tools).
type StaticChannels map[string]Channel

// Channel implements Channels.
func (m StaticChannels) Channel(_ context.Context, channelID string) (Channel, error) {
	if c, ok := m[channelID]; ok {
		c.ID = channelID
		return c, nil
	}
	return Channel{}, errChannelNotFound()
}

// ChannelInboxes maps chat channels to their inboxes, each with the
// default inactivity timer (tests, tools).
type ChannelInboxes map[string]string

// InboxIDs returns the inboxes the channels belong to.
func (m ChannelInboxes) InboxIDs(context.Context) ([]string, error) {
	var ids []string
	for _, inbox := range m {
		if !slices.Contains(ids, inbox) {
			ids = append(ids, inbox)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Channel implements Channels.
func (m ChannelInboxes) Channel(_ context.Context, channelID string) (Channel, error) {
	if inbox := m[channelID]; inbox != "" {
		return Channel{ID: channelID, InboxID: inbox, Inactivity: Inactivity{Timeout: DefaultInactivityTimeout}}, nil
	}
	return Channel{}, errChannelNotFound()
}

// FlowVersion implements Channels: the channel's current flow, when it is
// that version.
func (m StaticChannels) FlowVersion(_ context.Context, channelID, flowID string, version int) (chatflow.Flow, error) {
	if f, ok := m[channelID].flow(flowID); ok && f.Version == version {
		return f, nil
	}
	return chatflow.Flow{}, &Error{Kind: ErrNotFound, Message: "flow not found"}
}

// FlowVersion implements Channels: these channels have no flows.
func (m ChannelInboxes) FlowVersion(context.Context, string, string, int) (chatflow.Flow, error) {
	return chatflow.Flow{}, &Error{Kind: ErrNotFound, Message: "flow not found"}
}

func errChannelNotFound() error { return &Error{Kind: ErrNotFound, Message: "channel not found"} }

// channelOf returns a chat channel, or an error naming it.
func (s *Service) channelOf(ctx context.Context, channelID string) (Channel, error) {
	c, err := s.channels.Channel(ctx, channelID)
	if err != nil {
		return Channel{}, fmt.Errorf("channel %s: %w", channelID, err)
	}
	return c, nil
}

// ChannelInbox returns the inbox a chat channel belongs to.
func (s *Service) ChannelInbox(ctx context.Context, channelID string) (string, error) {
	c, err := s.channelOf(ctx, channelID)
	return c.InboxID, err
}

// Member returns agent as the domain acts for it: a member of the inboxes
// its profile lists, or, before it has a profile (nil), of those every
// agent starts in. The caller reads the profile once per request, with the
// agent's access state (access.Guard.Admit); a socket keeps what it got at
// connect.
func (s *Service) Member(agent Principal, profile *Agent) Principal {
	inboxes := s.agentInboxes
	if profile != nil {
		inboxes = profile.Inboxes
	}
	agent.Inboxes = slices.Clone(inboxes)
	return agent
}

// AgentMember reads another agent's profile and returns that agent as a
// member of its inboxes (to close its sockets, for example). An agent
// without a profile has never used the system: it answers like any
// unknown id.
func (s *Service) AgentMember(ctx context.Context, agentID string) (Principal, error) {
	profile, err := s.store.Agent(ctx, agentID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Principal{}, &Error{Kind: ErrNotFound, Message: "agent not found"}
	case err != nil:
		return Principal{}, fmt.Errorf("profile of %s: %w", agentID, err)
	}
	return s.Member(Principal{Role: RoleAgent, ID: agentID}, &profile), nil
}

// SignAs returns the agent with the display name and avatar of its
// profile, which is how visitors and emails know the agent. An agent
// without a profile yet (nil) keeps the identity provider's name, what its
// profile will start from.
func SignAs(agent Principal, profile *Agent) Principal {
	if profile != nil {
		agent.Name, agent.AvatarURL = profile.DisplayName, profile.AvatarURL
	}
	return agent
}

// Within returns p as a member of inboxID alone, or of no inbox when p is
// not a member of it: the inbox list's switcher reads one inbox at a time,
// and an inbox outside the agent's answers like an empty one.
func (p Principal) Within(inboxID string) Principal {
	if slices.Contains(p.Inboxes, inboxID) {
		p.Inboxes = []string{inboxID}
	} else {
		p.Inboxes = nil
	}
	return p
}
