package email

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// ContactInput is an address given by a visitor (email capture) or an agent.
type ContactInput struct {
	Email   string `json:"email"`
	Name    string `json:"name"`
	PageURL string `json:"pageUrl"`
}

func toDomain(err error) error {
	var me *mail.Error
	if errors.As(err, &me) {
		kind := chat.ErrInvalid
		if errors.Is(err, mail.ErrTooLarge) {
			kind = chat.ErrTooLarge
		}
		return &chat.Error{Kind: kind, Message: me.Message}
	}
	return err
}

// checkContact validates what a visitor or an agent gives and returns the
// address in its canonical form.
func checkContact(in ContactInput) (string, error) {
	addr, err := mail.ParseAddress(in.Email)
	if err != nil {
		return "", toDomain(err)
	}
	if err := checkName(in.Name); err != nil {
		return "", err
	}
	if in.PageURL != "" {
		u, err := url.Parse(in.PageURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || len(in.PageURL) > 2048 {
			return "", &chat.Error{Kind: chat.ErrInvalid, Message: "pageUrl must be an http(s) URL"}
		}
	}
	return addr, nil
}

// checkName validates a contact's name: at most 80 characters, on one
// line.
func checkName(name string) error {
	if len([]rune(name)) > mail.MaxDisplayNameLen {
		return &chat.Error{Kind: chat.ErrInvalid, Message: "name is longer than 80 characters"}
	}
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) {
		return &chat.Error{Kind: chat.ErrInvalid, Message: "name must be one line of text"}
	}
	return nil
}

// merged is the contact in given for visitorID on top of what was known:
// a name or page left out keeps the previous one, and an unchanged
// address keeps its verification.
func (s *Service) merged(ctx context.Context, visitorID, addr string, in ContactInput) (c, prev Contact, err error) {
	c = Contact{VisitorID: visitorID, Email: addr, Name: in.Name, PageURL: in.PageURL, UpdatedAt: s.now().UTC().Truncate(time.Millisecond)}
	prev, err = s.store.Contact(ctx, visitorID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		return c, Contact{}, nil
	case err != nil:
		return Contact{}, Contact{}, fmt.Errorf("contact: %w", err)
	}
	if c.Name == "" {
		c.Name = prev.Name
	}
	if c.PageURL == "" {
		c.PageURL = prev.PageURL
	}
	if mail.Key(prev.Email) == mail.Key(addr) {
		c.VerifiedAt, c.ConfirmSentAt = prev.VerifiedAt, prev.ConfirmSentAt
	}
	return c, prev, nil
}

// SetContact records the address a visitor typed (email capture), with a
// name and the page the visitor is on. The address is unverified until
// its owner follows the link of the confirmation email sent here
// (confirmPage is the confirmation route's URL): until then mail from it
// without a reply token never reaches this visitor, and no transcript is
// sent to it automatically. The answer is the same whether or not the
// address is someone else's: nothing tells a visitor who owns an address.
// An unchanged, verified address stays verified and gets no email.
func (s *Service) SetContact(ctx context.Context, visitor chat.Principal, in ContactInput, confirmPage string) (Contact, error) {
	visitorID := visitor.ID
	addr, err := checkContact(in)
	if err != nil {
		return Contact{}, err
	}
	c, prev, err := s.merged(ctx, visitorID, addr, in)
	if err != nil {
		return Contact{}, err
	}
	now := s.now().UTC()
	send := !c.Verified() && (c.ConfirmSentAt.IsZero() || now.Sub(c.ConfirmSentAt) >= ConfirmResendAfter)
	var quotas []chat.Quota
	if send {
		c.ConfirmSentAt = now.Truncate(time.Millisecond)
		quotas = s.confirmQuotas(addr, now)
	}
	err = s.store.PutContact(ctx, c, quotas...)
	if errors.Is(err, chat.ErrRateLimited) {
		// The address had its confirmation emails for now. The visitor is
		// answered and stored exactly as if one went out: nothing tells
		// anyone that someone else gave the address.
		slog.InfoContext(ctx, "confirmation not sent", "why", "address limit", "visitorId", visitorID)
		send = false
		err = s.store.PutContact(ctx, c)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("set contact: %w", err)
	}
	s.renamed(ctx, prev, c)
	if !send {
		return c, nil
	}
	if err := s.sendConfirmation(ctx, c, cmp.Or(visitor.ChannelID, s.channel), confirmPage); err != nil {
		// Not sent: the next attempt may send at once.
		c.ConfirmSentAt = time.Time{}
		if mail.Key(prev.Email) == mail.Key(addr) {
			c.ConfirmSentAt = prev.ConfirmSentAt
		}
		if perr := s.store.PutContact(ctx, c); perr != nil {
			logError(ctx, "reset confirmation time", perr, "visitorId", visitorID)
		}
		return Contact{}, err
	}
	return c, nil
}

// SetContactAsAgent sets the address of the contact of a conversation the
// agent can see. The agent vouches for it: the address counts as
// verified and is bound to the contact, unless it is another contact's
// (409, which the agent may know). A name without an address renames the
// contact and keeps its address.
func (s *Service) SetContactAsAgent(ctx context.Context, agent chat.Principal, conversationID string, in ContactInput) (Contact, error) {
	sum, _, _, err := s.chat.ConversationDetail(ctx, agent, conversationID, 1)
	if err != nil {
		return Contact{}, err
	}
	if in.Email == "" && in.Name != "" {
		return s.rename(ctx, sum.VisitorID, in.Name)
	}
	return s.setVerified(ctx, sum.VisitorID, in)
}

