package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
	DefaultListSize = 25
	visitorHistory  = 20
)

// DefaultInboxID is the inbox the default channel's conversations land in;
// every agent is a member of it.
const DefaultInboxID = "main"

// Options configure a Service.
type Options struct {
	// ChannelID is the channel that exists without configuration.
	ChannelID string
	// InboxID is the inbox the channel's conversations land in; every agent
	// is a member of it.
	InboxID string
	Now     func() time.Time
	NewID   func() string
	// Inactivity holds each chat channel's inactivity timer, by channel id;
	// a channel without an entry closes after DefaultInactivityTimeout.
	Inactivity map[string]Inactivity
	// VisitorMessages limits each visitor's messages, all tabs together.
	VisitorMessages RateLimit
}

// Service carries out the chat's use cases.
type Service struct {
	store   Storer
	notify  Notifier
	channel string
	inbox   string
	now     func() time.Time
	newID   func() string

	inactivity map[string]Inactivity

	visitorMessages RateLimit
	repeats         func(ctx context.Context, connectionID string) error
}

// LimitRepeats makes a visitor's message sent again with a client id that
// is already stored count against the socket's frame limit (count) before
// it is fanned out again. A repeat costs no visitor quota (the stored
// message answers it), so without this one client id resent in a loop
// would reach every online agent each time.
func (s *Service) LimitRepeats(count func(ctx context.Context, connectionID string) error) {
	s.repeats = count
}

// repeat counts a repeated message; a refusal stops it before its pushes.
func (s *Service) repeat(ctx context.Context, connectionID string, res Appended) error {
	if !res.Duplicate || s.repeats == nil {
		return nil
	}
	return s.repeats(ctx, connectionID)
}

// NewService returns a Service over the given store and notifier.
func NewService(st Storer, n Notifier, o Options) *Service {
	s := &Service{store: st, notify: n, channel: o.ChannelID, inbox: o.InboxID, now: o.Now, newID: o.NewID}
	s.inactivity = o.Inactivity
	s.visitorMessages = o.VisitorMessages
	if s.inbox == "" {
		s.inbox = DefaultInboxID
	}
	if s.now == nil {
		s.now = time.Now
	}
	// Stored times have millisecond precision; answering with the same
	// precision makes a retry's answer identical to the first one.
	clock := s.now
	s.now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if s.newID == nil {
		s.newID = func() string { return uuid.NewString() }
	}
	return s
}

// errClosed and errNoop stop an Append from inside Change.
var (
	errClosed = errors.New("conversation closed meanwhile")
	errNoop   = errors.New("nothing to change")
)

// notFound is the one answer for unknown and forbidden ids alike.
func notFound() error { return &Error{Kind: ErrNotFound, Message: "conversation not found"} }

func (s *Service) visible(p Principal, c Conversation) bool {
	switch p.Role {
	case RoleVisitor:
		return c.VisitorID == p.ID
	case RoleAgent:
		return c.InboxID == s.inbox
	}
	return false
}

func clientKey(p Principal, clientID string) string {
	return string(p.Role) + ":" + p.ID + "#" + clientID
}

func author(p Principal) Author {
	return Author{Type: p.Role, ID: p.ID, Name: p.Name, AvatarURL: p.AvatarURL}
}

// ---------------------------------------------------------------- visitors

// Session resumes visitorID when it names a visitor of channelID and
// otherwise creates a new visitor. It returns the visitor's conversations.
func (s *Service) Session(ctx context.Context, channelID, visitorID string) (Visitor, []VisitorConversation, error) {
	if channelID != s.channel {
		return Visitor{}, nil, &Error{Kind: ErrNotFound, Message: "channel not found"}
	}
	if visitorID != "" {
		v, err := s.store.Visitor(ctx, visitorID)
		switch {
		case err == nil && v.ChannelID == channelID:
			convs, err := s.store.VisitorConversations(ctx, v.ID, visitorHistory)
			if err != nil {
				return Visitor{}, nil, fmt.Errorf("session %s: %w", v.ID, err)
			}
			out := make([]VisitorConversation, 0, len(convs))
			for _, c := range convs {
				out = append(out, c.VisitorSummary())
			}
			return v, out, nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return Visitor{}, nil, fmt.Errorf("session %s: %w", visitorID, err)
		}
	}
	v := Visitor{ID: s.newID(), ChannelID: channelID, CreatedAt: s.now().UTC()}
	if err := s.store.CreateVisitor(ctx, v); err != nil {
		return Visitor{}, nil, fmt.Errorf("create visitor: %w", err)
	}
	return v, []VisitorConversation{}, nil
}

