package chat

import (
	"context"
	"errors"
	"fmt"
)

// ClientLookup finds the message a client key stored, so that a retried
// email reply is not sent twice. The DynamoDB store implements it.
type ClientLookup interface {
	ClientMessage(ctx context.Context, clientKey string) (Message, error)
}

// Deliver sends a reply outside the chat (by email) before it is stored.
// It gets the conversation and its latest messages, ascending, and returns
// the Message-ID of what it sent.
type Deliver func(ctx context.Context, conv Conversation, history []Message) (mailID string, err error)

// ReplyVia stores an agent's reply after deliver sent it on another
// channel: nothing is stored when delivery fails, and a retry with the same
// client id returns the stored message without delivering again.
func (s *Service) ReplyVia(ctx context.Context, agent Principal, conversationID, channel string, in SendInput, deliver Deliver) (Message, bool, error) {
	in.ConversationID = conversationID
	if err := checkID("conversation id", conversationID); err != nil {
		return Message{}, false, err
	}
	if err := in.validate(); err != nil {
		return Message{}, false, err
	}
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if errors.Is(err, ErrNotFound) || (err == nil && !s.visible(agent, conv)) {
		return Message{}, false, notFound()
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("reply to %s: %w", conversationID, err)
	}
	if lookup, ok := s.store.(ClientLookup); ok {
		prior, err := lookup.ClientMessage(ctx, clientKey(agent, in.ClientID))
		switch {
		case err == nil:
			return prior, false, nil
		case !errors.Is(err, ErrNotFound):
			return Message{}, false, fmt.Errorf("reply to %s: %w", conversationID, err)
		}
	}
	history, _, err := s.store.Messages(ctx, MessageQuery{ConversationID: conversationID, Before: conv.LastSeq + 1, Limit: MaxPageSize})
	if err != nil {
		return Message{}, false, fmt.Errorf("history of %s: %w", conversationID, err)
	}
	mailID, err := deliver(ctx, conv, history)
	if err != nil {
		return Message{}, false, err
	}
	in.Channel, in.MailID = channel, mailID
	res, err := s.reply(ctx, agent, conv, listeners, in)
	return res.Message, !res.Duplicate, err
}

// Thread returns a conversation and its latest messages, ascending, for
// the system's own use (transcripts); no principal is checked.
func (s *Service) Thread(ctx context.Context, conversationID string, limit int) (Conversation, []Message, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return Conversation{}, nil, err
	}
	if limit <= 0 || limit > MaxPageSize {
		limit = MaxPageSize
	}
	conv, err := s.store.Conversation(ctx, conversationID)
	if errors.Is(err, ErrNotFound) {
		return Conversation{}, nil, notFound()
	}
	if err != nil {
		return Conversation{}, nil, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	msgs, _, err := s.store.Messages(ctx, MessageQuery{ConversationID: conversationID, Before: conv.LastSeq + 1, Limit: limit})
	if err != nil {
		return Conversation{}, nil, fmt.Errorf("messages of %s: %w", conversationID, err)
	}
	return conv, msgs, nil
}

// EmailInput is a contact's message received by email.
type EmailInput struct {
	// Dedupe identifies the email (its Message-ID, or the receiving
	// service's id): the same email appended twice is stored once.
	Dedupe string
	MailID string
	Body   string
}

func (in EmailInput) validate() error {
	if in.Dedupe == "" {
		return invalid("an email needs an id")
	}
	return checkBody(in.Body)
}

// ReopenReasonEmail is the reason of the reopened event a contact's email
// to a closed conversation writes.
const ReopenReasonEmail = "email"

