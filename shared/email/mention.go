package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// Mentions stores agents' notes and emails the agents a note mentions who
// have no inbox open, with a link to the conversation in the inbox.
type Mentions struct {
	mail *Service
}

// NewMentions returns Mentions over the email channel s; it needs its
// sender and the inbox's URL (Options.InboxURL) for the emails' links.
func NewMentions(s *Service) (*Mentions, error) {
	if s == nil || s.sender == nil || s.inboxURL == "" {
		return nil, errors.New("email: mentions need the email channel with its sender and the inbox's URL (INBOX_URL)")
	}
	return &Mentions{mail: s}, nil
}

// Note stores an agent's note (chat.Service.Note) and emails the mentioned
// agents who heard it on no socket.
func (m *Mentions) Note(ctx context.Context, agent chat.Principal, conversationID string, in chat.NoteInput) (chat.Message, bool, error) {
	return m.mail.chat.Note(ctx, agent, conversationID, in, m.send)
}

// inboxLink is the inbox's address of a conversation.
func (s *Service) inboxLink(conversationID string) string {
	return strings.TrimSuffix(s.inboxURL, "/") + "/#/c/" + conversationID
}

// send emails one mentioned agent, at most once per note: the agent and
// the note are claimed first, and the claim is released when sending
// fails, so that the note sent again (same client id) tries once more.
func (m *Mentions) send(ctx context.Context, to chat.Agent, conv chat.Conversation, note chat.Message) error {
	log := slog.With("conversationId", conv.ID, "agentId", to.ID, "seq", note.Seq)
	if to.Email == "" {
		log.InfoContext(ctx, "mention email skipped", "why", "no address known for the agent")
		return nil
	}
	s := m.mail
	claim := MentionClaim(to.ID, conv.ID, note.Seq)
	if err := s.store.Once(ctx, claim); err != nil {
		if errors.Is(err, chat.ErrConflict) {
			return nil
		}
		return err
	}
	if err := m.deliver(ctx, to, conv, note); err != nil {
		if rerr := s.store.Release(ctx, claim); rerr != nil {
			logError(ctx, "release mention claim", rerr, "conversationId", conv.ID)
		}
		return err
	}
	log.InfoContext(ctx, "mention emailed")
	return nil
}

func (m *Mentions) deliver(ctx context.Context, to chat.Agent, conv chat.Conversation, note chat.Message) error {
	s := m.mail
	reason, err := s.blocked(ctx, to.Email)
	if err != nil {
		return err
	}
	if reason != "" {
		slog.InfoContext(ctx, "mention email skipped", "why", "address undeliverable", "agentId", to.ID)
		return nil
	}
	st, err := s.settings(ctx, conv.ChannelID)
	if err != nil {
		return err
	}
	who := note.Author.Name
	if who == "" {
		who = "An agent"
	}
	fromName := who
	if st.SenderName != "" {
		fromName += " · " + st.SenderName
	}
	from, err := mail.FormatAddress(fromName, st.SenderAddress)
	if err != nil {
		return fmt.Errorf("sender address: %w", err)
	}
	addr, err := mail.FormatAddress(to.DisplayName, to.Email)
	if err != nil {
		return toDomain(err)
	}
	subject, err := mail.Subject(who + " mentioned you in a conversation")
	if err != nil {
		return toDomain(err)
	}
	text, html, err := mail.RenderNotice(mail.Notice{
		Heading: who + " mentioned you in an internal note:", Quote: note.Body, By: who,
		Link: s.inboxLink(conv.ID), LinkText: "Open the conversation",
		Footer: "You get this email because nobody was signed in to the inbox as you. Notes are never shown to the visitor.",
	})
	if err != nil {
		return err
	}
	raw, err := mail.Build(mail.Message{
		From: from, To: addr, Subject: subject, Date: s.now(), Text: text, HTML: html,
		MessageID: mail.NewMessageID(senderDomain(st.SenderAddress)),
	})
	if err != nil {
		return toDomain(err)
	}
	err = s.deliver(ctx, Outgoing{From: st.SenderAddress, To: to.Email, Raw: raw, Tags: map[string]string{"conversationId": conv.ID}})
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// MentionClaim is the key of the Once claim of the email to agentID about
// the note at seq, for erasure to find it.
func MentionClaim(agentID, conversationID string, seq int64) string {
	return "mention#" + agentID + "#" + conversationID + ":" + strconv.FormatInt(seq, 10)
}
