package chat

// Read markers and typing indicators: what each side sees of the other's
// attention. Typing is never stored.

import (
	"context"
	"fmt"
	"log/slog"
)

// MarkRead records that p has read up to seq and tells those who show it:
// an agent's read reaches the visitor's tabs (the "Seen" under the
// visitor's last message) and the inbox; a visitor's read is only stored
// (the visitor's next session starts from it) and pushed to no one: the
// inbox does not show it.
func (s *Service) MarkRead(ctx context.Context, p Principal, conversationID string, seq int64) (Conversation, error) {
	if err := checkID("conversationId", conversationID); err != nil {
		return Conversation{}, err
	}
	conv, listeners, err := s.reach(ctx, p, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	if seq < 1 || seq > conv.LastSeq {
		return Conversation{}, invalid("seq must be between 1 and %d", conv.LastSeq)
	}
	if p.Role == RoleVisitor {
		// conv holds the marker only as conversations stored before it
		// moved to the visitor's entry had it: a read below that is old.
		if seq <= conv.VisitorReadSeq {
			return conv, nil
		}
		if err := s.store.MarkVisitorRead(ctx, conv, seq); err != nil {
			return Conversation{}, fmt.Errorf("mark %s read: %w", conversationID, err)
		}
		conv.VisitorReadSeq = seq
		return conv, nil
	}
	updated, err := s.store.MarkAgentRead(ctx, conversationID, seq)
	if err != nil {
		return Conversation{}, fmt.Errorf("mark %s read: %w", conversationID, err)
	}
	if updated.AgentReadSeq == conv.AgentReadSeq {
		return updated, nil
	}
	if ids := listenerIDs(listeners, ""); len(ids) > 0 {
		s.pushVia(ctx, Via{Kind: ViaConversation, ID: conversationID}, ids, ConversationFrame{Type: "conversation", Conversation: updated.VisitorSummary()})
	}
	agentFrame := ConversationFrame{Type: "conversation", Conversation: updated.AgentSummary()}
	if unread(updated) == unread(conv) {
		// The list does not show a read that leaves the unread dot as it
		// was: only open threads hear.
		if ids := watcherIDs(listeners, ""); len(ids) > 0 {
			s.pushVia(ctx, Via{Kind: ViaConversation, ID: conversationID}, ids, agentFrame)
		}
		return updated, nil
	}
	agents, err := s.store.InboxListeners(ctx, updated.InboxID)
	if err != nil {
		slog.ErrorContext(ctx, "list inbox connections", "conversationId", conversationID, "error", err)
		return updated, nil
	}
	if len(agents) > 0 {
		s.pushVia(ctx, Via{Kind: ViaInbox, ID: updated.InboxID}, agents, agentFrame)
	}
	return updated, nil
}

// ReadFromConnection is MarkRead for the principal behind a connection.
func (s *Service) ReadFromConnection(ctx context.Context, connectionID, conversationID string, seq int64) error {
	p, err := s.Principal(ctx, connectionID)
	if err != nil {
		return err
	}
	_, err = s.MarkRead(ctx, p, conversationID, seq)
	return err
}

// Typing relays a typing indicator: a visitor's to the agents, an agent's
// to the visitor and the other agents. An agent writing a note (note set)
// is shown to the other agents only. Nothing is stored.
func (s *Service) Typing(ctx context.Context, connectionID, conversationID string, on, note bool) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	p, conv, listeners, err := s.reachFrom(ctx, connectionID, conversationID)
	if err != nil {
		return err
	}
	if note && p.Role != RoleAgent {
		return invalid("only agents write notes")
	}
	frame := TypingFrame{Type: "typing", ConversationID: conv.ID, Author: Author{Type: p.Role, ID: p.ID, Name: p.Name}, On: on, Note: note}
	if p.Role == RoleAgent && !note {
		if ids := listenerIDs(listeners, connectionID); len(ids) > 0 {
			visitors := frame
			visitors.Author = frame.Author.ForVisitor()
			s.pushVia(ctx, Via{Kind: ViaConversation, ID: conv.ID}, ids, visitors)
		}
	}
	// Only an open thread shows typing: the agents who have it open hear.
	if others := watcherIDs(listeners, connectionID); len(others) > 0 {
		s.pushVia(ctx, Via{Kind: ViaConversation, ID: conv.ID}, others, frame)
	}
	return nil
}
