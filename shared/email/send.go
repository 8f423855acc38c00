package email

import (
	"context"
	"errors"
	"fmt"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// outgoing is an email about one conversation.
type outgoing struct {
	conv     chat.Conversation
	to       string // address
	toName   string
	fromName string
	subject  string
	thread   mail.Thread
	history  []chat.Message
	mailID   string
	files    []mail.Attachment
	// headers are extra headers (names and values safe ASCII).
	headers map[string]string
}

// errBlocked is the refusal to write to an undeliverable address.
func errBlocked(reason string) error {
	return &chat.Error{Kind: chat.ErrConflict, Message: "email not sent: " + reason}
}

// send builds and sends one email; it returns the Message-ID.
func (s *Service) send(ctx context.Context, o outgoing) (string, error) {
	reason, err := s.blocked(ctx, o.to)
	if err != nil {
		return "", err
	}
	if reason != "" {
		return "", errBlocked(reason)
	}
	st, err := s.settings(ctx, o.conv.ChannelID)
	if err != nil {
		return "", err
	}
	fromName := o.fromName
	if st.SenderName != "" {
		fromName = fromName + " · " + st.SenderName
	}
	from, err := mail.FormatAddress(fromName, st.SenderAddress)
	if err != nil {
		return "", fmt.Errorf("sender address: %w", err)
	}
	to, err := mail.FormatAddress(o.toName, o.to)
	if err != nil {
		return "", toDomain(err)
	}
	subject, err := mail.Subject(o.subject)
	if err != nil {
		return "", toDomain(err)
	}
	replyTo, err := s.tokens.ReplyAddress(o.conv.ID, s.cfg.InboundDomain)
	if err != nil {
		return "", err
	}
	// Ids stored before Parse checked them may be ones Build refuses:
	// such an id is left out of the threading headers rather than
	// failing the email.
	var refs []string
	for _, m := range o.history {
		if mail.ValidMessageID(m.MailID) {
			refs = append(refs, m.MailID)
		}
	}
	inReplyTo := ""
	if len(refs) > 0 {
		inReplyTo = refs[len(refs)-1]
	}
	text, htmlBody, err := mail.Render(o.thread)
	if err != nil {
		return "", err
	}
	if o.mailID == "" {
		o.mailID = mail.NewMessageID(senderDomain(st.SenderAddress))
	}
	raw, err := mail.Build(mail.Message{
		From: from, To: to, ReplyTo: replyTo, Subject: subject, MessageID: o.mailID,
		InReplyTo: inReplyTo, References: refs, Date: s.now(), Text: text, HTML: htmlBody, Attachments: o.files, Headers: o.headers,
	})
	if err != nil {
		return "", toDomain(err)
	}
	err = s.deliver(ctx, Outgoing{From: st.SenderAddress, To: o.to, Raw: raw, Tags: map[string]string{"conversationId": o.conv.ID}})
	if err != nil {
		var rejected *RejectedError
		if errors.As(err, &rejected) {
			return "", &chat.Error{Kind: chat.ErrConflict, Message: "email rejected by the mail service: " + rejected.Reason}
		}
		return "", fmt.Errorf("send: %w", err)
	}
	return o.mailID, nil
}

// entries turns a conversation's messages into what an email shows:
// text messages only (system events and internal notes stay in the
// inbox), their files as links.
func (s *Service) entries(conversationID string, msgs []chat.Message, visitorName string) []mail.Entry {
	out := make([]mail.Entry, 0, len(msgs))
	for _, m := range msgs {
		if m.Kind != chat.KindText {
			continue
		}
		name := m.Author.Name
		if name == "" {
			switch m.Author.Type {
			case chat.RoleVisitor:
				name = visitorName
			default:
				name = "Support"
			}
		}
		if name == "" {
			name = "You"
		}
		out = append(out, mail.Entry{At: m.CreatedAt, Author: name, Body: m.Body, Email: m.Channel == chat.ChannelEmail,
			Files: s.linked(conversationID, m.Attachments)})
	}
	return out
}
