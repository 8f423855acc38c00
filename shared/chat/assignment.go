package chat

// Assignment and state: assign, take over, unassign, close and reopen, each
// an event in the seq stream.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// transition applies decide to a conversation and stores the event it
// returns in the seq stream. decide mutates the conversation and returns
// nil when there is nothing to do; it runs again on a seq race with the
// fresh state, so its conditions hold at the moment of the write.
func (s *Service) transition(ctx context.Context, agent Principal, conversationID string, decide func(c *Conversation) (*Event, error)) (Conversation, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return Conversation{}, err
	}
	conv, listeners, err := s.reach(ctx, agent, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	timer, err := s.timerAfterBot(ctx, conv)
	if err != nil {
		return Conversation{}, err
	}
	probe := conv
	ev, err := decide(&probe)
	if err != nil {
		return Conversation{}, err
	}
	if ev == nil {
		return conv, nil
	}
	now := s.now().UTC()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{Kind: KindEvent, Author: author(agent), Event: ev, CreatedAt: now},
		Change: func(c *Conversation) error {
			e, err := decide(c)
			if err != nil {
				return err
			}
			if e == nil || e.Type != ev.Type {
				return errNoop
			}
			c.LastActivityAt = now
			// A person's hand on the conversation stops the bot at once.
			if agent.Role == RoleAgent || e.Type == EventAssigned || e.Type == EventTakenOver {
				stopBot(c, timer)
			}
			// Acting on a thread means the agent has seen it, as replying does.
			if agent.Role == RoleAgent {
				c.AgentReadSeq = c.LastSeq + 1
			}
			return nil
		},
	})
	if errors.Is(err, errNoop) {
		return s.store.Conversation(ctx, conversationID)
	}
	if err != nil {
		var conflict *ConflictError
		if errors.As(err, &conflict) {
			return Conversation{}, conflict
		}
		return Conversation{}, fmt.Errorf("%s %s: %w", ev.Type, conversationID, err)
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	return res.Conversation, nil
}

// CheckAgentID accepts what can be an agent's id (the identity
// provider's sub).
func CheckAgentID(id string) error {
	if id == "" || len(id) > 128 || strings.ContainsAny(id, "#\x00") {
		return invalid("agentId is malformed")
	}
	return nil
}

// Assign gives a conversation to an agent. With expected set, it succeeds
// only while the assignee is still *expected.
func (s *Service) Assign(ctx context.Context, agent Principal, conversationID, agentID string, expected *string) (Conversation, error) {
	if err := CheckAgentID(agentID); err != nil {
		return Conversation{}, err
	}
	if err := checkID("conversation id", conversationID); err != nil {
		return Conversation{}, err
	}
	target, err := s.store.Agent(ctx, agentID)
	if errors.Is(err, ErrNotFound) {
		return Conversation{}, invalid("unknown agent")
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("assign to %s: %w", agentID, err)
	}
	return s.transition(ctx, agent, conversationID, func(c *Conversation) (*Event, error) {
		if expected != nil && c.AssigneeID != *expected {
			return nil, &ConflictError{AssigneeID: c.AssigneeID}
		}
		if c.AssigneeID == target.ID {
			return nil, nil
		}
		// An agent outside the inbox could not open the conversation
		// that everyone else would see as taken.
		if !slices.Contains(target.Inboxes, c.InboxID) {
			return nil, invalid("that agent is not a member of this conversation's inbox")
		}
		c.AssigneeID, c.AssigneeName, c.AssigneeAvatarURL = target.ID, target.DisplayName, target.AvatarURL
		return &Event{Type: EventAssigned, AgentID: target.ID, AgentName: target.DisplayName}, nil
	})
}

// TakeOver makes the calling agent the assignee, provided the assignee is
// still the one the agent saw (expected, "" for unassigned).
func (s *Service) TakeOver(ctx context.Context, agent Principal, conversationID, expected string) (Conversation, error) {
	// The visitor sees the agent's profile, not the identity provider's name.
	profile, err := s.store.Agent(ctx, agent.ID)
	switch {
	case err == nil:
		agent.Name, agent.AvatarURL = profile.DisplayName, profile.AvatarURL
	case !errors.Is(err, ErrNotFound):
		return Conversation{}, fmt.Errorf("take over %s: %w", conversationID, err)
	}
	return s.transition(ctx, agent, conversationID, func(c *Conversation) (*Event, error) {
		if c.AssigneeID == agent.ID {
			return nil, nil
		}
		if c.AssigneeID != expected {
			return nil, &ConflictError{AssigneeID: c.AssigneeID}
		}
		// Taken from someone: another agent, or the bot while it runs.
		typ := EventTakenOver
		if c.AssigneeID == "" && !c.Bot.Running() {
			typ = EventAssigned
		}
		c.AssigneeID, c.AssigneeName, c.AssigneeAvatarURL = agent.ID, agent.Name, agent.AvatarURL
		return &Event{Type: typ, AgentID: agent.ID, AgentName: agent.Name}, nil
	})
}

// Unassign removes the assignee; with expected set, only while it is still
// *expected.
func (s *Service) Unassign(ctx context.Context, agent Principal, conversationID string, expected *string) (Conversation, error) {
	return s.transition(ctx, agent, conversationID, func(c *Conversation) (*Event, error) {
		if expected != nil && c.AssigneeID != *expected {
			return nil, &ConflictError{AssigneeID: c.AssigneeID}
		}
		if c.AssigneeID == "" {
			return nil, nil
		}
		ev := &Event{Type: EventUnassigned, AgentID: c.AssigneeID, AgentName: c.AssigneeName}
		c.AssigneeID, c.AssigneeName, c.AssigneeAvatarURL = "", "", ""
		return ev, nil
	})
}

// Close closes a conversation; the visitor's next message starts a new one.
func (s *Service) Close(ctx context.Context, agent Principal, conversationID string) (Conversation, error) {
	return s.transition(ctx, agent, conversationID, func(c *Conversation) (*Event, error) {
		if c.Status == StatusClosed {
			return nil, nil
		}
		survey, err := s.surveyOf(ctx, *c)
		if err != nil {
			return nil, err
		}
		c.Status = StatusClosed
		stopTimer(c)
		c.Survey = c.Survey || survey
		return &Event{Type: EventClosed, Reason: CloseReasonAgent, Survey: survey}, nil
	})
}

// Reopen opens a closed conversation again.
func (s *Service) Reopen(ctx context.Context, agent Principal, conversationID string) (Conversation, error) {
	return s.reopen(ctx, agent, conversationID, true)
}

// reopen stores a reopened event by p; the chat's inactivity timer starts
// when arm is set and stays stopped otherwise (email).
func (s *Service) reopen(ctx context.Context, p Principal, conversationID string, arm bool) (Conversation, error) {
	return s.transition(ctx, p, conversationID, func(c *Conversation) (*Event, error) {
		if c.Status == StatusOpen {
			return nil, nil
		}
		c.Status = StatusOpen
		if arm {
			in, err := s.inactivityOf(ctx, *c)
			if err != nil {
				return nil, err
			}
			armTimer(c, in, s.now())
		} else {
			stopTimer(c)
		}
		return &Event{Type: EventReopened}, nil
	})
}
