package chat

// Fan-out: who hears about a stored message.

import (
	"context"
	"log/slog"
)

// fanout pushes a stored message to every connection that should see it:
// the visitor's subscribed tabs (and, for a new conversation, all of the
// visitor's tabs), the agents who have the conversation open, and, when
// the message changes what the inbox's list shows (see listed), every
// online agent of the inbox, each once. An agent's reply that changes no
// unread dot skips the inbox's listeners: the second Query and one push per
// online agent. It returns the connections it pushed the message to.
func (s *Service) fanout(ctx context.Context, conv Conversation, msg Message, listeners []Listener, created bool) (reached map[string]bool) {
	seen := map[string]bool{}
	var subscribed, tabs, watchers []string
	for _, l := range listeners {
		if seen[l.ConnectionID] {
			continue
		}
		seen[l.ConnectionID] = true
		switch {
		case l.Principal.Role == RoleAgent:
			watchers = append(watchers, l.ConnectionID)
		case !msg.Internal(): // a note never reaches a visitor's tab
			subscribed = append(subscribed, l.ConnectionID)
		}
	}
	if created && !msg.Internal() {
		all, err := s.store.VisitorListeners(ctx, conv.VisitorID)
		if err != nil {
			slog.ErrorContext(ctx, "list visitor connections", "conversationId", conv.ID, "error", err)
		}
		for _, id := range all {
			if !seen[id] {
				seen[id] = true
				tabs = append(tabs, id)
			}
		}
	}
	reached = map[string]bool{}
	push := func(via Via, ids []string, frame MessageFrame) {
		if len(ids) == 0 {
			return
		}
		s.pushVia(ctx, via, ids, frame)
		for _, id := range ids {
			reached[id] = true
		}
	}
	visitorFrame := MessageFrame{Type: "message", ConversationID: conv.ID, Message: msg.ForVisitor(), Conversation: conv.VisitorSummary()}
	push(Via{Kind: ViaConversation, ID: conv.ID}, subscribed, visitorFrame)
	push(Via{Kind: ViaVisitor, ID: conv.VisitorID}, tabs, visitorFrame)
	agentFrame := agentMessageFrame(conv, msg)
	push(Via{Kind: ViaConversation, ID: conv.ID}, watchers, agentFrame)
	if !created && !listed(conv, msg) {
		return reached
	}
	agents, err := s.store.InboxListeners(ctx, conv.InboxID)
	if err != nil {
		slog.ErrorContext(ctx, "list inbox connections", "conversationId", conv.ID, "error", err)
		return reached
	}
	var rest []string
	for _, id := range agents {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	push(Via{Kind: ViaInbox, ID: conv.InboxID}, rest, agentFrame)
	return reached
}

// agentMessageFrame is a stored message as the inbox hears it.
func agentMessageFrame(conv Conversation, msg Message) MessageFrame {
	return MessageFrame{Type: "message", ConversationID: conv.ID, Message: msg, Conversation: conv.AgentSummary()}
}

// unread is the conversation's unread dot in the agents' list.
func unread(c Conversation) bool { return c.AgentReadSeq < c.LastSeq }

// stampListed runs at the end of a message's conversation change, before
// the store raises LastSeq: a visitor's message always changes the list (its
// preview, order and unread dot, and the agents' notification), an agent's
// only when it flips the unread dot.
func stampListed(c *Conversation, wasUnread bool, role Role) {
	after := *c
	after.LastSeq++
	c.ListChange = role == RoleVisitor || unread(after) != wasUnread
}

// listed reports whether msg must reach every online agent of the inbox:
// events (assignment, close, reopen, warnings) and visitors' messages
// always, agents' messages when their change flipped the unread dot.
func listed(conv Conversation, msg Message) bool {
	return msg.Kind == KindEvent || msg.Author.Type == RoleVisitor || conv.ListChange
}

// listenerIDs returns the visitor tabs among a conversation's listeners.
func listenerIDs(ls []Listener, except string) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.ConnectionID != except && l.Principal.Role != RoleAgent {
			out = append(out, l.ConnectionID)
		}
	}
	return out
}

// watcherIDs returns the agents' connections among a conversation's
// listeners: the inboxes that have the conversation open.
func watcherIDs(ls []Listener, except string) []string {
	var out []string
	for _, l := range ls {
		if l.ConnectionID != except && l.Principal.Role == RoleAgent {
			out = append(out, l.ConnectionID)
		}
	}
	return out
}
