package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
)

// Export is everything about a contact, as one document.
type Export struct {
	ExportedAt    time.Time      `json:"exportedAt"`
	Contact       Profile        `json:"contact"`
	Addresses     []Address      `json:"addresses"`
	Conversations []Conversation `json:"conversations"`
	// QuarantinedMail is the mail from the contact's address, or for
	// one of its conversations, that failed the checks and was kept
	// aside for agents.
	QuarantinedMail []HeldMail `json:"quarantinedMail"`
}

// Profile is the contact as the widget and the email channel know it.
type Profile struct {
	VisitorID string `json:"visitorId"`
	ChannelID string `json:"channelId,omitempty"`
	// CreatedAt is absent for a contact who only ever wrote by email.
	CreatedAt  *time.Time `json:"createdAt,omitempty"`
	ExternalID string     `json:"externalId,omitempty"`
	Name       string     `json:"name,omitempty"`
	Email      string     `json:"email,omitempty"`
	PageURL    string     `json:"pageUrl,omitempty"`
	// Attributes are what the host site set (setAttributes).
	Attributes contact.Attributes `json:"attributes"`
}

// Address is an email address of the contact and what is known of it.
type Address struct {
	Email    string `json:"email"`
	Verified bool   `json:"verified"`
	// Status is "deliverable", or "bounce" or "complaint" once mail to
	// it bounced or was reported, since StatusAt.
	Status   string     `json:"status"`
	Reason   string     `json:"reason,omitempty"`
	StatusAt *time.Time `json:"statusAt,omitempty"`
}

// Conversation is one of the contact's conversations with every message.
type Conversation struct {
	ID             string      `json:"id"`
	ChannelID      string      `json:"channelId"`
	InboxID        string      `json:"inboxId"`
	Status         chat.Status `json:"status"`
	AssigneeName   string      `json:"assigneeName,omitempty"`
	CreatedAt      time.Time   `json:"createdAt"`
	LastActivityAt time.Time   `json:"lastActivityAt"`
	// Visit is where the chat started and the pages visited since, with
	// the browser; absent for a conversation begun by email.
	Visit    *chat.Visit `json:"visit,omitempty"`
	Messages []Message   `json:"messages"`
}

// HeldMail is a quarantined mail as agents see it (the raw mail itself
// stays in the bucket until the erasure).
type HeldMail struct {
	InboxID        string    `json:"inboxId"`
	From           string    `json:"from"`
	Subject        string    `json:"subject,omitempty"`
	Preview        string    `json:"preview,omitempty"`
	Reason         string    `json:"reason"`
	ConversationID string    `json:"conversationId,omitempty"`
	ReceivedAt     time.Time `json:"receivedAt"`
}

// Message is a stored message with links to its files.
type Message struct {
	chat.Message
	Attachments []File `json:"attachments,omitempty"`
}

// File is an attachment's metadata and a link that downloads it.
type File struct {
	chat.Attachment
	URL string `json:"url"`
}

// exportPage is how many messages one read of an export takes.
const exportPage = 100

// Export gathers everything about the contact visitorID (Resolve), its
// files linked through links.
func (s *Service) Export(ctx context.Context, visitorID string, links Links) (Export, error) {
	out := Export{ExportedAt: s.now().UTC(), Contact: Profile{VisitorID: visitorID}, Addresses: []Address{}, Conversations: []Conversation{},
		QuarantinedMail: []HeldMail{}}
	v, err := s.store.Visitor(ctx, visitorID)
	switch {
	case err == nil:
		out.Contact.ChannelID = v.ChannelID
		out.Contact.CreatedAt = &v.CreatedAt
	case !errors.Is(err, chat.ErrNotFound):
		return Export{}, fmt.Errorf("export visitor: %w", err)
	}
	rec, err := s.store.VisitorRecords(ctx, visitorID)
	if err != nil {
		return Export{}, fmt.Errorf("export visitor: %w", err)
	}
	out.Contact.ExternalID = rec.ExternalID
	if out.Contact.Attributes, _, err = s.store.Attributes(ctx, visitorID); err != nil {
		return Export{}, fmt.Errorf("export attributes: %w", err)
	}
	c, err := s.store.Contact(ctx, visitorID)
	switch {
	case err == nil:
		out.Contact.Name, out.Contact.Email, out.Contact.PageURL = c.Name, c.Email, c.PageURL
		a := Address{Email: c.Email, Verified: c.Verified(), Status: "deliverable"}
		// An address never marked is deliverable (not found).
		st, err := s.store.AddressStatus(ctx, c.Email)
		switch {
		case err == nil && st.Kind != "":
			a.Status, a.Reason, a.StatusAt = st.Kind, st.Reason, &st.At
		case err != nil && !errors.Is(err, chat.ErrNotFound):
			return Export{}, fmt.Errorf("export address status: %w", err)
		}
		out.Addresses = append(out.Addresses, a)
	case !errors.Is(err, chat.ErrNotFound):
		return Export{}, fmt.Errorf("export contact: %w", err)
	}
	ids, err := s.store.VisitorConversationIDs(ctx, visitorID)
	if err != nil {
		return Export{}, fmt.Errorf("export conversations: %w", err)
	}
	for _, id := range ids {
		conv, err := s.conversation(ctx, id, links)
		if errors.Is(err, chat.ErrNotFound) {
			continue // removed by retention meanwhile
		}
		if err != nil {
			return Export{}, err
		}
		out.Conversations = append(out.Conversations, conv)
	}
	held, err := s.store.QuarantinedOf(ctx, out.Contact.Email, ids)
	if err != nil {
		return Export{}, fmt.Errorf("export quarantined mail: %w", err)
	}
	for _, q := range held {
		out.QuarantinedMail = append(out.QuarantinedMail, HeldMail{InboxID: q.InboxID, From: q.From, Subject: q.Subject, Preview: q.Preview,
			Reason: q.Reason, ConversationID: q.ConversationID, ReceivedAt: q.ReceivedAt})
	}
	return out, nil
}

func (s *Service) conversation(ctx context.Context, id string, links Links) (Conversation, error) {
	c, err := s.store.Conversation(ctx, id)
	if err != nil {
		return Conversation{}, fmt.Errorf("export conversation %s: %w", id, err)
	}
	out := Conversation{ID: c.ID, ChannelID: c.ChannelID, InboxID: c.InboxID, Status: c.Status, AssigneeName: c.AssigneeName,
		CreatedAt: c.CreatedAt, LastActivityAt: c.LastActivityAt, Messages: []Message{}}
	switch v, err := s.store.Visit(ctx, id); {
	case err == nil:
		out.Visit = &v
	case !errors.Is(err, chat.ErrNotFound):
		return Conversation{}, fmt.Errorf("export visit of %s: %w", id, err)
	}
	for after := int64(0); ; {
		page, more, err := s.store.Messages(ctx, chat.MessageQuery{ConversationID: id, After: after, Limit: exportPage})
		if err != nil {
			return Conversation{}, fmt.Errorf("export messages of %s: %w", id, err)
		}
		for _, m := range page {
			em := Message{Message: m}
			for _, a := range m.Attachments {
				em.Attachments = append(em.Attachments, File{Attachment: a, URL: links.Link(id, a)})
			}
			out.Messages = append(out.Messages, em)
			after = m.Seq
		}
		if !more || len(page) == 0 {
			return out, nil
		}
	}
}
