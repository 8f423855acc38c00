package email

import (
	"context"
	"fmt"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// Reply sends an agent's reply by email, with the conversation's history,
// and stores it in the thread with the email label. Nothing is stored when
// the email cannot be sent; a retry with the same client id returns the
// stored message and sends nothing.
func (s *Service) Reply(ctx context.Context, agent chat.Principal, conversationID string, in chat.SendInput) (chat.Message, bool, error) {
	return s.chat.ReplyVia(ctx, agent, conversationID, chat.ChannelEmail, in, func(ctx context.Context, conv chat.Conversation, history []chat.Message, files []chat.Attachment) (string, error) {
		c, ok, err := s.contactOf(ctx, conv.VisitorID)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", errBlocked("no email address is known for this contact")
		}
		subject := "Your conversation"
		if st, err := s.settings(ctx, conv.ChannelID); err == nil && st.SenderName != "" {
			subject = "Your conversation with " + st.SenderName
		}
		for _, m := range history {
			if m.MailID != "" {
				subject = "Re: " + subject
				break
			}
		}
		mailID := fmt.Sprintf("%s.%s@%s", conv.ID, in.ClientID, senderDomain(s.cfg.SenderAddress))
		attached, lead, err := s.carried(ctx, conv.ID, files)
		if err != nil {
			return "", err
		}
		earlier := s.entries(conv.ID, history, c.Name)
		return s.send(ctx, outgoing{
			conv: conv, to: c.Email, toName: c.Name, fromName: agent.Name, subject: subject, history: history, mailID: mailID, files: attached,
			thread: mail.Thread{
				Lead: in.Body, LeadFiles: lead, LeadBy: agent.Name, Title: "Earlier in this conversation",
				StartedAt: conv.CreatedAt, PageURL: c.PageURL, Entries: earlier,
				FilesNote: filesNote(lead, earlier),
				Footer:    "Reply to this email to continue the conversation.",
			},
		})
	})
}
