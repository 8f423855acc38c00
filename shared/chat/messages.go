package chat

// Messages: what visitors and agents write into a conversation's seq stream.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// SendInput is a message written by a client.
type SendInput struct {
	ClientID       string
	ConversationID string
	Body           string
	// Channel and MailID are set for replies sent by email.
	Channel string
	MailID  string
	// Attachments are the uploads the message carries (files.go); with
	// them the body may be empty.
	Attachments []Upload

	// files are the uploads once committed to filesIn (attach).
	files   []Attachment
	filesIn string
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
	if err := in.validateUploads(); err != nil {
		return err
	}
	if len(in.Attachments) > 0 && strings.TrimSpace(in.Body) == "" {
		return nil
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
		p         Principal
		conv      Conversation
		listeners []Listener
		err       error
	)
	exists := in.ConversationID != ""
	if exists {
		p, conv, listeners, err = s.reachFrom(ctx, connectionID, in.ConversationID)
	} else {
		p, err = s.Principal(ctx, connectionID)
	}
	if err != nil {
		return Message{}, err
	}
	if p.Role == RoleAgent {
		if !exists {
			return Message{}, notFound()
		}
		if err := s.attach(ctx, p, &in, conv); err != nil {
			return Message{}, err
		}
		res, reached, err := s.reply(ctx, p, conv, listeners, in)
		if err != nil {
			return Message{}, err
		}
		// The inbox takes the echo of its reply as the answer that lets its
		// next one go. Its socket hears the reply when it follows the thread
		// (the usual case) or with the inbox's list; one that does neither
		// (a socket just reconnected, whose resume is not handled yet) is
		// answered here, or its replies would wait for the resend.
		if !reached[connectionID] {
			s.Answer(ctx, connectionID, agentMessageFrame(res.Conversation, res.Message))
		}
		return res.Message, nil
	}
	if exists && conv.Status == StatusOpen {
		if err := s.attach(ctx, p, &in, conv); err != nil {
			return Message{}, err
		}
		res, err := s.appendText(ctx, p, conv, in)
		switch {
		case errors.Is(err, errClosed):
			// Closed between our read and our write: start a new one.
			s.unattach(ctx, &in)
		case err != nil:
			return Message{}, err
		default:
			s.settle(ctx, in, res)
			if err := s.repeat(ctx, connectionID, res); err != nil {
				return Message{}, err
			}
			s.afterVisitorWrite(ctx, connectionID, res, listeners, false)
			return res.Message, nil
		}
	}
	// The conversation starts in the channel the visitor's widget runs on
	// (a connection stored before principals carried it: the default).
	ch, err := s.channelOf(ctx, cmp.Or(p.ChannelID, s.channel))
	if err != nil {
		return Message{}, err
	}
	now := s.now().UTC()
	cid := s.newID()
	if err := s.attach(ctx, p, &in, Conversation{ID: cid, ChannelID: ch.ID}); err != nil {
		return Message{}, err
	}
	msg := Message{
		ConversationID: cid, Seq: 1, Kind: KindText, ClientID: in.ClientID,
		Author: author(p), Body: in.Body, CreatedAt: now, Attachments: in.files,
	}
	first := previewOf(in.Body, in.files)
	c := Conversation{
		ID: cid, ChannelID: ch.ID, InboxID: ch.InboxID, VisitorID: p.ID, Status: StatusOpen,
		VisitorOnline: true, LastSeq: 1, Preview: first, CreatedAt: now, LastActivityAt: now,
		VisitorName: s.visitorName(ctx, p.ID), FirstLine: first,
	}
	armTimer(&c, ch.Inactivity, now)
	res, err := s.store.CreateConversation(ctx, NewConversation{Conversation: c, Message: msg, ClientKey: clientKey(p, in.ClientID), Request: in.requestDigest(), Quota: s.visitorQuota(p)})
	if err != nil {
		return Message{}, fmt.Errorf("create conversation: %w", err)
	}
	s.settle(ctx, in, res)
	if err := s.repeat(ctx, connectionID, res); err != nil {
		return Message{}, err
	}
	// The sender's tab follows the conversation it just started; a retry
	// subscribes again (idempotent), as the first attempt may have stopped
	// before. The message is stored: a failure here only costs live
	// pushes, which the tab's resume makes up for.
	if err := s.store.Subscribe(ctx, connectionID, res.Conversation.ID, p, ""); err != nil {
		slog.ErrorContext(ctx, "subscribe sender", "connectionId", connectionID, "conversationId", res.Conversation.ID, "error", err)
	}
	s.afterVisitorWrite(ctx, connectionID, res, nil, true)
	return res.Message, nil
}