// ---------------------------------------------------------------- connections

// Connect consumes a verified ticket and stores the connection it opens.
func (s *Service) Connect(ctx context.Context, connectionID string, t Ticket) error {
	if connectionID == "" || t.ID == "" || t.Principal.ID == "" {
		return invalid("connection and ticket are required")
	}
	if err := s.store.ConsumeTicket(ctx, t.ID, t.ExpiresAt); err != nil {
		if errors.Is(err, ErrConflict) {
			return &Error{Kind: ErrUnauthorized, Message: "ticket already used"}
		}
		return fmt.Errorf("consume ticket: %w", err)
	}
	c := Connection{ID: connectionID, Principal: t.Principal, ConnectedAt: s.now().UTC()}
	if t.Principal.Role == RoleAgent {
		c.Inboxes = []string{s.inbox}
	}
	if err := s.store.SaveConnection(ctx, c); err != nil {
		return fmt.Errorf("save connection %s: %w", connectionID, err)
	}
	if t.Principal.Role == RoleVisitor {
		s.visitorPresence(ctx, t.Principal.ID, true)
	}
	return nil
}

// Disconnect forgets a connection.
func (s *Service) Disconnect(ctx context.Context, connectionID string) error {
	c, err := s.store.Connection(ctx, connectionID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("disconnect %s: %w", connectionID, err)
	}
	if err := s.store.DeleteConnection(ctx, connectionID); err != nil {
		return fmt.Errorf("delete connection %s: %w", connectionID, err)
	}
	if c.Principal.Role == RoleVisitor {
		s.visitorLeft(ctx, c.Principal.ID)
	}
	return nil
}

// Principal returns who opened a connection.
func (s *Service) Principal(ctx context.Context, connectionID string) (Principal, error) {
	c, err := s.store.Connection(ctx, connectionID)
	if errors.Is(err, ErrNotFound) {
		return Principal{}, &Error{Kind: ErrUnauthorized, Message: "unknown connection"}
	}
	if err != nil {
		return Principal{}, fmt.Errorf("connection %s: %w", connectionID, err)
	}
	return c.Principal, nil
}

// principalOf finds the sender among a conversation's listeners, which
// saves the connection lookup on the hot path, and falls back to it.
func (s *Service) principalOf(ctx context.Context, connectionID string, listeners []Listener) (Principal, error) {
	for _, l := range listeners {
		if l.ConnectionID == connectionID {
			return l.Principal, nil
		}
	}
	return s.Principal(ctx, connectionID)
}

// ---------------------------------------------------------------- messages

// SendInput is a message written by a client.
type SendInput struct {
	ClientID       string
	ConversationID string
	Body           string
	// Channel and MailID are set for replies sent by email.
	Channel string
	MailID  string
}

func (in SendInput) validate() error {
	if err := checkID("clientId", in.ClientID); err != nil {
		return err
	}
	if in.ConversationID != "" {
		if err := checkID("conversationId", in.ConversationID); err != nil {
			return err
		}
	}
	return checkBody(in.Body)
}

