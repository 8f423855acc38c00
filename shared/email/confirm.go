package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// Confirming an address a visitor typed (docs/email.md, "Addresses").
const (
	// ConfirmTTL is how long a confirmation link works.
	ConfirmTTL = 7 * 24 * time.Hour
	// ConfirmResendAfter is how long the same visitor giving the same
	// address again waits before another confirmation email goes out; it
	// is also the window in which an address gets at most one, whoever
	// gives it.
	ConfirmResendAfter = 10 * time.Minute
	// ConfirmPerAddressDaily is how many confirmation emails an address
	// gets in a day (UTC), whoever gives it.
	ConfirmPerAddressDaily = 5
	// ConfirmSubject is the confirmation email's subject.
	ConfirmSubject = "Confirm your email address"
)

// The answers a confirmation link gets when it cannot confirm.
var (
	errLinkInvalid = &chat.Error{Kind: chat.ErrInvalid, Message: "This confirmation link is not valid: it may be incomplete, or the address was changed after it was sent."}
	errLinkExpired = &chat.Error{Kind: chat.ErrInvalid, Message: "This confirmation link has expired. Give your address in the chat again to get a new one."}
)

// confirmQuotas are the counters a confirmation email to addr counts
// against: anyone can open fresh sessions, so limits per visitor and per
// IP do not protect the address's owner. They are kept under a hash of the
// address, not the address.
func (s *Service) confirmQuotas(addr string, now time.Time) []chat.Quota {
	sum := sha256.Sum256([]byte(mail.Key(addr)))
	key := "confirm#" + hex.EncodeToString(sum[:16])
	return []chat.Quota{
		*chat.NewQuota(chat.RateLimit{Limit: 1, Window: ConfirmResendAfter}, key+"#window", now),
		*chat.NewQuota(chat.RateLimit{Limit: ConfirmPerAddressDaily, Window: 24 * time.Hour}, key+"#day", now),
	}
}

// sendConfirmation emails the owner of c's address a link to confirm it.
// An undeliverable address gets nothing (and the visitor's answer does
// not say so).
func (s *Service) sendConfirmation(ctx context.Context, c Contact, channelID, confirmPage string) error {
	reason, err := s.blocked(ctx, c.Email)
	if err != nil {
		return err
	}
	if reason != "" {
		slog.InfoContext(ctx, "confirmation not sent", "why", "undeliverable", "visitorId", c.VisitorID)
		return nil
	}
	page, err := url.Parse(confirmPage)
	if err != nil || (page.Scheme != "https" && page.Scheme != "http") || page.Host == "" {
		return fmt.Errorf("confirmation page %q is not an http(s) URL", confirmPage)
	}
	expires := s.now().UTC().Add(ConfirmTTL)
	tok, err := s.tokens.ConfirmToken(c.VisitorID, c.Email, expires)
	if err != nil {
		return err
	}
	q := page.Query()
	q.Set("token", tok)
	page.RawQuery = q.Encode()
	st, err := s.settings(ctx, channelID)
	if err != nil {
		return err
	}
	team := s.team
	if st.SenderName != "" {
		team = st.SenderName
	}
	text, htmlBody, err := mail.RenderConfirmation(mail.ConfirmationMail{Team: team, PageURL: c.PageURL, Link: page.String(), Expires: expires})
	if err != nil {
		return err
	}
	fromName := team
	if fromName == "" {
		fromName = "Support"
	}
	from, err := mail.FormatAddress(fromName, st.SenderAddress)
	if err != nil {
		return fmt.Errorf("sender address: %w", err)
	}
	to, err := mail.FormatAddress("", c.Email)
	if err != nil {
		return toDomain(err)
	}
	subject, err := mail.Subject(ConfirmSubject)
	if err != nil {
		return err
	}
	raw, err := mail.Build(mail.Message{
		From: from, To: to, Subject: subject, MessageID: mail.NewMessageID(senderDomain(st.SenderAddress)),
		Date: s.now(), Text: text, HTML: htmlBody,
	})
	if err != nil {
		return toDomain(err)
	}
	err = s.deliver(ctx, Outgoing{From: st.SenderAddress, To: c.Email, Raw: raw, Tags: map[string]string{"purpose": "confirm-address"}})
	if err != nil {
		var rejected *RejectedError
		if errors.As(err, &rejected) {
			return &chat.Error{Kind: chat.ErrConflict, Message: "the confirmation email was rejected by the mail service: " + rejected.Reason}
		}
		return fmt.Errorf("send confirmation: %w", err)
	}
	slog.InfoContext(ctx, "confirmation sent", "visitorId", c.VisitorID)
	return nil
}

// pendingConfirmation checks a confirmation token against the visitor's
// current address and returns the contact it confirms.
func (s *Service) pendingConfirmation(ctx context.Context, token string) (Contact, error) {
	conf, err := s.tokens.ParseConfirmation(token)
	if err != nil {
		return Contact{}, errLinkInvalid
	}
	c, known, err := s.contactOf(ctx, conf.VisitorID)
	if err != nil {
		return Contact{}, err
	}
	if !known || s.tokens.CheckConfirmation(conf, c.Email) != nil {
		return Contact{}, errLinkInvalid
	}
	if !s.now().Before(conf.Expires) {
		return Contact{}, errLinkExpired
	}
	return c, nil
}

// CheckConfirmation says whether a confirmation link can confirm, without
// changing anything (what the link's page shows before the owner presses
// the button; mail scanners that open links confirm nothing).
func (s *Service) CheckConfirmation(ctx context.Context, token string) (Contact, error) {
	return s.pendingConfirmation(ctx, token)
}

// Confirm verifies the address of a confirmation link: the owner of the
// address says it is the visitor's, so mail from it without a reply token
// now reaches this visitor (whoever it reached before) and transcripts go
// to it. Confirming twice is harmless.
func (s *Service) Confirm(ctx context.Context, token string) (Contact, error) {
	c, err := s.pendingConfirmation(ctx, token)
	if err != nil {
		return Contact{}, err
	}
	if !c.Verified() {
		c.VerifiedAt = s.now().UTC().Truncate(time.Millisecond)
	}
	if err := s.store.ConfirmContact(ctx, c); err != nil {
		if errors.Is(err, chat.ErrConflict) {
			return Contact{}, errLinkInvalid
		}
		return Contact{}, fmt.Errorf("confirm contact: %w", err)
	}
	slog.InfoContext(ctx, "address confirmed", "visitorId", c.VisitorID)
	return c, nil
}
