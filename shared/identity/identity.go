// Package identity verifies that a visitor is a known user of the host site
// (the widget's identify call), links the visitor to that user's verified
// contact, so the user's conversations follow them across devices, and
// lets the site revoke what it vouched for.
//
// The host site's backend signs what identify asserts with the identity
// secret (docs/identify.md): the v1 form signs the external id, the name,
// the email address and the time of signing; the original form signs the
// external id alone. Only a valid signature links; anything else is
// refused and links, reveals and keeps nothing.
package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// MaxExternalIDBytes bounds an external id (the host site's user id).
const MaxExternalIDBytes = 256

// MaxNameRunes bounds the name an identify asserts, as email capture does.
const MaxNameRunes = mail.MaxDisplayNameLen

// SignatureHexLen is the length of a signature: 32 bytes of HMAC-SHA256 in
// hex.
const SignatureHexLen = 2 * sha256.Size

// Lifetimes of what the site signs.
const (
	// SignatureMaxAge is how long a v1 signature is good for after the
	// time it names: a page left open longer identifies no more (the site
	// signs again when it renders a page).
	SignatureMaxAge = 30 * 24 * time.Hour
	// ClockSkew is how far in the future a signing time may be, and how
	// far from now a revocation's.
	ClockSkew = 5 * time.Minute
)

// ErrSignature is the cause of every refused signature. Callers answer
// alike whatever was wrong with it, so a refusal tells nothing about the
// secret or the contact.
var ErrSignature = errors.New("identity signature is missing or does not match")

