package chat

// Agents' status: what an agent chose (available or away) and what it is
// in effect, which channels in team mode and routing go by.

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// AgentStatus is available or away.
type AgentStatus string

const (
	AgentAvailable AgentStatus = "available"
	AgentAway      AgentStatus = "away"
)

// AwayAfter is how long an agent without an inbox socket still counts as
// available: a reload or a train tunnel is not leaving.
const AwayAfter = 10 * time.Minute

// Presence is what is stored of an agent's status: its choice and its
// inbox sockets. The effective status is computed when read, so no job
// runs to turn anyone away.
type Presence struct {
	// Status is what the agent chose; "" is available.
	Status AgentStatus
	// Sockets are the agent's open inbox sockets, each with the instant
	// API Gateway closes it at the latest (2 hours after it opened), so a
	// socket whose $disconnect was lost stops counting then.
	Sockets []AgentSocket
	// LastClosedAt is when the agent's last socket closed, and
	// LastClosedOpenedAt when that socket had opened.
	LastClosedAt       time.Time
	LastClosedOpenedAt time.Time
	// LeftAt is when the agent last signed out or an admin disabled it.
	// A socket opened before it no longer counts, open or closed: the
	// sign-out closed it, whatever its $disconnect does and when.
	LeftAt time.Time
}

// AgentSocket is one of an agent's inbox sockets.
type AgentSocket struct {
	ConnectionID string
	// OpenedAt is when it opened (to the second), ExpiresAt when API
	// Gateway closes it at the latest.
	OpenedAt, ExpiresAt time.Time
}

// beforeLeaving tells whether a socket opened at opened was one the
// agent's last sign-out or disabling closed.
func (p Presence) beforeLeaving(opened time.Time) bool {
	return !p.LeftAt.IsZero() && !opened.After(p.LeftAt)
}

// Chosen is the status the agent chose.
func (p Presence) Chosen() AgentStatus {
	if p.Status == AgentAway {
		return AgentAway
	}
	return AgentAvailable
}

// Effective is the agent's status at now: away when it chose away, when
// it has had no inbox socket for AwayAfter, or at once when its sockets
// closed with a sign-out or a disabling (an agent who left is not
// reloading: routing and a team-mode channel stop counting it then).
func (p Presence) Effective(now time.Time) AgentStatus {
	if p.Chosen() == AgentAway {
		return AgentAway
	}
	var last time.Time
	if !p.beforeLeaving(p.LastClosedOpenedAt) {
		last = p.LastClosedAt
	}
	for _, s := range p.Sockets {
		if p.beforeLeaving(s.OpenedAt) {
			continue
		}
		if s.ExpiresAt.After(now) {
			return AgentAvailable
		}
		if s.ExpiresAt.After(last) {
			last = s.ExpiresAt
		}
	}
	if !last.IsZero() && now.Sub(last) < AwayAfter {
		return AgentAvailable
	}
	return AgentAway
}

// live are the sockets still open at now.
func (p Presence) live(now time.Time) []string {
	var ids []string
	for _, s := range p.Sockets {
		if s.ExpiresAt.After(now) && !p.beforeLeaving(s.OpenedAt) {
			ids = append(ids, s.ConnectionID)
		}
	}
	return ids
}

// withPresence is the profile with its status and presence at now.
func withPresence(a Agent, p Presence, now time.Time) Agent {
	a.Status, a.Presence = p.Chosen(), p.Effective(now)
	return a
}

// AgentFrame tells an agent's sockets that its profile or status changed.
type AgentFrame struct {
	Type  string `json:"type"`
	Agent Agent  `json:"agent"`
}

// SetStatus records the status the agent chose and tells its other
// sockets (the header's toggle in its other tabs).
func (s *Service) SetStatus(ctx context.Context, agent Principal, email string, status AgentStatus) (Agent, error) {
	if status != AgentAvailable && status != AgentAway {
		return Agent{}, invalid("status must be available or away")
	}
	a, err := s.Profile(ctx, agent, email)
	if err != nil {
		return Agent{}, err
	}
	p, err := s.store.SetAgentStatus(ctx, agent.ID, status)
	if err != nil {
		return Agent{}, fmt.Errorf("status of %s: %w", agent.ID, err)
	}
	now := s.now()
	a = withPresence(a, p, now)
	if socks := p.live(now); len(socks) > 0 {
		s.pushVia(ctx, Via{}, socks, AgentFrame{Type: "agent", Agent: a})
	}
	slog.InfoContext(ctx, "agent status", "agentId", agent.ID, "status", status)
	return a, nil
}

// AgentLeft records that the agent signed out or was disabled, after its
// sockets were closed (access.Guard), or that a socket of such an agent
// was refused: it counts as away at once, not after AwayAfter, and a
// socket opened before, still listed, counts no more.
func (s *Service) AgentLeft(ctx context.Context, agentID string) error {
	if err := s.store.SetAgentLeft(ctx, agentID, s.now()); err != nil {
		return fmt.Errorf("agent %s left: %w", agentID, err)
	}
	return nil
}

// agentSocketClosed records that one of an agent's inbox sockets closed:
// the AwayAfter grace starts when its last one does.
func (s *Service) agentSocketClosed(ctx context.Context, c Connection) {
	if err := s.store.AgentSocketClosed(ctx, c, s.now()); err != nil {
		slog.ErrorContext(ctx, "agent socket closed", "agentId", c.Principal.ID, "connectionId", c.ID, "error", err)
	}
}

// InboxMembers lists the ids of an inbox's members (one read of the
// inbox's membership index).
func (s *Service) InboxMembers(ctx context.Context, inboxID string) ([]string, error) {
	ids, err := s.store.InboxMembers(ctx, inboxID)
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", inboxID, err)
	}
	return ids, nil
}

// TeamAvailable reports whether a member of the inbox is available now
// (a channel in team mode is available then).
func (s *Service) TeamAvailable(ctx context.Context, inboxID string) (bool, error) {
	ids, err := s.InboxMembers(ctx, inboxID)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	presences, err := s.store.AgentPresences(ctx, ids)
	if err != nil {
		return false, fmt.Errorf("presence of %s's members: %w", inboxID, err)
	}
	now := s.now()
	for _, id := range ids {
		if presences[id].Effective(now) == AgentAvailable {
			return true, nil
		}
	}
	return false, nil
}
