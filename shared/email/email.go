// Package email is the chat's email channel: replies continued by email,
// transcripts, replies threaded back from inbound mail, and bounces. It
// renders with shared/mail, sends through its Sender (shared/mailer: SES
// v2), reads raw mail from its Mailbox (shared/bucket: S3) and writes to
// conversations through the chat domain. It imports no AWS client: a
// function links only the clients its wiring gives it.
package email

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/mail"
)

// Contact is what is known about how to reach a visitor by email.
type Contact struct {
	VisitorID string
	Email     string
	Name      string
	PageURL   string
	UpdatedAt time.Time
	// VerifiedAt is when the address was shown to be the visitor's: its
	// owner followed the confirmation link, an agent set it, or the
	// contact wrote from it and the mail passed DMARC. Zero for an address
	// a visitor typed and nobody confirmed yet, or one a mail came from
	// without proving it.
	VerifiedAt time.Time
	// ConfirmSentAt is when the last confirmation email went out.
	ConfirmSentAt time.Time
}

// Verified reports whether the address is known to be the visitor's.
func (c Contact) Verified() bool { return !c.VerifiedAt.IsZero() }

// AddressStatus says an address must not be written to any more.
type AddressStatus struct {
	Address string
	Kind    string // bounce or complaint
	Reason  string
	At      time.Time
}

// Settings are a chat channel's email settings.
type Settings struct {
	ChannelID         string
	TranscriptOnClose bool
	SenderAddress     string
	SenderName        string
}

// Quarantined is an inbound mail kept aside for agents instead of being
// posted as the contact.
type Quarantined struct {
	ID             string    `json:"id"`
	InboxID        string    `json:"inboxId"`
	From           string    `json:"from"`
	Subject        string    `json:"subject,omitempty"`
	Reason         string    `json:"reason"`
	ConversationID string    `json:"conversationId,omitempty"`
	RawKey         string    `json:"rawKey"`
	Preview        string    `json:"preview,omitempty"`
	ReceivedAt     time.Time `json:"receivedAt"`
}

// Store is the persistence the email channel needs; the DynamoDB store
// implements it. Not found is chat.ErrNotFound, a lost condition
// chat.ErrConflict.
type Store interface {
	Contact(ctx context.Context, visitorID string) (Contact, error)
	// SaveContact stores a contact; a verified one's address is bound to
	// it (the address index that routes mail without a reply token),
	// unless another visitor holds the address (ErrConflict).
	SaveContact(ctx context.Context, c Contact) error
	// PutContact stores a contact and never touches the address index.
	// With quotas it counts one against each in the same write, and stores
	// nothing when one is full (a *chat.RateLimitError).
	PutContact(ctx context.Context, c Contact, quotas ...chat.Quota) error
	// ConfirmContact stores a verified contact and binds its address to
	// it, whoever held it before; ErrConflict when the stored contact's
	// address is no longer c.Email (a new contact has none).
	ConfirmContact(ctx context.Context, c Contact) error
	// BindContact stores a verified contact and binds its address to it,
	// whoever held it before.
	BindContact(ctx context.Context, c Contact) error
	VisitorByEmail(ctx context.Context, addr string) (string, error)
	CreateVisitor(ctx context.Context, v chat.Visitor) error
	VisitorListeners(ctx context.Context, visitorID string) ([]string, error)
	AddressStatus(ctx context.Context, addr string) (AddressStatus, error)
	MarkUndeliverable(ctx context.Context, st AddressStatus) error
	Once(ctx context.Context, key string) error
	Release(ctx context.Context, key string) error
	Quarantine(ctx context.Context, q Quarantined) error
	QuarantinedMail(ctx context.Context, inboxID string, limit int) ([]Quarantined, error)
}

// Channels answers each chat channel's email settings (shared/settings,
// from its cache).
type Channels interface {
	ChannelEmail(ctx context.Context, channelID string) (Settings, error)
}