// SendFromConnection stores a message sent over a WebSocket connection. A
// visitor's message without a conversation, or to a closed one, starts a new
// conversation; an agent's message is a reply.
func (s *Service) SendFromConnection(ctx context.Context, connectionID string, in SendInput) (Message, error) {
	if err := in.validate(); err != nil {
		return Message{}, err
	}
	var (
		conv      Conversation
		listeners []Listener
		exists    bool
	)
	if in.ConversationID != "" {
		var err error
		conv, listeners, err = s.store.ConversationListeners(ctx, in.ConversationID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Message{}, fmt.Errorf("send to %s: %w", in.ConversationID, err)
		}
		exists = err == nil
	}
	p, err := s.principalOf(ctx, connectionID, listeners)
	if err != nil {
		return Message{}, err
	}
	if p.Role == RoleAgent {
		if !exists || !s.visible(p, conv) {
			return Message{}, notFound()
		}
		res, err := s.reply(ctx, p, conv, listeners, in)
		return res.Message, err
	}
	if in.ConversationID != "" && (!exists || !s.visible(p, conv)) {
		return Message{}, notFound()
	}
	if exists && conv.Status == StatusOpen {
		res, err := s.appendText(ctx, p, conv, in)
		switch {
		case errors.Is(err, errClosed):
			// Closed between our read and our write: start a new one.
		case err != nil:
			return Message{}, err
		default:
			if err := s.repeat(ctx, connectionID, res); err != nil {
				return Message{}, err
			}
			s.afterVisitorWrite(ctx, connectionID, res, listeners, false)
			return res.Message, nil
		}
	}
	now := s.now().UTC()
	cid := s.newID()
	msg := Message{
		ConversationID: cid, Seq: 1, Kind: KindText, ClientID: in.ClientID,
		Author: author(p), Body: in.Body, CreatedAt: now,
	}
	c := Conversation{
		ID: cid, ChannelID: s.channel, InboxID: s.inbox, VisitorID: p.ID, Status: StatusOpen,
		VisitorOnline: true, LastSeq: 1, Preview: preview(in.Body), CreatedAt: now, LastActivityAt: now,
	}
	s.armTimer(&c, now)
	res, err := s.store.CreateConversation(ctx, NewConversation{Conversation: c, Message: msg, ClientKey: clientKey(p, in.ClientID), Quota: s.visitorQuota(p)})
	if err != nil {
		return Message{}, fmt.Errorf("create conversation: %w", err)
	}
	if err := s.repeat(ctx, connectionID, res); err != nil {
		return Message{}, err
	}
	// The sender's tab follows the conversation it just started; a retry
	// subscribes again (idempotent), as the first attempt may have stopped
	// before. The message is stored: a failure here only costs live
	// pushes, which the tab's resume makes up for.
	if err := s.store.Subscribe(ctx, connectionID, res.Conversation.ID, p); err != nil {
		slog.ErrorContext(ctx, "subscribe sender", "connectionId", connectionID, "conversationId", res.Conversation.ID, "error", err)
	}
	s.afterVisitorWrite(ctx, connectionID, res, nil, true)
	return res.Message, nil
}

func (s *Service) afterVisitorWrite(ctx context.Context, connectionID string, res Appended, listeners []Listener, created bool) {
	// A retry fans out again: the first attempt may have stored the
	// message and stopped before its pushes. Clients de-duplicate by seq.
	s.fanout(ctx, res.Conversation, res.Message, listeners, created)
	if res.Duplicate && !created && !slices.ContainsFunc(listeners, func(l Listener) bool { return l.ConnectionID == connectionID }) {
		// The first answer may have been lost: the sender hears it again.
		s.notify.Push(ctx, []string{connectionID}, MessageFrame{
			Type: "message", ConversationID: res.Message.ConversationID, Message: res.Message.ForVisitor(),
			Conversation: res.Conversation.VisitorSummary(),
		})
	}
}

func (s *Service) appendText(ctx context.Context, p Principal, conv Conversation, in SendInput) (Appended, error) {
	now := s.now().UTC()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{
			Kind: KindText, ClientID: in.ClientID, Author: author(p), Body: in.Body, CreatedAt: now,
			Channel: in.Channel, MailID: in.MailID,
		},
		ClientKey: clientKey(p, in.ClientID),
		Quota:     s.visitorQuota(p),
		Change: func(c *Conversation) error {
			if c.Status != StatusOpen {
				return errClosed
			}
			defer stampListed(c, unread(*c), p.Role)
			c.Preview = preview(in.Body)
			c.LastActivityAt = now
			if p.Role == RoleAgent {
				// Replying means the agent has seen everything before it.
				c.AgentReadSeq = c.LastSeq + 1
			}
			if p.Role == RoleVisitor {
				s.armTimer(c, now)
			}
			if in.Channel == ChannelEmail {
				// The conversation continues by email: no chat timer.
				stopTimer(c)
			}
			return nil
		},
	})
	if err != nil {
		if errors.Is(err, errClosed) {
			return Appended{}, err
		}
		return Appended{}, fmt.Errorf("append to %s: %w", conv.ID, err)
	}
	return res, nil
}

