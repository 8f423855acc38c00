package chat

// Read markers and typing indicators: what each side sees of the other's
// attention. Typing is never stored.

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
)

// MarkRead records that p has read up to seq and tells those who show it:
// an agent's read reaches the visitor's tabs (the "Seen" under the
// visitor's last message) and the inbox; a visitor's read that raises
// the marker reaches the agents who have the thread open (the "Seen"
// under the agent's last reply), and no list: no row shows it.
//
// subscription (a UUID, or empty) names the agent's own thread: the
// subscription its inbox's resume made on the socket of the tab that
// reads. That tab has the read's answer, so its socket is not pushed the
// change; the agent's other tabs are. A subscription that is not the
// agent's changes nothing.
func (s *Service) MarkRead(ctx context.Context, p Principal, conversationID string, seq int64, subscription string) (Conversation, error) {
	if err := checkID("conversationId", conversationID); err != nil {
		return Conversation{}, err
	}
	if subscription != "" && !ValidID(subscription) {
		return Conversation{}, invalid("subscription must be a UUID")
	}
	conv, listeners, err := s.reach(ctx, p, conversationID)
	if err != nil {
		return Conversation{}, err
	}
	own := ownSocket(listeners, p, subscription)
	if seq < 1 || seq > conv.LastSeq {
		return Conversation{}, invalid("seq must be between 1 and %d", conv.LastSeq)
	}
	if p.Role == RoleVisitor {
		// conv holds the marker only as conversations stored before it
		// moved to the visitor's entry had it: a read below that is old.
		if seq <= conv.VisitorReadSeq {
			return conv, nil
		}
		raised, err := s.store.MarkVisitorRead(ctx, conv, seq)
		if err != nil {
			return Conversation{}, fmt.Errorf("mark %s read: %w", conversationID, err)
		}
		if !raised {
			// Another tab read as far, or the visitor was erased.
			return conv, nil
		}
		conv.VisitorReadSeq = seq
		// The open threads are read after the marker is stored: a resume
		// stores its subscription before it reads the marker (Resume),
		// so a thread that the listeners read first missed is one whose
		// resume answer has the marker. Read again, the conversation is
		// also the freshest state to push.
		fresh, watchers, err := s.store.ConversationListeners(ctx, conversationID)
		if err != nil {
			slog.ErrorContext(ctx, "list the open threads after a visitor's read", "conversationId", conversationID, "error", err)
			return conv, nil
		}
		fresh.VisitorReadSeq = max(fresh.VisitorReadSeq, seq)
		if ids := watcherIDs(watchers, ""); len(ids) > 0 {
			s.pushVia(ctx, Via{Kind: ViaConversation, ID: conversationID}, ids, ConversationFrame{Type: "conversation", Conversation: fresh.AgentSummary()})
		}
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
		if ids := watcherIDs(listeners, own); len(ids) > 0 {
			s.pushVia(ctx, Via{Kind: ViaConversation, ID: conversationID}, ids, agentFrame)
		}
		return updated, nil
	}
	agents, err := s.store.InboxListeners(ctx, updated.InboxID)
	if err != nil {
		slog.ErrorContext(ctx, "list inbox connections", "conversationId", conversationID, "error", err)
		return updated, nil
	}
	agents = slices.DeleteFunc(agents, func(id string) bool { return id == own })
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
	_, err = s.MarkRead(ctx, p, conversationID, seq, "")
	return err
}

// ownSocket returns the connection of p's subscription among a
// conversation's listeners, or "" when it has none there (no
// subscription named, another principal's, or the socket left).
func ownSocket(listeners []Listener, p Principal, subscription string) string {
	if subscription == "" {
		return ""
	}
	for _, l := range listeners {
		if l.Subscription == subscription && l.Principal.Role == p.Role && l.Principal.ID == p.ID {
			return l.ConnectionID
		}
	}
	return ""
}

// Typing relays a typing indicator: a visitor's to the agents, an agent's
// to the visitor and the other agents. An agent writing a note (note set)
// is shown to the other agents only. Nothing is stored. held is the last
// seq the typist's client holds (0 when it does not say): the frame
// carries the lower of it and the conversation's last seq, so an "on"
// sent before the typist's next message is older than that message even
// when API Gateway runs the two frames in the other order.
func (s *Service) Typing(ctx context.Context, connectionID, conversationID string, on, note bool, held int64) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	if held < 0 {
		return invalid("seq must not be negative")
	}
	p, conv, listeners, err := s.reachFrom(ctx, connectionID, conversationID)
	if err != nil {
		return err
	}
	if note && p.Role != RoleAgent {
		return invalid("only agents write notes")
	}
	seq := conv.LastSeq
	if held > 0 && held < seq {
		seq = held
	}
	frame := TypingFrame{Type: "typing", ConversationID: conv.ID, Author: Author{Type: p.Role, ID: p.ID, Name: p.Name}, On: on, Seq: seq, Note: note}
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