// Assertion is what a page passes to identify: the site's user id, the
// name and email address the site knows for the user (optional), when
// its backend signed them, and the signature.
type Assertion struct {
	ExternalID string `json:"externalId"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	// IssuedAt is when the backend signed, in Unix seconds; 0 is the
	// original form, which signs the external id alone.
	IssuedAt  int64  `json:"issuedAt"`
	Signature string `json:"signature"`
}

// Canonical is the string the site's backend signs for a v1 identify:
//
//	"v1\n" + externalId + "\n" + name + "\n" + email + "\n" + issuedAt
//
// with each value exactly as passed to identify (an absent name or email
// is the empty string; none may hold a control character, so the line
// breaks are unambiguous) and issuedAt in decimal Unix seconds.
func Canonical(a Assertion) string {
	return "v1\n" + a.ExternalID + "\n" + a.Name + "\n" + a.Email + "\n" + strconv.FormatInt(a.IssuedAt, 10)
}

// RevokeCanonical is the string the site's backend signs to revoke a
// user's identifications: "revoke-v1\n" + externalId + "\n" + issuedAt.
func RevokeCanonical(externalID string, issuedAt int64) string {
	return "revoke-v1\n" + externalID + "\n" + strconv.FormatInt(issuedAt, 10)
}

func mac(secret []byte, s string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// Sign returns the signature of the original form, the external id alone:
// hex(HMAC-SHA256(secret, externalID)).
func Sign(secret []byte, externalID string) string {
	return hex.EncodeToString(mac(secret, externalID))
}

// SignAssertion returns the v1 signature of a: hex(HMAC-SHA256(secret,
// Canonical(a))).
func SignAssertion(secret []byte, a Assertion) string {
	return hex.EncodeToString(mac(secret, Canonical(a)))
}

// SignRevoke returns the signature of a revocation.
func SignRevoke(secret []byte, externalID string, issuedAt int64) string {
	return hex.EncodeToString(mac(secret, RevokeCanonical(externalID, issuedAt)))
}

// CheckExternalID validates an external id: present, UTF-8, at most
// MaxExternalIDBytes, no control characters.
func CheckExternalID(externalID string) error {
	switch {
	case externalID == "":
		return &chat.Error{Kind: chat.ErrInvalid, Message: "externalId is required"}
	case len(externalID) > MaxExternalIDBytes:
		return &chat.Error{Kind: chat.ErrInvalid, Message: fmt.Sprintf("externalId is longer than %d bytes", MaxExternalIDBytes)}
	case !utf8.ValidString(externalID):
		return &chat.Error{Kind: chat.ErrInvalid, Message: "externalId must be UTF-8"}
	case hasControl(externalID):
		return &chat.Error{Kind: chat.ErrInvalid, Message: "externalId must not contain control characters"}
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// Check validates an assertion's values before its signature is looked
// at: a malformed one is refused as invalid whoever signed it.
func (a Assertion) Check() error {
	if err := CheckExternalID(a.ExternalID); err != nil {
		return err
	}
	switch {
	case !utf8.ValidString(a.Name) || hasControl(a.Name):
		return &chat.Error{Kind: chat.ErrInvalid, Message: "name must be UTF-8 without control characters"}
	case utf8.RuneCountInString(a.Name) > MaxNameRunes:
		return &chat.Error{Kind: chat.ErrInvalid, Message: fmt.Sprintf("name is longer than %d characters", MaxNameRunes)}
	case a.IssuedAt < 0:
		return &chat.Error{Kind: chat.ErrInvalid, Message: "issuedAt must be Unix seconds"}
	case a.IssuedAt == 0 && (a.Name != "" || a.Email != ""):
		// The original form signs the id alone: it cannot vouch for more.
		return &chat.Error{Kind: chat.ErrUnauthorized, Message: ErrSignature.Error()}
	}
	if a.Email != "" {
		if hasControl(a.Email) {
			return &chat.Error{Kind: chat.ErrInvalid, Message: "email must not contain control characters"}
		}
		if _, err := mail.ParseAddress(a.Email); err != nil {
			return &chat.Error{Kind: chat.ErrInvalid, Message: "email is not an email address"}
		}
	}
	return nil
}

// equalHex compares a hex signature with the expected bytes in constant
// time (hmac.Equal). A missing, wrong-length or non-hex signature fails
// before any comparison, which reveals nothing: its length and alphabet
// are public. Upper- and lower-case hex decode to the same bytes.
func equalHex(signature string, want []byte) bool {
	if len(signature) != SignatureHexLen {
		return false
	}
	got, err := hex.DecodeString(signature)
	return err == nil && hmac.Equal(got, want)
}

// Verify checks signature against externalID in the original form.
func Verify(secret []byte, externalID, signature string) error {
	if len(secret) == 0 {
		return fmt.Errorf("identity: no secret: %w", ErrSignature)
	}
	if !equalHex(signature, mac(secret, externalID)) {
		return ErrSignature
	}
	return nil
}

// VerifyAssertion checks an assertion's signature: the v1 form over
// Canonical(a) when it names a signing time, the original form over the
// external id otherwise. It does not look at the time itself (see
// Service.Identify).
func VerifyAssertion(secret []byte, a Assertion) error {
	if len(secret) == 0 {
		return fmt.Errorf("identity: no secret: %w", ErrSignature)
	}
	if a.IssuedAt == 0 {
		if a.Name != "" || a.Email != "" {
			return ErrSignature
		}
		return Verify(secret, a.ExternalID, a.Signature)
	}
	if !equalHex(a.Signature, mac(secret, Canonical(a))) {
		return ErrSignature
	}
	return nil
}

// Link is what is stored for an external id: the visitor that is the
// user's contact (none before the first identify), the generation of the
// user's tokens (a token of an older one is refused) and the signing time
// before which the site revoked every identification (Unix seconds, 0
// never).
type Link struct {
	VisitorID string
	Gen       int64
	RevokedAt int64
}

// Store keeps the link from an external id to the visitor that is its
// verified contact. Implementations return chat.ErrNotFound and
// chat.ErrConflict.
type Store interface {
	// IdentityLink returns what is stored for externalID on channelID,
	// read consistently.
	IdentityLink(ctx context.Context, channelID, externalID string) (Link, error)
	// LinkVisitor links visitorID to externalID in one write that fails
	// with chat.ErrConflict when either is linked already.
	LinkVisitor(ctx context.Context, channelID, externalID, visitorID string) error
	// RevokeIdentity raises the external id's generation and its
	// revocation time to at least at, and returns the link as it is then.
	RevokeIdentity(ctx context.Context, channelID, externalID string, at int64) (Link, error)
}

// Sessions creates visitors (chat.Service.Session with no visitor id) and
// closes a visitor's sockets.
type Sessions interface {
	Session(ctx context.Context, channelID, visitorID string) (chat.Visitor, []chat.VisitorConversation, error)
	// VisitorConnections lists the visitor's open sockets.
	VisitorConnections(ctx context.Context, visitorID string) ([]string, error)
	// Disconnect forgets a socket as $disconnect would.
	Disconnect(ctx context.Context, connectionID string) error
}

// Closer is the part of the @connections client that closes sockets.
type Closer interface {
	DeleteConnection(ctx context.Context, params *apigatewaymanagementapi.DeleteConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

// Service links verified visitors.
type Service struct {
	secret   []byte
	store    Store
	sessions Sessions
	closer   Closer
	now      func() time.Time
}

// NewService returns a Service verifying with secret. now may be nil
// (time.Now).
func NewService(secret []byte, st Store, sessions Sessions, closer Closer, now func() time.Time) (*Service, error) {
	if len(secret) == 0 || st == nil || sessions == nil || closer == nil {
		return nil, errors.New("identity: the service needs the identity secret, a store, the sessions and a socket closer")
	}
	if now == nil {
		now = time.Now
	}
	return &Service{secret: secret, store: st, sessions: sessions, closer: closer, now: now}, nil
}

// Identified is who an accepted identify continues as: the user's visitor
// and the generation its token carries.
type Identified struct {
	VisitorID string
	Gen       int64
}

func refused() error { return &chat.Error{Kind: chat.ErrUnauthorized, Message: ErrSignature.Error()} }

// Identify verifies an assertion and returns the visitor the caller
// continues as: the visitor linked to the external id (so its
// conversations follow the user to any device), created and linked on the
// user's first identify. The caller's anonymous visitor is never promoted
// to the user's contact: its token stays in the browser (localStorage),
// and whoever uses that browser after the user signed out of the site
// must not continue as the user.
//
// A v1 assertion is refused when it was signed more than SignatureMaxAge
// ago, more than ClockSkew ahead of now, or before the site revoked the
// user's identifications; an assertion in the original form (which names
// no time) once the site revoked any.
func (s *Service) Identify(ctx context.Context, channelID string, a Assertion) (Identified, error) {
	if err := a.Check(); err != nil {
		return Identified{}, err
	}
	if err := VerifyAssertion(s.secret, a); err != nil {
		return Identified{}, refused()
	}
	now := s.now()
	if a.IssuedAt != 0 && (a.IssuedAt > now.Add(ClockSkew).Unix() || a.IssuedAt < now.Add(-SignatureMaxAge).Unix()) {
		return Identified{}, refused()
	}
	link, err := s.store.IdentityLink(ctx, channelID, a.ExternalID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
	case err != nil:
		return Identified{}, fmt.Errorf("identify: %w", err)
	case link.RevokedAt != 0 && a.IssuedAt < link.RevokedAt:
		return Identified{}, refused()
	case link.VisitorID != "":
		return Identified{VisitorID: link.VisitorID, Gen: link.Gen}, nil
	}
	v, _, err := s.sessions.Session(ctx, channelID, "")
	if err != nil {
		return Identified{}, fmt.Errorf("identify: new visitor: %w", err)
	}
	if err := s.store.LinkVisitor(ctx, channelID, a.ExternalID, v.ID); err != nil {
		// Another device linked the user first: continue as its visitor.
		if l, lerr := s.store.IdentityLink(ctx, channelID, a.ExternalID); lerr == nil && l.VisitorID != "" {
			return Identified{VisitorID: l.VisitorID, Gen: l.Gen}, nil
		}
		return Identified{}, fmt.Errorf("identify: %w", err)
	}
	return Identified{VisitorID: v.ID, Gen: link.Gen}, nil
}

// ErrRevoked refuses a token of an identification the site revoked (or
// of a link that changed since).
var ErrRevoked = &chat.Error{Kind: chat.ErrUnauthorized, Message: "identification revoked: identify again"}

// CheckToken tells whether a token issued to visitorID as the site's user
// externalID, at generation gen, still stands (Tokens.CheckToken).
func (s *Service) CheckToken(ctx context.Context, channelID, externalID, visitorID string, gen int64) error {
	return Tokens{store: s.store}.CheckToken(ctx, channelID, externalID, visitorID, gen)
}

// Links reads identity links (Store.IdentityLink).
type Links interface {
	IdentityLink(ctx context.Context, channelID, externalID string) (Link, error)
}

// Tokens checks identified visitors' tokens and nothing else: what a
// function that only authenticates visitors needs, without the identity
// secret.
type Tokens struct{ store Links }

// NewTokens returns the token check reading links from st.
func NewTokens(st Links) (Tokens, error) {
	if st == nil {
		return Tokens{}, errors.New("identity: the token check needs a store")
	}
	return Tokens{store: st}, nil
}

// CheckToken tells whether a token issued to visitorID as the site's user
// externalID, at generation gen, still stands: the user is still linked to
// that visitor and nothing was revoked since. One consistent GetItem.
func (t Tokens) CheckToken(ctx context.Context, channelID, externalID, visitorID string, gen int64) error {
	link, err := t.store.IdentityLink(ctx, channelID, externalID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		return ErrRevoked
	case err != nil:
		return fmt.Errorf("check identified token: %w", err)
	case link.VisitorID != visitorID || link.Gen != gen:
		return ErrRevoked
	}
	return nil
}

// Revocation is the site backend's signed request to revoke a user's
// identifications.
type Revocation struct {
	ExternalID string `json:"externalId"`
	IssuedAt   int64  `json:"issuedAt"`
	Signature  string `json:"signature"`
}

// Revoke refuses, from now on, every token issued to the user and every
// identify signed before the revocation's time, and closes the user's open
// sockets. The signature covers RevokeCanonical; the time must be within
// ClockSkew of now, so a revocation cannot be replayed later. It returns
// how many sockets it closed. Revoking a user that never identified
// records the revocation all the same.
func (s *Service) Revoke(ctx context.Context, channelID string, r Revocation) (int, error) {
	if err := CheckExternalID(r.ExternalID); err != nil {
		return 0, err
	}
	now := s.now()
	if !equalHex(r.Signature, mac(s.secret, RevokeCanonical(r.ExternalID, r.IssuedAt))) ||
		r.IssuedAt > now.Add(ClockSkew).Unix() || r.IssuedAt < now.Add(-ClockSkew).Unix() {
		return 0, refused()
	}
	link, err := s.store.RevokeIdentity(ctx, channelID, r.ExternalID, r.IssuedAt)
	if err != nil {
		return 0, fmt.Errorf("revoke: %w", err)
	}
	if link.VisitorID == "" {
		return 0, nil
	}
	ids, err := s.sessions.VisitorConnections(ctx, link.VisitorID)
	if err != nil {
		return 0, fmt.Errorf("revoke: %w", err)
	}
	var errs []error
	for _, id := range ids {
		_, err := s.closer.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
		var gone *types.GoneException
		if err != nil && !errors.As(err, &gone) {
			errs = append(errs, fmt.Errorf("close connection %s: %w", id, err))
		}
		// Forgotten even when the close failed: a socket the table does
		// not know hears nothing and may do nothing.
		if err := s.sessions.Disconnect(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return len(ids), errors.Join(errs...)
}
