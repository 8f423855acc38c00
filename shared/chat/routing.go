package chat

// Routing: an inbox that routes its conversations assigns each new one to
// an available member with a free slot. The choice is shared/routing's;
// here is the write that makes it, an ordinary assigned event by the
// system, with what it claims.

import (
	"context"
	"errors"
	"fmt"
)

// Claim is what an automatic assignment takes, in the same write as the
// assigned event:
//
//   - a slot of the assignee: every write that changes who holds an open
//     conversation moves the holders' counts of open conversations in the
//     inbox (the store keeps them in step with the conversations), and this
//     one succeeds only while the assignee's count is below Capacity
//     (ErrFull otherwise);
//   - the inbox's round-robin turn: the write succeeds only while the turn
//     is still Turn, the one the router read, and moves it on to the
//     assignee (ErrTurnTaken otherwise), so assignments in one inbox
//     follow each other in turn;
//   - the conversation's place in the inbox's queue (Queued), which goes.
type Claim struct {
	Capacity int
	Turn     int64
	Queued   string
}

// Errors of an automatic assignment that the router answers by trying
// again: another agent, another turn, the next conversation.
var (
	ErrFull       = errors.New("routing: the agent has no free slot")
	ErrTurnTaken  = errors.New("routing: another assignment took the inbox's turn")
	ErrNotWaiting = errors.New("routing: the conversation is not waiting for an agent")
)

// routingAuthor signs the assignments routing makes.
var routingAuthor = Author{Type: RoleSystem, ID: "routing"}

// Waiting tells whether a conversation waits for an agent: open and
// unassigned.
// A conversation the bot still holds (not handed over) waits for nobody.
func Waiting(c Conversation) bool {
	return c.Status == StatusOpen && c.AssigneeID == "" && (c.Bot.FlowID == "" || c.Bot.Outcome != "")
}

// AssignWaiting assigns a conversation of inboxID that waits for an agent
// to agent, with what claim takes: the assigned event (author system)
// reaches the visitor, who sees the agent's name and avatar, and the inbox,
// like any assignment. ErrNotWaiting when the conversation is not waiting
// (any more) or is not one of inboxID's.
func (s *Service) AssignWaiting(ctx context.Context, inboxID, conversationID string, agent Agent, claim Claim) (Conversation, error) {
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	switch {
	case errors.Is(err, ErrNotFound):
		return Conversation{}, ErrNotWaiting
	case err != nil:
		return Conversation{}, fmt.Errorf("conversation %s: %w", conversationID, err)
	case conv.InboxID != inboxID || !Waiting(conv):
		return Conversation{}, ErrNotWaiting
	}
	timer, err := s.timerAfterBot(ctx, conv)
	if err != nil {
		return Conversation{}, fmt.Errorf("assign %s: %w", conversationID, err)
	}
	now := s.now()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{Kind: KindEvent, Author: routingAuthor, Event: &Event{Type: EventAssigned, AgentID: agent.ID, AgentName: agent.DisplayName}, CreatedAt: now},
		Claim:   &claim,
		Change: func(c *Conversation) error {
			if !Waiting(*c) {
				return ErrNotWaiting
			}
			c.AssigneeID, c.AssigneeName, c.AssigneeAvatarURL = agent.ID, agent.DisplayName, agent.AvatarURL
			c.LastActivityAt = now
			stopBot(c, timer)
			return nil
		},
	})
	if err != nil {
		return Conversation{}, fmt.Errorf("assign %s to %s: %w", conversationID, agent.ID, err)
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	return res.Conversation, nil
}
