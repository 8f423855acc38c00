package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// ClientLookup finds the message a client key stored, so that a retried
// email reply is not sent twice. A key stored with another request digest
// than request (when both are set) is ErrClientIDReused. The DynamoDB
// store implements it.
type ClientLookup interface {
	ClientMessage(ctx context.Context, clientKey, request string) (Message, error)
}

// Deliver sends a reply outside the chat (by email) before it is stored.
// It gets the conversation, its latest messages, ascending, and the
// reply's files (committed to the conversation already), and returns the
// Message-ID of what it sent.
type Deliver func(ctx context.Context, conv Conversation, history []Message, files []Attachment) (mailID string, err error)

// SendClaims is how a reply sent on another channel is claimed before it
// is sent, so that two concurrent attempts with the same client id do not
// both send it: Once is a conditional put (ErrConflict when the key was
// claimed before), Release undoes it after a failed send. The DynamoDB
// store implements it.
type SendClaims interface {
	Once(ctx context.Context, key string) error
	Release(ctx context.Context, key string) error
}

// ReplyVia stores an agent's reply after deliver sent it on another
// channel: nothing is stored when delivery fails, and a retry with the same
// client id returns the stored message without delivering again. The
// client key is claimed before delivering, so of two concurrent attempts
// one delivers and the other is refused (ErrConflict) until the message is
// stored.
func (s *Service) ReplyVia(ctx context.Context, agent Principal, conversationID, channel string, in SendInput, deliver Deliver) (Message, bool, error) {
	in.ConversationID = conversationID
	conv, listeners, err := s.replyTarget(ctx, agent, in)
	if err != nil {
		return Message{}, false, err
	}
	key := clientKey(agent, in.ClientID)
	request := SendInput{ConversationID: conversationID, Channel: channel, Body: in.Body, Attachments: in.Attachments}.requestDigest()
	prior := func() (Message, bool, error) {
		lookup, ok := s.store.(ClientLookup)
		if !ok {
			return Message{}, false, nil
		}
		m, err := lookup.ClientMessage(ctx, key, request)
		switch {
		case err == nil:
			return m, true, nil
		case errors.Is(err, ErrNotFound):
			return Message{}, false, nil
		}
		return Message{}, false, fmt.Errorf("reply to %s: %w", conversationID, err)
	}
	if m, found, err := prior(); err != nil || found {
		return m, false, err
	}
	claims, claiming := s.store.(SendClaims)
	if claiming {
		if err := claims.Once(ctx, "send#"+key); err != nil {
			if !errors.Is(err, ErrConflict) {
				return Message{}, false, fmt.Errorf("reply to %s: %w", conversationID, err)
			}
			// Another attempt holds the claim: its message, once stored.
			if m, found, err := prior(); err != nil || found {
				return m, false, err
			}
			return Message{}, false, &Error{Kind: ErrConflict, Message: "this reply is being sent by another request; retry with the same clientId to get it"}
		}
	}
	// A retry after a send that was not stored commits the same files again.
	if err := s.attach(ctx, agent, &in, conv); err != nil {
		s.release(ctx, claims, claiming, key)
		return Message{}, false, err
	}
	// The email goes to the visitor: no note in its history.
	history, _, err := s.publicPage(ctx, MessageQuery{ConversationID: conversationID, Before: conv.LastSeq + 1, Limit: MaxPageSize})
	if err != nil {
		s.release(ctx, claims, claiming, key)
		return Message{}, false, fmt.Errorf("history of %s: %w", conversationID, err)
	}
	mailID, err := deliver(ctx, conv, history, in.files)
	if err != nil {
		s.release(ctx, claims, claiming, key)
		return Message{}, false, err
	}
	// Sent: the claim stays, so no later attempt sends again; from now on
	// the stored message answers them.
	in.Channel, in.MailID = channel, mailID
	res, _, err := s.reply(ctx, agent, conv, listeners, in)
	return res.Message, !res.Duplicate, err
}

func (s *Service) release(ctx context.Context, claims SendClaims, claiming bool, key string) {
	if !claiming {
		return
	}
	if err := claims.Release(ctx, "send#"+key); err != nil {
		slog.ErrorContext(ctx, "release send claim", "error", err)
	}
}

// Thread returns a conversation and its latest messages, ascending, for
// the system's own use; no principal is checked. What goes to a visitor
// reads ThreadBack, which leaves notes out.
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

// ThreadBack reads a conversation and its whole seq stream from the newest
// message back, a page at a time: page gets each page, ascending, as the
// visitor may see it (no notes; a page of notes only comes empty).
func (s *Service) ThreadBack(ctx context.Context, conversationID string, page func([]Message)) (Conversation, error) {
	if err := checkID("conversation id", conversationID); err != nil {
		return Conversation{}, err
	}
	conv, err := s.store.Conversation(ctx, conversationID)
	if errors.Is(err, ErrNotFound) {
		return Conversation{}, notFound()
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation %s: %w", conversationID, err)
	}
	for before := conv.LastSeq + 1; before > 1; {
		msgs, more, err := s.store.Messages(ctx, MessageQuery{ConversationID: conversationID, Before: before, Limit: MaxPageSize})
		if err != nil {
			return Conversation{}, fmt.Errorf("messages of %s: %w", conversationID, err)
		}
		if len(msgs) == 0 {
			break
		}
		page(forVisitor(msgs))
		if !more {
			break
		}
		before = msgs[0].Seq
	}
	return conv, nil
}

