package chat

import (
	"context"
	"log/slog"
	"slices"
)

// Presence is decided by turns. A connect and a disconnect of the same
// visitor run concurrently: a disconnect that found no tab left may write
// "offline" after a new tab's connect wrote "online", and the visitor would
// show offline while connected, then never go offline again (its last
// disconnect changes nothing). So each takes the visitor's next turn after
// its own connection change and before it looks at the tabs, and writes
// its decision with that turn; a conversation keeps the decision of the
// highest turn, which saw every connection change before it, whatever
// order the writes land in.

// visitorCame marks the visitor online: its connection is stored.
func (s *Service) visitorCame(ctx context.Context, visitorID string) {
	turn, err := s.store.PresenceTurn(ctx, visitorID)
	if err != nil {
		slog.ErrorContext(ctx, "take presence turn", "visitorId", visitorID, "error", err)
		return
	}
	s.visitorPresence(ctx, visitorID, true, turn)
}

// visitorLeft marks the visitor offline once its last tab has gone.
func (s *Service) visitorLeft(ctx context.Context, visitorID string) {
	turn, err := s.store.PresenceTurn(ctx, visitorID)
	if err != nil {
		slog.ErrorContext(ctx, "take presence turn", "visitorId", visitorID, "error", err)
		return
	}
	tabs, err := s.store.VisitorListeners(ctx, visitorID)
	if err != nil {
		slog.ErrorContext(ctx, "list visitor connections", "visitorId", visitorID, "error", err)
		return
	}
	// With tabs left, "online" is written too: it outranks an "offline"
	// of an earlier turn that may land later.
	s.visitorPresence(ctx, visitorID, len(tabs) > 0, turn)
}

// visitorPresence records that a visitor came online or went offline and
// tells the inbox. It runs on connect and disconnect, never per message.
// Failures are logged: presence is a hint, and the next change corrects it.
func (s *Service) visitorPresence(ctx context.Context, visitorID string, online bool, turn int64) {
	changed, err := s.store.SetVisitorOnline(ctx, visitorID, online, turn)
	if err != nil {
		slog.ErrorContext(ctx, "set visitor presence", "visitorId", visitorID, "online", online, "error", err)
		return
	}
	if len(changed) == 0 {
		return
	}
	s.pushSummaries(ctx, changed, false)
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
