// Package email is the chat's email channel: replies continued by email,
// transcripts, replies threaded back from inbound mail, and bounces. It
// renders with shared/mail, sends with SES v2, keeps raw mail in S3 and
// writes to conversations through the chat domain.
package email

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

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
	// contact wrote from it. Zero for an address a visitor typed and
	// nobody confirmed yet.
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

// SES is the part of the SES v2 client used here.
type SES interface {
	SendEmail(ctx context.Context, params *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// S3 is the part of the S3 client used here.
type S3 interface {
	GetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Service carries out the email channel's use cases.
type Service struct {
	chat     *chat.Service
	store    Store
	channels Channels
	ses      SES
	s3       S3
	tokens   *mail.Tokens
	// ratingURL is Options.RatingURL.
	ratingURL string
	cfg       config.Mail
	channel   string
	team      string
	// inboxURL is where agents open a conversation (#/c/{id}).
	inboxURL string
	now      func() time.Time
	// files and attachUpTo: see files.go.
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
	// Files reads and links the files emails carry; without it they are
	// named only.
	Files Files
	// AttachUpTo is the most bytes of files a reply by email attaches;
	// the rest, and all of them when it is 0, go as links.
	AttachUpTo int64
	// RatingURL is the page the survey links of a transcript open (the
	// widget API's /widget/rating); empty: transcripts carry none.
	RatingURL string
}

// New returns a Service.
func New(svc *chat.Service, st Store, channels Channels, ses SES, s3c S3, tokens *mail.Tokens, cfg config.Mail, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{chat: svc, store: st, channels: channels, ses: ses, s3: s3c, tokens: tokens, cfg: cfg, channel: o.ChannelID, team: o.Team, inboxURL: o.InboxURL, now: o.Now,
		files: o.Files, attachUpTo: o.AttachUpTo, ratingURL: o.RatingURL}
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