// replyTarget checks an agent's reply and reads the conversation it goes
// to with the visitor tabs that follow it; a conversation the agent may not
// see is not found.
func (s *Service) replyTarget(ctx context.Context, agent Principal, in SendInput) (Conversation, []Listener, error) {
	if err := checkID("conversation id", in.ConversationID); err != nil {
		return Conversation{}, nil, err
	}
	if err := in.validate(); err != nil {
		return Conversation{}, nil, err
	}
	conv, listeners, err := s.store.ConversationListeners(ctx, in.ConversationID)
	if errors.Is(err, ErrNotFound) || (err == nil && !s.visible(agent, conv)) {
		return Conversation{}, nil, notFound()
	}
	if err != nil {
		return Conversation{}, nil, fmt.Errorf("reply to %s: %w", in.ConversationID, err)
	}
	return conv, listeners, nil
}

// Reply stores an agent's message. created is false when clientId had been
// used before: the message is the one stored then.
func (s *Service) Reply(ctx context.Context, agent Principal, conversationID string, in SendInput) (msg Message, created bool, err error) {
	in.ConversationID = conversationID
	conv, listeners, err := s.replyTarget(ctx, agent, in)
	if err != nil {
		return Message{}, false, err
	}
	res, err := s.reply(ctx, agent, conv, listeners, in)
	return res.Message, !res.Duplicate, err
}

// reopenAttempts bounds how often a reply reopens a conversation that
// keeps being closed under it.
const reopenAttempts = 3

