// Package privacy holds the contacts' data rights and the channels'
// retention: everything about a contact exported as one document, a
// contact erased from the table and the mail bucket (recorded as an audit
// event that keeps none of what was erased), and closed conversations
// deleted a channel's number of days after they closed
// (docs/data-rights.md).
package privacy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
)

// Key names one item of the chat table.
type Key struct{ PK, SK string }

// Records are what belongs to a conversation or a visitor outside the
// attachments' folders: the table's items and the raw mails received.
type Records struct {
	// Items are deleted first, Last once every one of Items is gone: a
	// conversation's META item goes last, because its removal is what
	// erases the conversation from the search index and what retention
	// finds the conversation by, so an erasure cut short is found and
	// finished by the next one.
	Items []Key
	Last  []Key
	// RawMail are the object keys of the mails received as they arrived.
	RawMail []string
	// ExternalID is the host site's user id a visitor was identified
	// with, if any.
	ExternalID string
}

// Count is the number of table items the records name.
func (r Records) Count() int { return len(r.Items) + len(r.Last) }

// Store is what the data rights read and delete in the chat table.
type Store interface {
	Visitor(ctx context.Context, id string) (chat.Visitor, error)
	VisitorByEmail(ctx context.Context, addr string) (string, error)
	Contact(ctx context.Context, visitorID string) (email.Contact, error)
	AddressStatus(ctx context.Context, addr string) (email.AddressStatus, error)
	VisitorConversationIDs(ctx context.Context, visitorID string) ([]string, error)
	Conversation(ctx context.Context, id string) (chat.Conversation, error)
	Messages(ctx context.Context, q chat.MessageQuery) ([]chat.Message, bool, error)
	Attributes(ctx context.Context, visitorID string) (contact.Attributes, int64, error)
	// Visit is where a conversation's visitor was (not found: none).
	Visit(ctx context.Context, conversationID string) (chat.Visit, error)
	// QuarantinedOf lists the quarantined mails from addr (none when
	// empty) or for one of the conversations.
	QuarantinedOf(ctx context.Context, addr string, conversationIDs []string) ([]email.Quarantined, error)
	// ConversationRecords and VisitorRecords list what DeleteRecords
	// removes; a visitor's records leave out its conversations.
	ConversationRecords(ctx context.Context, conversationID string) (Records, error)
	VisitorRecords(ctx context.Context, visitorID string) (Records, error)
	DeleteRecords(ctx context.Context, r Records) error
	// RecordAudit stores an audit event.
	RecordAudit(ctx context.Context, e Audit) error
	// ClosedBefore lists up to limit closed conversations of a channel
	// (in its inbox) with no activity since before, after the place
	// from; it returns the place after the last one it read.
	ClosedBefore(ctx context.Context, inboxID, channelID string, before time.Time, from Cursor, limit int) ([]chat.Conversation, Cursor, error)
	// RetentionCursor is where the channel's last retention pass stopped
	// (the zero Cursor before the first); SaveRetentionCursor stores it.
	RetentionCursor(ctx context.Context, channelID string) (Cursor, error)
	SaveRetentionCursor(ctx context.Context, channelID string, c Cursor) error
}

// Files is what the data rights remove from the mail bucket.
type Files interface {
	// DeleteConversation removes a conversation's attachments and uploads.
	DeleteConversation(ctx context.Context, conversationID string) (int, error)
	// DeleteInbound removes raw inbound mails by key.
	DeleteInbound(ctx context.Context, keys []string) (int, error)
}

// Links link an exported file: a signed link to the chat window's file
// page, which anyone holding it may open until it expires.
type Links interface {
	Link(conversationID string, a chat.Attachment) string
}

// Service serves the export, the erasure and retention.
type Service struct {
	store Store
	files Files
	now   func() time.Time
}

// New returns the Service; every dependency is required.
func New(st Store, files Files, now func() time.Time) (*Service, error) {
	if st == nil || files == nil || now == nil {
		return nil, errors.New("privacy: the data rights need the store, the files and the clock")
	}
	return &Service{store: st, files: files, now: now}, nil
}

var errNoContact = &chat.Error{Kind: chat.ErrNotFound, Message: "contact not found"}

// Resolve finds the visitor a contact reference names: a visitor id, or
// an email address whose owner is known (the address a contact gave,
// confirmed or wrote from).
func (s *Service) Resolve(ctx context.Context, ref string) (string, error) {
	if strings.Contains(ref, "@") {
		if len(ref) > mail.MaxAddressLen || !utf8.ValidString(ref) || strings.ContainsFunc(ref, unicode.IsControl) {
			return "", &chat.Error{Kind: chat.ErrInvalid, Message: fmt.Sprintf("an email address is at most %d bytes of UTF-8 without control characters", mail.MaxAddressLen)}
		}
		vid, err := s.store.VisitorByEmail(ctx, ref)
		if errors.Is(err, chat.ErrNotFound) {
			return "", errNoContact
		}
		if err != nil {
			return "", fmt.Errorf("resolve contact: %w", err)
		}
		return vid, nil
	}
	if !chat.ValidID(ref) {
		return "", &chat.Error{Kind: chat.ErrInvalid, Message: "a contact is named by its visitor id or an email address"}
	}
	// A visitor whose erasure was cut short has no profile left but may
	// have conversations: it is still a contact to erase.
	if _, err := s.store.Visitor(ctx, ref); err == nil {
		return ref, nil
	} else if !errors.Is(err, chat.ErrNotFound) {
		return "", fmt.Errorf("resolve contact: %w", err)
	}
	rec, err := s.store.VisitorRecords(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("resolve contact: %w", err)
	}
	ids, err := s.store.VisitorConversationIDs(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("resolve contact: %w", err)
	}
	if rec.Count() == 0 && len(ids) == 0 {
		return "", errNoContact
	}
	return ref, nil
}