func (s *Service) afterVisitorWrite(ctx context.Context, connectionID string, res Appended, listeners []Listener, created bool) {
	// A retry fans out again: the first attempt may have stored the
	// message and stopped before its pushes. Clients de-duplicate by seq.
	reached := s.fanout(ctx, res.Conversation, res.Message, listeners, created)
	follow := res.Follow
	if res.Duplicate && res.Conversation.Bot.FlowID != "" {
		// The bot's entries stored with the message go out again too.
		all, err := s.botFollowing(ctx, res.Message)
		if err != nil {
			slog.ErrorContext(ctx, "bot entries of a repeated message", "conversationId", res.Message.ConversationID, "error", err)
		} else {
			follow = all[1:]
		}
	}
	for _, m := range follow {
		s.fanout(ctx, res.Conversation, m, listeners, false)
	}
	if !reached[connectionID] {
		// The widget takes the echo of its message as the answer that lets
		// the next one go. Its tab hears the message when it follows the
		// conversation (the usual case); one that does not (a socket just
		// reconnected, whose resume is not handled yet, or a retry whose
		// first answer was lost) is answered here, with the bot's entries
		// that followed it: acknowledged, the message is not sent again, so
		// no retry would bring them.
		for _, m := range append([]Message{res.Message}, follow...) {
			if m.Internal() {
				continue
			}
			s.Answer(ctx, connectionID, MessageFrame{
				Type: "message", ConversationID: m.ConversationID, Message: m.ForVisitor(),
				Conversation: res.Conversation.VisitorSummary(),
			})
		}
	}
}

func (s *Service) appendText(ctx context.Context, p Principal, conv Conversation, in SendInput) (Appended, error) {
	now := s.now().UTC()
	var (
		timer  Inactivity
		bot    func(c *Conversation, now time.Time) []Message
		follow []Message
	)
	var err error
	switch p.Role {
	case RoleVisitor:
		if timer, err = s.inactivityOf(ctx, conv); err != nil {
			return Appended{}, err
		}
		if bot, err = s.botAnswer(ctx, conv, in.Body); err != nil {
			return Appended{}, err
		}
	case RoleAgent:
		// An agent's reply stops the bot (stopBot).
		if timer, err = s.timerAfterBot(ctx, conv); err != nil {
			return Appended{}, err
		}
	}
	res, err := s.store.Append(ctx, Append{
		Follow:  func() []Message { return follow },
		Current: conv,
		Message: Message{
			Kind: KindText, ClientID: in.ClientID, Author: author(p), Body: in.Body, CreatedAt: now,
			Channel: in.Channel, MailID: in.MailID, Attachments: in.files,
		},
		ClientKey: clientKey(p, in.ClientID),
		Request:   in.requestDigest(),
		Quota:     s.visitorQuota(p),
		Change: func(c *Conversation) error {
			if c.Status != StatusOpen {
				return errClosed
			}
			defer stampListed(c, unread(*c), p.Role)
			c.Preview = previewOf(in.Body, in.files)
			c.LastActivityAt = now
			if p.Role == RoleAgent {
				// Replying means the agent has seen everything before it.
				c.AgentReadSeq = c.LastSeq + 1
				stopBot(c, timer)
			}
			follow = nil
			if bot != nil {
				follow = bot(c, now)
				if len(follow) > 0 {
					if b := follow[len(follow)-1].Body; b != "" {
						c.Preview = preview(b)
					}
				}
			}
			if p.Role == RoleVisitor {
				armTimer(c, s.botTimer(*c, timer), now)
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
	return s.reach(ctx, agent, in.ConversationID)
}

// Reply stores an agent's message. created is false when clientId had been
// used before: the message is the one stored then.
func (s *Service) Reply(ctx context.Context, agent Principal, conversationID string, in SendInput) (msg Message, created bool, err error) {
	in.ConversationID = conversationID
	conv, listeners, err := s.replyTarget(ctx, agent, in)
	if err != nil {
		return Message{}, false, err
	}
	if err := s.attach(ctx, agent, &in, conv); err != nil {
		return Message{}, false, err
	}
	res, _, err := s.reply(ctx, agent, conv, listeners, in)
	return res.Message, !res.Duplicate, err
}

// reopenAttempts bounds how often a reply reopens a conversation that
// keeps being closed under it.
const reopenAttempts = 3

// reply stores an agent's reply and fans it out; reached are the
// connections that were pushed it.
func (s *Service) reply(ctx context.Context, agent Principal, conv Conversation, listeners []Listener, in SendInput) (Appended, map[string]bool, error) {
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
			return Appended{}, nil, err
		}
		res, err = s.appendText(ctx, agent, conv, in)
	}
	if errors.Is(err, errClosed) {
		return Appended{}, nil, fmt.Errorf("reply to %s: closed again each time it was reopened: %w", conv.ID, ErrConflict)
	}
	if err != nil {
		return Appended{}, nil, err
	}
	s.settle(ctx, in, res)
	// A retry fans out again, as for visitors' messages. Whether the first
	// attempt changed the list is not known any more (the conversation was
	// read back), so a retry tells the whole inbox.
	if res.Duplicate {
		res.Conversation.ListChange = true
	}
	return res, s.fanout(ctx, res.Conversation, res.Message, listeners, false), nil
}
