// Package identity verifies that a visitor is a known user of the host site
// (the widget's identify call) and links the visitor to that user's
// verified contact, so the user's conversations follow them across devices.
//
// The host site's backend signs the user's external id with the identity
// secret: signature = hex(HMAC-SHA256(secret, externalId)). Only a valid
// signature links; anything else is refused and links, reveals and keeps
// nothing.
package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/chat"
)

// MaxExternalIDBytes bounds an external id (the host site's user id).
const MaxExternalIDBytes = 256

// SignatureHexLen is the length of a signature: 32 bytes of HMAC-SHA256 in
// hex.
const SignatureHexLen = 2 * sha256.Size

// ErrSignature is the cause of every refused signature. Callers answer
// alike whatever was wrong with it, so a refusal tells nothing about the
// secret or the contact.
var ErrSignature = errors.New("identity signature is missing or does not match")

// Sign returns the signature the host site's backend computes for
// externalID: hex(HMAC-SHA256(secret, externalID)).
func Sign(secret []byte, externalID string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(externalID))
	return hex.EncodeToString(m.Sum(nil))
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
	}
	for _, r := range externalID {
		if unicode.IsControl(r) {
			return &chat.Error{Kind: chat.ErrInvalid, Message: "externalId must not contain control characters"}
		}
	}
	return nil
}

// Verify checks signature against externalID. The comparison is of the
// decoded bytes, in constant time (hmac.Equal); a missing, wrong-length or
// non-hex signature fails before any comparison, which reveals nothing:
// its length and alphabet are public.
func Verify(secret []byte, externalID, signature string) error {
	if len(secret) == 0 {
		return fmt.Errorf("identity: no secret: %w", ErrSignature)
	}
	if len(signature) != SignatureHexLen {
		return ErrSignature
	}
	got, err := hex.DecodeString(signature)
	if err != nil {
		return ErrSignature
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(externalID))
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrSignature
	}
	return nil
}

// Store keeps the link from an external id to the visitor that is its
// verified contact. Implementations return chat.ErrNotFound and
// chat.ErrConflict.
type Store interface {
	// IdentifiedVisitor returns the visitor linked to externalID on
	// channelID.
	IdentifiedVisitor(ctx context.Context, channelID, externalID string) (string, error)
	// LinkVisitor links visitorID to externalID in one write that fails
	// with chat.ErrConflict when either is linked already.
	LinkVisitor(ctx context.Context, channelID, externalID, visitorID string) error
}

// Sessions creates visitors (chat.Service.Session with no visitor id).
type Sessions interface {
	Session(ctx context.Context, channelID, visitorID string) (chat.Visitor, []chat.VisitorConversation, error)
}

// Service links verified visitors.
type Service struct {
	secret   []byte
	store    Store
	sessions Sessions
}

// NewService returns a Service verifying with secret.
func NewService(secret []byte, st Store, sessions Sessions) *Service {
	return &Service{secret: secret, store: st, sessions: sessions}
}

// Identify verifies signature for externalID and returns the visitor id
// the caller continues as: the visitor linked to externalID (so its
// conversations follow the user to any device), created and linked on the
// user's first identify. The caller's anonymous visitor is never promoted
// to the user's contact: its token stays in the browser (localStorage), and
// whoever uses that browser after the user signed out of the site must not
// continue as the user.
func (s *Service) Identify(ctx context.Context, channelID, externalID, signature string) (string, error) {
	if err := CheckExternalID(externalID); err != nil {
		return "", err
	}
	if err := Verify(s.secret, externalID, signature); err != nil {
		return "", &chat.Error{Kind: chat.ErrUnauthorized, Message: ErrSignature.Error()}
	}
	linked, err := s.store.IdentifiedVisitor(ctx, channelID, externalID)
	switch {
	case err == nil:
		return linked, nil
	case !errors.Is(err, chat.ErrNotFound):
		return "", fmt.Errorf("identify: %w", err)
	}
	v, _, err := s.sessions.Session(ctx, channelID, "")
	if err != nil {
		return "", fmt.Errorf("identify: new visitor: %w", err)
	}
	if err := s.store.LinkVisitor(ctx, channelID, externalID, v.ID); err != nil {
		if linked, lerr := s.store.IdentifiedVisitor(ctx, channelID, externalID); lerr == nil {
			return linked, nil
		}
		return "", fmt.Errorf("identify: %w", err)
	}
	return v.ID, nil
}
