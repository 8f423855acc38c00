package chat

// Reading: pages of a conversation's messages over HTTP, the socket's
// resume, and the agents' list.

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
)

// PageQuery asks for a page of messages: after a seq, before one, or (both
// zero) from the start; Latest, with neither, asks for the newest page.
type PageQuery struct {
	After, Before int64
	Limit         int
	Latest        bool
}

func checkLimit(limit, def int) (int, error) {
	if limit == 0 {
		return def, nil
	}
	if limit < 1 || limit > MaxPageSize {
		return 0, invalid("limit must be between 1 and %d", MaxPageSize)
	}
	return limit, nil
}

// Messages returns a page of a conversation p may see, ascending.
func (s *Service) Messages(ctx context.Context, p Principal, conversationID string, q PageQuery) ([]Message, bool, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return nil, false, err
	}
	if q.After < 0 || q.Before < 0 || (q.After > 0 && q.Before > 0) || (q.Latest && (q.After > 0 || q.Before > 0)) {
		return nil, false, invalid("use one of after and before, not negative")
	}
	limit, err := checkLimit(q.Limit, DefaultPageSize)
	if err != nil {
		return nil, false, err
	}
	conv, err := s.conversation(ctx, p, conversationID)
	if err != nil {
		return nil, false, err
	}
	mq := MessageQuery{ConversationID: conversationID, After: q.After, Before: q.Before, Limit: limit}
	if q.Latest {
		mq.Before = conv.LastSeq + 1
	}
	if p.Role == RoleVisitor {
		return s.publicPage(ctx, mq)
	}
	msgs, more, err := s.store.Messages(ctx, mq)
	if err != nil {
		return nil, false, fmt.Errorf("messages of %s: %w", conversationID, err)
	}
	return msgs, more, nil
}

// ConversationDetail returns a conversation with its latest messages.
func (s *Service) ConversationDetail(ctx context.Context, agent Principal, conversationID string, limit int) (Summary, []Message, bool, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return Summary{}, nil, false, err
	}
	limit, err := checkLimit(limit, DefaultPageSize)
	if err != nil {
		return Summary{}, nil, false, err
	}
	conv, err := s.conversation(ctx, agent, conversationID)
	if err != nil {
		return Summary{}, nil, false, err
	}
	msgs, more, err := s.store.Messages(ctx, MessageQuery{ConversationID: conversationID, Before: conv.LastSeq + 1, Limit: limit})
	if err != nil {
		return Summary{}, nil, false, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	return conv.AgentSummary(), msgs, more, nil
}

// List returns a page of the agent's inboxes, merged.
func (s *Service) List(ctx context.Context, agent Principal, status Status, view View, limit int, cursor string) ([]Summary, string, error) {
	if status == "" {
		status = StatusOpen
	}
	if status != StatusOpen && status != StatusClosed {
		return nil, "", invalid("status must be open or closed")
	}
	if view == "" {
		view = ViewAll
	}
	if view != ViewAll && view != ViewMine && view != ViewUnassigned {
		return nil, "", invalid("view must be mine, unassigned or all")
	}
	limit, err := checkLimit(limit, DefaultListSize)
	if err != nil {
		return nil, "", err
	}
	if len(agent.Inboxes) == 0 {
		return []Summary{}, "", nil
	}
	convs, next, err := s.store.Conversations(ctx, ListQuery{InboxIDs: agent.Inboxes, Status: status, View: view, AgentID: agent.ID, Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", view, err)
	}
	out := make([]Summary, 0, len(convs))
	for _, c := range convs {
		out = append(out, c.AgentSummary())
	}
	return out, next, nil
}

// Resume subscribes a connection to a conversation and answers it with the
// messages after afterSeq, in order. subscription (a UUID, optional) names
// the subscription, so that Leave can end it and no newer one.
func (s *Service) Resume(ctx context.Context, connectionID, conversationID string, afterSeq int64, subscription string) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	if afterSeq < 0 {
		return invalid("afterSeq must not be negative")
	}
	if subscription != "" && !ValidID(subscription) {
		return invalid("subscription must be a UUID")
	}
	p, c, listeners, err := s.reachFrom(ctx, connectionID, conversationID)
	if err != nil {
		return err
	}
	// An agent's inbox resumes the conversation it opens: it then hears
	// every message of it (the rest of the inbox hears only what changes
	// its list, see fanout) until it leaves the thread.
	if !slices.ContainsFunc(listeners, func(l Listener) bool {
		return l.ConnectionID == connectionID && l.Subscription == subscription
	}) {
		if err := s.store.Subscribe(ctx, connectionID, conversationID, p, subscription); err != nil {
			return fmt.Errorf("subscribe %s to %s: %w", connectionID, conversationID, err)
		}
	}
	// An agent's thread shows how far the visitor has read ("Seen"). The
	// marker is read after the subscription is stored, and a visitor's
	// read reads the listeners after it stores the marker (MarkRead): of
	// a read and a resume that cross, one sees the other, so the thread
	// learns of every read. Without it the thread shows no "Seen" until
	// the next read: nothing fails for it.
	var seen chan int64
	if p.Role == RoleAgent {
		seen = make(chan int64, 1)
		go func() {
			read, err := s.store.VisitorRead(ctx, c)
			if err != nil {
				slog.ErrorContext(ctx, "read the visitor's read marker", "conversationId", conversationID, "error", err)
			}
			seen <- max(read, c.VisitorReadSeq)
		}()
	}
	// A visitor's page skips notes (publicPage): the widget takes the
	// answer as complete up to its last seq, holes included.
	page := s.store.Messages
	if p.Role == RoleVisitor {
		page = s.publicPage
	}
	msgs, more, err := page(ctx, MessageQuery{ConversationID: conversationID, After: afterSeq, Limit: MaxPageSize})
	var read int64
	if seen != nil {
		read = <-seen
	}
	if err != nil {
		return fmt.Errorf("resume %s: %w", conversationID, err)
	}
	// The frame must stay under API Gateway's 128 KB: long messages make
	// the page shorter, and hasMore asks for the rest.
	msgs, cut := fitFrame(msgs)
	more = more || cut
	s.Answer(ctx, connectionID, MessagesFrame{Type: "messages", ConversationID: conversationID, Messages: msgs, HasMore: more, VisitorReadSeq: read})
	return nil
}

// Leave ends the subscription a connection's resume made (the inbox
// leaves a thread when it closes it or opens another): the socket no
// longer hears the conversation's every message, typing, pages and read
// markers, only what its inbox's list hears. Frames of one socket race, so
// a leave may land after the thread was opened again: that resume named
// another subscription, which stays. Leaving twice, or a conversation not
// followed, changes nothing.
func (s *Service) Leave(ctx context.Context, connectionID, conversationID, subscription string) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	if !ValidID(subscription) {
		return invalid("subscription must be a UUID")
	}
	p, _, listeners, err := s.reachFrom(ctx, connectionID, conversationID)
	if err != nil {
		return err
	}
	if p.Role != RoleAgent {
		return invalid("only agents leave conversations")
	}
	if !slices.ContainsFunc(listeners, func(l Listener) bool {
		return l.ConnectionID == connectionID && l.Subscription == subscription
	}) {
		return nil
	}
	if err := s.store.Unsubscribe(ctx, connectionID, conversationID, subscription); err != nil {
		return fmt.Errorf("unsubscribe %s from %s: %w", connectionID, conversationID, err)
	}
	return nil
}
