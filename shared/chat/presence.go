package chat

import (
	"context"
	"log/slog"
	"slices"
)

// visitorPresence records that a visitor came online or went offline and
// tells the inbox. It runs on connect and disconnect, never per message.
// Failures are logged: presence is a hint, and the next change corrects it.
func (s *Service) visitorPresence(ctx context.Context, visitorID string, online bool) {
	changed, err := s.store.SetVisitorOnline(ctx, visitorID, online)
	if err != nil {
		slog.ErrorContext(ctx, "set visitor presence", "visitorId", visitorID, "online", online, "error", err)
		return
	}
	if len(changed) == 0 {
		return
	}
	s.pushSummaries(ctx, changed, false)
}

// visitorLeft marks the visitor offline once its last tab has gone.
func (s *Service) visitorLeft(ctx context.Context, visitorID string) {
	tabs, err := s.store.VisitorListeners(ctx, visitorID)
	if err != nil {
		slog.ErrorContext(ctx, "list visitor connections", "visitorId", visitorID, "error", err)
		return
	}
	if len(tabs) == 0 {
		s.visitorPresence(ctx, visitorID, false)
	}
}

// assigneeChanged makes the badge visitors see follow an edited profile,
// in each of the agent's inboxes.
func (s *Service) assigneeChanged(ctx context.Context, a Agent) {
	var changed []Conversation
	for _, inbox := range a.Inboxes {
		convs, err := s.store.SetAssigneeProfile(ctx, inbox, a)
		if err != nil {
			slog.ErrorContext(ctx, "refresh assignee badge", "agentId", a.ID, "inboxId", inbox, "error", err)
			return
		}
		changed = append(changed, convs...)
	}
	s.pushSummaries(ctx, changed, true)
}

// pushSummaries sends each conversation's new state to its inbox and, when
// visitors is set, to the visitor tabs that follow it. Through the listener
// sets, as every fan-out: a connection still in its $connect answers 410
// and must be kept (see store.DeleteConnectionVia).
func (s *Service) pushSummaries(ctx context.Context, convs []Conversation, visitors bool) {
	if len(convs) == 0 {
		return
	}
	if visitors {
		for _, c := range convs {
			_, listeners, err := s.store.ConversationListeners(ctx, c.ID)
			if err != nil {
				slog.ErrorContext(ctx, "list conversation listeners", "conversationId", c.ID, "error", err)
				continue
			}
			if ids := listenerIDs(listeners, ""); len(ids) > 0 {
				s.pushVia(ctx, Via{Kind: ViaConversation, ID: c.ID}, ids, ConversationFrame{Type: "conversation", Conversation: c.VisitorSummary()})
			}
		}
	}
	var inboxes []string
	for _, c := range convs {
		if !slices.Contains(inboxes, c.InboxID) {
			inboxes = append(inboxes, c.InboxID)
		}
	}
	for _, inbox := range inboxes {
		agents, err := s.store.InboxListeners(ctx, inbox)
		if err != nil {
			slog.ErrorContext(ctx, "list inbox connections", "inboxId", inbox, "error", err)
			continue
		}
		if len(agents) == 0 {
			continue
		}
		for _, c := range convs {
			if c.InboxID == inbox {
				s.pushVia(ctx, Via{Kind: ViaInbox, ID: inbox}, agents, ConversationFrame{Type: "conversation", Conversation: c.AgentSummary()})
			}
		}
	}
}