// rename sets a contact's name alone.
func (s *Service) rename(ctx context.Context, visitorID, name string) (Contact, error) {
	if err := checkName(name); err != nil {
		return Contact{}, err
	}
	prev, err := s.store.Contact(ctx, visitorID)
	if err != nil && !errors.Is(err, chat.ErrNotFound) {
		return Contact{}, fmt.Errorf("contact: %w", err)
	}
	c := prev
	c.VisitorID, c.Name, c.UpdatedAt = visitorID, name, s.now().UTC().Truncate(time.Millisecond)
	if err := s.store.PutContact(ctx, c); err != nil {
		return Contact{}, fmt.Errorf("rename contact: %w", err)
	}
	s.renamed(ctx, prev, c)
	return c, nil
}

// setVerified stores a verified contact and binds its address to it.
func (s *Service) setVerified(ctx context.Context, visitorID string, in ContactInput) (Contact, error) {
	addr, err := checkContact(in)
	if err != nil {
		return Contact{}, err
	}
	c, prev, err := s.merged(ctx, visitorID, addr, in)
	if err != nil {
		return Contact{}, err
	}
	if !c.Verified() {
		c.VerifiedAt = c.UpdatedAt
	}
	if err := s.store.SaveContact(ctx, c); err != nil {
		if errors.Is(err, chat.ErrConflict) {
			return Contact{}, &chat.Error{Kind: chat.ErrConflict, Message: "this email address belongs to another contact"}
		}
		return Contact{}, fmt.Errorf("set contact: %w", err)
	}
	s.renamed(ctx, prev, c)
	return c, nil
}

// blocked says why email cannot go to addr, or "" when it can.
func (s *Service) blocked(ctx context.Context, addr string) (string, error) {
	st, err := s.store.AddressStatus(ctx, addr)
	if errors.Is(err, chat.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("address status: %w", err)
	}
	return fmt.Sprintf("%s is undeliverable since %s: %s", st.Address, st.At.Format("2 Jan 2006 15:04 MST"), st.Reason), nil
}

func (s *Service) contactOf(ctx context.Context, visitorID string) (Contact, bool, error) {
	c, err := s.store.Contact(ctx, visitorID)
	if errors.Is(err, chat.ErrNotFound) {
		return Contact{}, false, nil
	}
	if err != nil {
		return Contact{}, false, fmt.Errorf("contact: %w", err)
	}
	return c, c.Email != "", nil
}

// Decorate fills a summary's email facts: the contact's address, the
// channel the reply editor should pick (chat while the visitor is online,
// email when offline and an address is known and deliverable) and why
// email is blocked. Presence is read from the visitor's live connections
// here, and the summary's online flag follows the same reading, so a
// conversation read while a tab is closing never says "online" beside a
// suggestion to email.
func (s *Service) Decorate(ctx context.Context, sum *chat.Summary) error {
	sum.SuggestedChannel = chat.ChannelChat
	tabs, err := s.store.VisitorListeners(ctx, sum.VisitorID)
	if err != nil {
		return fmt.Errorf("visitor connections: %w", err)
	}
	sum.VisitorOnline = len(tabs) > 0
	c, ok, err := s.contactOf(ctx, sum.VisitorID)
	if err != nil {
		return err
	}
	if !ok {
		sum.EmailBlocked = "no email address is known for this contact"
		return nil
	}
	sum.ContactEmail, sum.ContactName = c.Email, c.Name
	sum.ContactVerified = c.Verified()
	if sum.EmailBlocked, err = s.blocked(ctx, c.Email); err != nil {
		return err
	}
	if !sum.VisitorOnline && sum.EmailBlocked == "" {
		sum.SuggestedChannel = chat.ChannelEmail
	}
	return nil
}

// settings returns a chat channel's email settings; a channel without a
// sender address sends from the deployment's.
func (s *Service) settings(ctx context.Context, channelID string) (Settings, error) {
	st, err := s.channels.ChannelEmail(ctx, channelID)
	if err != nil {
		return Settings{}, fmt.Errorf("email settings of %s: %w", channelID, err)
	}
	if st.SenderAddress == "" {
		st.SenderAddress = s.cfg.SenderAddress
	}
	return st, nil
}

// Quarantine lists the mail kept aside for the agent's inboxes, newest
// first.
func (s *Service) Quarantine(ctx context.Context, agent chat.Principal, limit int) ([]Quarantined, error) {
	if limit <= 0 || limit > chat.MaxPageSize {
		limit = chat.DefaultListSize
	}
	out := []Quarantined{}
	for _, inbox := range agent.Inboxes {
		qs, err := s.store.QuarantinedMail(ctx, inbox, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, qs...)
	}
	// Each inbox's page is newest first already; merged, the same.
	slices.SortStableFunc(out, func(a, b Quarantined) int { return b.ReceivedAt.Compare(a.ReceivedAt) })
	return out[:min(len(out), limit)], nil
}