// Sender sends rendered emails (shared/mailer: SES v2). A message the
// mail service refuses is a *RejectedError.
type Sender interface {
	Send(ctx context.Context, m Outgoing) error
}

// Outgoing is a rendered email on its way out.
type Outgoing struct {
	// From is the sender's address (the envelope's; the message has its
	// own From header), To the one recipient.
	From, To string
	// Raw is the whole MIME message.
	Raw []byte
	// Tags name what the email is about in the mail service's event
	// records (bounces, complaints): conversationId, purpose.
	Tags map[string]string
}

// RejectedError is the mail service refusing a message (SES's
// MessageRejected: a sender not verified, say), with its reason.
type RejectedError struct {
	Reason string
}

func (e *RejectedError) Error() string { return "message rejected: " + e.Reason }

// Mailbox is the raw mail in the mail bucket (shared/bucket: S3): the
// inbound mails SES stored, and the attachments taken out of them.
type Mailbox interface {
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Put(ctx context.Context, key string, data []byte, contentType, disposition string) error
}

// errNoSender and errNoMailbox answer a use of a part the function was
// wired without: its handlers send no email, or read no inbound mail.
var (
	errNoSender  = errors.New("email: this function was wired without a sender")
	errNoMailbox = errors.New("email: this function was wired without the mailbox")
)

// Service carries out the email channel's use cases.
type Service struct {
	chat     *chat.Service
	store    Store
	channels Channels
	sender   Sender
	mailbox  Mailbox
	tokens   *mail.Tokens
	// ratingURL is Options.RatingURL.
	ratingURL string
	cfg       config.Mail
	channel   string
	team      string
	// inboxURL is where agents open a conversation (#/c/{id}).
	inboxURL string
	now      func() time.Time
	// links, files and attachUpTo: see files.go.
	links      Links
	files      Files
	attachUpTo int64
}

// Options configure a Service.
type Options struct {
	ChannelID string
	Now       func() time.Time
	// Team is who runs the chat, named in the confirmation email.
	Team string
	// InboxURL is where the inbox runs, for links to a conversation in
	// a transcript an agent sends to another address (empty: none).
	InboxURL string
	// Sender sends the emails; a function that sends none (inbound mail)
	// has none, and a send fails.
	Sender Sender
	// Mailbox reads inbound mail and keeps its attachments; only the
	// function that receives mail has it.
	Mailbox Mailbox
	// Links link the files emails name; without them files are named
	// only.
	Links Links
	// Files reads the files a reply attaches; without it every file is
	// linked.
	Files Files
	// AttachUpTo is the most bytes of files a reply by email attaches;
	// the rest, and all of them when it is 0, go as links.
	AttachUpTo int64
	// RatingURL is the page the survey links of a transcript open (the
	// widget API's /widget/rating); empty: transcripts carry none.
	RatingURL string
}

// New returns a Service.
func New(svc *chat.Service, st Store, channels Channels, tokens *mail.Tokens, cfg config.Mail, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{chat: svc, store: st, channels: channels, sender: o.Sender, mailbox: o.Mailbox, tokens: tokens, cfg: cfg, channel: o.ChannelID, team: o.Team, inboxURL: o.InboxURL, now: o.Now,
		links: o.Links, files: o.Files, attachUpTo: o.AttachUpTo, ratingURL: o.RatingURL}
}

// deliver sends m through the Sender.
func (s *Service) deliver(ctx context.Context, m Outgoing) error {
	if s.sender == nil {
		return errNoSender
	}
	return s.sender.Send(ctx, m)
}

// AddressKey is how addresses are compared and indexed.
func AddressKey(addr string) string { return mail.Key(addr) }

// system is the author of what the email channel records by itself.
var system = chat.Principal{Role: "system", ID: "email", Name: "Parley"}

func senderDomain(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	if d == "" {
		return "parley.invalid"
	}
	return strings.ToLower(d)
}

func logError(ctx context.Context, msg string, err error, attrs ...any) {
	slog.ErrorContext(ctx, msg, append(attrs, "error", err)...)
}