// EmailInput is a contact's message received by email.
type EmailInput struct {
	// Dedupe identifies the email (its Message-ID, or the receiving
	// service's id): the same email appended twice is stored once.
	Dedupe string
	MailID string
	// RawMail is where the mail is kept as received (its object key), so
	// retention and erasure find it.
	RawMail string
	Body    string
	// Extraction is ExtractionFull when Body is the whole mail (its new
	// text could not be separated from the quote).
	Extraction string
	// Attachments are the mail's files, stored in the conversation
	// already; with them the body may be empty.
	Attachments []Attachment
}

func (in EmailInput) validate() error {
	if in.Dedupe == "" {
		return invalid("an email needs an id")
	}
	if len(in.Attachments) > 0 && strings.TrimSpace(in.Body) == "" {
		return nil
	}
	return checkBody(in.Body)
}

// AppendEmail adds a contact's emailed message to a conversation. created
// is false when the email had been appended before: its message is
// returned and nothing changes, even if the conversation closed since.
//
// A closed conversation reopens first (a reopened event by the contact,
// then the message), as an agent's reply does. Email activity stops the
// chat's inactivity timer instead of arming it: the contact is not in the
// widget, and an email thread stays open until an agent closes it (the
// visitor's next chat message arms the timer again).
func (s *Service) AppendEmail(ctx context.Context, contact Principal, conversationID string, in EmailInput) (msg Message, created bool, err error) {
	if err := in.validate(); err != nil {
		return Message{}, false, err
	}
	conv, listeners, err := s.reach(ctx, contact, conversationID)
	if err != nil {
		return Message{}, false, err
	}
	key := "email#" + in.Dedupe
	if lookup, ok := s.store.(ClientLookup); ok {
		prior, err := lookup.ClientMessage(ctx, key, "")
		switch {
		case err == nil:
			return sameConversation(prior, conversationID)
		case !errors.Is(err, ErrNotFound):
			return Message{}, false, fmt.Errorf("email to %s: %w", conversationID, err)
		}
	}
	res, err := s.appendEmail(ctx, contact, conv, in, key)
	for range reopenAttempts {
		if !errors.Is(err, errClosed) {
			break
		}
		if conv, err = s.reopen(ctx, contact, conv.ID, false); err != nil {
			return Message{}, false, err
		}
		res, err = s.appendEmail(ctx, contact, conv, in, key)
	}
	if errors.Is(err, errClosed) {
		return Message{}, false, fmt.Errorf("email to %s: closed again each time it was reopened: %w", conv.ID, ErrConflict)
	}
	if err != nil {
		return Message{}, false, err
	}
	if res.Duplicate {
		return sameConversation(res.Message, conversationID)
	}
	s.fanout(ctx, res.Conversation, res.Message, listeners, false)
	return res.Message, true, nil
}

// sameConversation returns a message found by an email's dedupe key; a key
// that names a message of another conversation is refused rather than
// answered with it.
func sameConversation(m Message, conversationID string) (Message, bool, error) {
	if m.ConversationID != conversationID {
		return Message{}, false, &Error{Kind: ErrConflict, Message: "the email's id belongs to a message of another conversation"}
	}
	return m, false, nil
}

func (s *Service) appendEmail(ctx context.Context, contact Principal, conv Conversation, in EmailInput, key string) (Appended, error) {
	now := s.now().UTC()
	res, err := s.store.Append(ctx, Append{
		Current: conv,
		Message: Message{
			Kind: KindText, Author: author(contact), Body: in.Body, CreatedAt: now,
			Channel: ChannelEmail, MailID: in.MailID, RawMail: in.RawMail, Extraction: in.Extraction, Attachments: in.Attachments,
		},
		ClientKey: key,
		Change: func(c *Conversation) error {
			if c.Status != StatusOpen {
				return errClosed
			}
			defer stampListed(c, unread(*c), contact.Role)
			c.Preview = previewOf(in.Body, in.Attachments)
			c.LastActivityAt = now
			stopTimer(c)
			return nil
		},
	})
	if err != nil {
		if errors.Is(err, errClosed) {
			return Appended{}, err
		}
		return Appended{}, fmt.Errorf("email to %s: %w", conv.ID, err)
	}
	return res, nil
}

// StartByEmail opens a new conversation for a contact whose email did not
// belong to any conversation. It runs no inactivity timer: the contact
// writes by email, and an agent closes the conversation.
func (s *Service) StartByEmail(ctx context.Context, contact Principal, in EmailInput) (Message, bool, error) {
	if err := in.validate(); err != nil {
		return Message{}, false, err
	}
	inbox, err := s.ChannelInbox(ctx, s.channel)
	if err != nil {
		return Message{}, false, err
	}
	now := s.now().UTC()
	cid := s.newID()
	msg := Message{
		ConversationID: cid, Seq: 1, Kind: KindText, Author: author(contact), Body: in.Body, CreatedAt: now,
		Channel: ChannelEmail, MailID: in.MailID, RawMail: in.RawMail, Extraction: in.Extraction, Attachments: in.Attachments,
	}
	first := previewOf(in.Body, in.Attachments)
	c := Conversation{
		ID: cid, ChannelID: s.channel, InboxID: inbox, VisitorID: contact.ID, Status: StatusOpen,
		LastSeq: 1, Preview: first, CreatedAt: now, LastActivityAt: now,
		VisitorName: s.visitorName(ctx, contact.ID), FirstLine: first,
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