// AppendEmail adds a contact's emailed message to a conversation, reopening
// it when it was closed: the reopened event (reason email) is stored first,
// then the message, as for an agent's reply. created is false when the
// email had been appended before; a redelivered email reopens nothing.
func (s *Service) AppendEmail(ctx context.Context, contact Principal, conversationID string, in EmailInput) (msg Message, created bool, err error) {
	if err := in.validate(); err != nil {
		return Message{}, false, err
	}
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if errors.Is(err, ErrNotFound) || (err == nil && !s.visible(contact, conv)) {
		return Message{}, false, notFound()
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("email to %s: %w", conversationID, err)
	}
	if conv.Status == StatusClosed {
		if lookup, ok := s.store.(ClientLookup); ok {
			prior, err := lookup.ClientMessage(ctx, "email#"+in.Dedupe)
			switch {
			case err == nil:
				return prior, false, nil
			case !errors.Is(err, ErrNotFound):
				return Message{}, false, fmt.Errorf("email to %s: %w", conversationID, err)
			}
		}
		if conv, err = s.reopenByEmail(ctx, contact, conv, listeners); err != nil {
			return Message{}, false, err
		}
	}
	now := s.now().UTC()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{
			Kind: KindText, Author: author(contact), Body: in.Body, CreatedAt: now,
			Channel: ChannelEmail, MailID: in.MailID,
		},
		ClientKey: "email#" + in.Dedupe,
		Change: func(c *Conversation) error {
			c.Status = StatusOpen
			c.Preview = preview(in.Body)
			c.LastActivityAt = now
			return nil
		},
	})
	if err != nil {
		return Message{}, false, fmt.Errorf("email to %s: %w", conversationID, err)
	}
	if !res.Duplicate {
		s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	}
	return res.Message, !res.Duplicate, nil
}

// reopenByEmail stores the reopened event of a contact's email to a closed
// conversation. No inactivity timer starts: the contact is not in the chat.
func (s *Service) reopenByEmail(ctx context.Context, contact Principal, conv Conversation, listeners []Listener) (Conversation, error) {
	now := s.now().UTC()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{Kind: KindEvent, Author: author(contact), Event: &Event{Type: EventReopened, Reason: ReopenReasonEmail}, CreatedAt: now},
		Change: func(c *Conversation) error {
			if c.Status != StatusClosed {
				return errNoop
			}
			c.Status = StatusOpen
			c.LastActivityAt = now
			return nil
		},
	})
	if errors.Is(err, errNoop) {
		return s.store.Conversation(ctx, conv.ID)
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("reopen %s by email: %w", conv.ID, err)
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	return res.Conversation, nil
}

// StartByEmail opens a new conversation for a contact whose email did not
// belong to any conversation.
func (s *Service) StartByEmail(ctx context.Context, contact Principal, in EmailInput) (Message, bool, error) {
	if err := in.validate(); err != nil {
		return Message{}, false, err
	}
	now := s.now().UTC()
	cid := s.newID()
	msg := Message{
		ConversationID: cid, Seq: 1, Kind: KindText, Author: author(contact), Body: in.Body, CreatedAt: now,
		Channel: ChannelEmail, MailID: in.MailID,
	}
	c := Conversation{
		ID: cid, ChannelID: s.channel, InboxID: s.inbox, VisitorID: contact.ID, Status: StatusOpen,
		LastSeq: 1, Preview: preview(in.Body), CreatedAt: now, LastActivityAt: now,
	}
	res, err := s.store.CreateConversation(ctx, NewConversation{Conversation: c, Message: msg, ClientKey: "email#" + in.Dedupe})
	if err != nil {
		return Message{}, false, fmt.Errorf("create conversation by email: %w", err)
	}
	if !res.Duplicate {
		s.fanout(ctx, res.Conversation, res.Message, nil, true)
	}
	return res.Message, !res.Duplicate, nil
}

// RecordEvent stores a system event (such as an emailed transcript) in a
// conversation's seq stream without changing its state.
func (s *Service) RecordEvent(ctx context.Context, by Principal, conversationID string, ev Event) (Message, error) {
	conv, listeners, err := s.store.ConversationListeners(ctx, conversationID)
	if err != nil {
		return Message{}, fmt.Errorf("record %s in %s: %w", ev.Type, conversationID, err)
	}
	now := s.now().UTC()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{Kind: KindEvent, Author: author(by), Event: &ev, CreatedAt: now},
		Change:  func(c *Conversation) error { return nil },
	})
	if err != nil {
		return Message{}, fmt.Errorf("record %s in %s: %w", ev.Type, conversationID, err)
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	return res.Message, nil
}

// Visible reports whether p may see the conversation (agents: their inbox;
// visitors: their own).
func (s *Service) Visible(p Principal, c Conversation) bool { return s.visible(p, c) }