func (s *Service) reply(ctx context.Context, agent Principal, conv Conversation, listeners []Listener, in SendInput) (Appended, error) {
	res, err := s.appendText(ctx, agent, conv, in)
	for range reopenAttempts {
		if !errors.Is(err, errClosed) {
			break
		}
		// An agent's reply reopens a closed conversation: the reopened
		// event first, then the reply, so the stream tells what happened.
		// A retry of a stored reply never gets here (Append answers it).
		// An email reply starts no chat timer (see AppendEmail).
		if conv, err = s.reopen(ctx, agent, conv.ID, in.Channel != ChannelEmail); err != nil {
			return Appended{}, err
		}
		res, err = s.appendText(ctx, agent, conv, in)
	}
	if errors.Is(err, errClosed) {
		return Appended{}, fmt.Errorf("reply to %s: closed again each time it was reopened: %w", conv.ID, ErrConflict)
	}
	if err != nil {
		return Appended{}, err
	}
	// A retry fans out again, as for visitors' messages. Whether the first
	// attempt changed the list is not known any more (the conversation was
	// read back), so a retry tells the whole inbox.
	if res.Duplicate {
		res.Conversation.ListChange = true
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	return res, nil
}

// fanout pushes a stored message to every connection that should see it:
// the visitor's subscribed tabs (and, for a new conversation, all of the
// visitor's tabs), the agents who have the conversation open, and, when
// the message changes what the inbox's list shows (see listed), every
// online agent of the inbox, each once. An agent's reply that changes no
// unread dot skips the inbox's listeners: the second Query and one push per
// online agent.
func (s *Service) fanout(ctx context.Context, conv Conversation, msg Message, listeners []Listener, created bool) {
	seen := map[string]bool{}
	var subscribed, tabs, watchers []string
	for _, l := range listeners {
		if seen[l.ConnectionID] {
			continue
		}
		seen[l.ConnectionID] = true
		if l.Principal.Role == RoleAgent {
			watchers = append(watchers, l.ConnectionID)
		} else {
			subscribed = append(subscribed, l.ConnectionID)
		}
	}
	if created {
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
	visitorFrame := MessageFrame{Type: "message", ConversationID: conv.ID, Message: msg.ForVisitor(), Conversation: conv.VisitorSummary()}
	if len(subscribed) > 0 {
		s.notify.PushVia(ctx, Via{Kind: ViaConversation, ID: conv.ID}, subscribed, visitorFrame)
	}
	if len(tabs) > 0 {
		s.notify.PushVia(ctx, Via{Kind: ViaVisitor, ID: conv.VisitorID}, tabs, visitorFrame)
	}
	agentFrame := MessageFrame{Type: "message", ConversationID: conv.ID, Message: msg, Conversation: conv.AgentSummary()}
	if len(watchers) > 0 {
		s.notify.PushVia(ctx, Via{Kind: ViaConversation, ID: conv.ID}, watchers, agentFrame)
	}
	if !created && !listed(conv, msg) {
		return
	}
	agents, err := s.store.InboxListeners(ctx, conv.InboxID)
	if err != nil {
		slog.ErrorContext(ctx, "list inbox connections", "conversationId", conv.ID, "error", err)
		return
	}
	var rest []string
	for _, id := range agents {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		s.notify.PushVia(ctx, Via{Kind: ViaInbox, ID: conv.InboxID}, rest, agentFrame)
	}
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

// ---------------------------------------------------------------- assignment and state

// transition applies decide to a conversation and stores the event it
// returns in the seq stream. decide mutates the conversation and returns
// nil when there is nothing to do; it runs again on a seq race with the
// fresh state, so its conditions hold at the moment of the write.
func (s *Service) transition(ctx context.Context, agent Principal, conversationID string, decide func(c *Conversation) (*Event, error)) (Conversation, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return Conversation{}, err
	}
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if errors.Is(err, ErrNotFound) || (err == nil && !s.visible(agent, conv)) {
		return Conversation{}, notFound()
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("load %s: %w", conversationID, err)
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

func checkAgentID(id string) error {
	if id == "" || len(id) > 128 || strings.ContainsAny(id, "#\x00") {
		return invalid("agentId is malformed")
	}
	return nil
}

// Assign gives a conversation to an agent. With expected set, it succeeds
// only while the assignee is still *expected.
func (s *Service) Assign(ctx context.Context, agent Principal, conversationID, agentID string, expected *string) (Conversation, error) {
	if err := checkAgentID(agentID); err != nil {
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
		typ := EventTakenOver
		if c.AssigneeID == "" {
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
		c.Status = StatusClosed
		stopTimer(c)
		return &Event{Type: EventClosed, Reason: CloseReasonAgent}, nil
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
			s.armTimer(c, s.now())
		} else {
			stopTimer(c)
		}
		return &Event{Type: EventReopened}, nil
	})
}

// MarkRead records that p has read up to seq and tells the other side.
func (s *Service) MarkRead(ctx context.Context, p Principal, conversationID string, seq int64) (Conversation, error) {
	if err := checkID("conversationId", conversationID); err != nil {
		return Conversation{}, err
	}
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if errors.Is(err, ErrNotFound) || (err == nil && !s.visible(p, conv)) {
		return Conversation{}, notFound()
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("read %s: %w", conversationID, err)
	}
	if seq < 1 || seq > conv.LastSeq {
		return Conversation{}, invalid("seq must be between 1 and %d", conv.LastSeq)
	}
	updated, err := s.store.MarkRead(ctx, conversationID, p.Role, seq)
	if err != nil {
		return Conversation{}, fmt.Errorf("mark %s read: %w", conversationID, err)
	}
	if updated.VisitorReadSeq == conv.VisitorReadSeq && updated.AgentReadSeq == conv.AgentReadSeq {
		return updated, nil
	}
	if p.Role == RoleAgent && len(listeners) > 0 {
		s.notify.PushVia(ctx, Via{Kind: ViaConversation, ID: conversationID}, listenerIDs(listeners, ""), ConversationFrame{Type: "conversation", Conversation: updated.VisitorSummary()})
	}
	agentFrame := ConversationFrame{Type: "conversation", Conversation: updated.AgentSummary()}
	if p.Role == RoleVisitor || unread(updated) == unread(conv) {
		// The list shows neither the visitor's read marker nor a read
		// that leaves the unread dot as it was: only open threads hear.
		if ids := watcherIDs(listeners, ""); len(ids) > 0 {
			s.notify.PushVia(ctx, Via{Kind: ViaConversation, ID: conversationID}, ids, agentFrame)
		}
		return updated, nil
	}
	agents, err := s.store.InboxListeners(ctx, updated.InboxID)
	if err != nil {
		slog.ErrorContext(ctx, "list inbox connections", "conversationId", conversationID, "error", err)
		return updated, nil
	}
	if len(agents) > 0 {
		s.notify.PushVia(ctx, Via{Kind: ViaInbox, ID: updated.InboxID}, agents, agentFrame)
	}
	return updated, nil
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

// Typing relays a typing indicator: a visitor's to the agents, an agent's
// to the visitor and the other agents. Nothing is stored.
func (s *Service) Typing(ctx context.Context, connectionID, conversationID string, on bool) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("typing in %s: %w", conversationID, err)
	}
	exists := err == nil
	p, err := s.principalOf(ctx, connectionID, listeners)
	if err != nil {
		return err
	}
	if !exists || !s.visible(p, conv) {
		return notFound()
	}
	frame := TypingFrame{Type: "typing", ConversationID: conv.ID, Author: Author{Type: p.Role, ID: p.ID, Name: p.Name}, On: on}
	if p.Role == RoleAgent {
		if ids := listenerIDs(listeners, connectionID); len(ids) > 0 {
			s.notify.PushVia(ctx, Via{Kind: ViaConversation, ID: conv.ID}, ids, frame)
		}
	}
	// Only an open thread shows typing: the agents who have it open hear.
	if others := watcherIDs(listeners, connectionID); len(others) > 0 {
		s.notify.PushVia(ctx, Via{Kind: ViaConversation, ID: conv.ID}, others, frame)
	}
	return nil
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

// Resume subscribes a visitor's connection to a conversation and answers it
// with the messages after afterSeq, in order.
func (s *Service) Resume(ctx context.Context, connectionID, conversationID string, afterSeq int64) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	if afterSeq < 0 {
		return invalid("afterSeq must not be negative")
	}
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("resume %s: %w", conversationID, err)
	}
	exists := err == nil
	p, err := s.principalOf(ctx, connectionID, listeners)
	if err != nil {
		return err
	}
	if !exists || !s.visible(p, conv) {
		return notFound()
	}
	subscribed := false
	for _, l := range listeners {
		subscribed = subscribed || l.ConnectionID == connectionID
	}
	// An agent's inbox resumes the conversation it opens: it then hears
	// every message of it (the rest of the inbox hears only what changes
	// its list, see fanout).
	if !subscribed {
		if err := s.store.Subscribe(ctx, connectionID, conversationID, p); err != nil {
			return fmt.Errorf("subscribe %s to %s: %w", connectionID, conversationID, err)
		}
	}
	msgs, more, err := s.store.Messages(ctx, MessageQuery{ConversationID: conversationID, After: afterSeq, Limit: MaxPageSize})
	if err != nil {
		return fmt.Errorf("resume %s: %w", conversationID, err)
	}
	// The frame must stay under API Gateway's 128 KB: long messages make
	// the page shorter, and hasMore asks for the rest.
	msgs, cut := fitFrame(msgs)
	more = more || cut
	if p.Role == RoleVisitor {
		msgs = forVisitor(msgs)
	}
	s.notify.Push(ctx, []string{connectionID}, MessagesFrame{Type: "messages", ConversationID: conversationID, Messages: msgs, HasMore: more})
	return nil
}

// ---------------------------------------------------------------- reading

// PageQuery asks for a page of messages; at most one of After and Before.
type PageQuery struct {
	After, Before int64
	Limit         int
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
	if q.After < 0 || q.Before < 0 || (q.After > 0 && q.Before > 0) {
		return nil, false, invalid("use one of after and before, not negative")
	}
	limit, err := checkLimit(q.Limit, DefaultPageSize)
	if err != nil {
		return nil, false, err
	}
	conv, err := s.store.Conversation(ctx, conversationID)
	if errors.Is(err, ErrNotFound) || (err == nil && !s.visible(p, conv)) {
		return nil, false, notFound()
	}
	if err != nil {
		return nil, false, fmt.Errorf("messages of %s: %w", conversationID, err)
	}
	mq := MessageQuery{ConversationID: conversationID, After: q.After, Before: q.Before, Limit: limit}
	if q.After == 0 && q.Before == 0 && p.Role == RoleAgent {
		// An agent opening a thread wants its latest page; a visitor's
		// history starts at the beginning.
		mq.Before = conv.LastSeq + 1
	}
	msgs, more, err := s.store.Messages(ctx, mq)
	if err != nil {
		return nil, false, fmt.Errorf("messages of %s: %w", conversationID, err)
	}
	if p.Role == RoleVisitor {
		msgs = forVisitor(msgs)
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
	conv, err := s.store.Conversation(ctx, conversationID)
	if errors.Is(err, ErrNotFound) || (err == nil && !s.visible(agent, conv)) {
		return Summary{}, nil, false, notFound()
	}
	if err != nil {
		return Summary{}, nil, false, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	msgs, more, err := s.store.Messages(ctx, MessageQuery{ConversationID: conversationID, Before: conv.LastSeq + 1, Limit: limit})
	if err != nil {
		return Summary{}, nil, false, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	return conv.AgentSummary(), msgs, more, nil
}

// List returns a page of the agent's inbox.
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
	convs, next, err := s.store.Conversations(ctx, ListQuery{InboxID: s.inbox, Status: status, View: view, AgentID: agent.ID, Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", view, err)
	}
	out := make([]Summary, 0, len(convs))
	for _, c := range convs {
		out = append(out, c.AgentSummary())
	}
	return out, next, nil
}

// ---------------------------------------------------------------- agents

// Me returns the agent's profile, creating it from the identity provider's
// claims on first use.
func (s *Service) Me(ctx context.Context, agent Principal, email string) (Agent, error) {
	name := agent.Name
	if name == "" {
		name = email
	}
	a, err := s.store.EnsureAgent(ctx, Agent{ID: agent.ID, DisplayName: name, Email: email, Inboxes: []string{s.inbox}})
	if err != nil {
		return Agent{}, fmt.Errorf("agent %s: %w", agent.ID, err)
	}
	return a, nil
}

// ProfileUpdate is what an agent may change about itself.
type ProfileUpdate struct {
	DisplayName string
	AvatarURL   string
	MeetingsURL string
}

func checkURL(name, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2048 {
		return invalid("%s must be an http(s) URL", name)
	}
	return nil
}

// UpdateMe changes the agent's profile.
func (s *Service) UpdateMe(ctx context.Context, agent Principal, email string, u ProfileUpdate) (Agent, error) {
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	if u.DisplayName == "" || utf8.RuneCountInString(u.DisplayName) > 80 {
		return Agent{}, invalid("displayName must have 1 to 80 characters")
	}
	if err := checkURL("avatarUrl", u.AvatarURL); err != nil {
		return Agent{}, err
	}
	if err := checkURL("meetingsUrl", u.MeetingsURL); err != nil {
		return Agent{}, err
	}
	a, err := s.Me(ctx, agent, email)
	if err != nil {
		return Agent{}, err
	}
	a.DisplayName, a.AvatarURL, a.MeetingsURL = u.DisplayName, u.AvatarURL, u.MeetingsURL
	if err := s.store.PutAgent(ctx, a); err != nil {
		return Agent{}, fmt.Errorf("update agent %s: %w", agent.ID, err)
	}
	s.assigneeChanged(ctx, a)
	return a, nil
}

// Agents lists the agents of the caller's inbox.
func (s *Service) Agents(ctx context.Context, agent Principal) ([]Agent, error) {
	as, err := s.store.Agents(ctx, s.inbox)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return as, nil
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
