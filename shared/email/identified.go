package email

// The contact as the host site vouches for it, and the name agents call a
// visitor by.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// DisplayName is how agents call a contact: its name, or its address.
func (c Contact) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Email
}

// SetIdentified records the name and address the host site vouched for
// with a signed identify (identity.Assertion): both count as verified,
// and the address is bound to the contact, whoever it was bound to
// before, as a confirmation binds it. An empty value keeps what is known.
// A site identifies on every page, so nothing is written when nothing
// changed.
func (s *Service) SetIdentified(ctx context.Context, visitorID, name, addr string) (Contact, error) {
	prev, err := s.store.Contact(ctx, visitorID)
	if err != nil && !errors.Is(err, chat.ErrNotFound) {
		return Contact{}, fmt.Errorf("contact: %w", err)
	}
	c := prev
	c.VisitorID = visitorID
	if name != "" {
		c.Name = name
	}
	bind := false
	if addr != "" {
		canonical, err := mail.ParseAddress(addr)
		if err != nil {
			return Contact{}, toDomain(err)
		}
		if mail.Key(prev.Email) != mail.Key(canonical) || !prev.Verified() {
			c.Email, c.VerifiedAt, c.ConfirmSentAt, bind = canonical, s.now().UTC().Truncate(time.Millisecond), time.Time{}, true
		}
	}
	if c.Name == prev.Name && !bind {
		return prev, nil
	}
	c.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	if bind {
		err = s.store.BindContact(ctx, c)
	} else {
		err = s.store.PutContact(ctx, c)
	}
	if err != nil {
		return Contact{}, fmt.Errorf("set identified contact: %w", err)
	}
	s.renamed(ctx, prev, c)
	return c, nil
}

// renamed tells the chat domain when the name agents call a visitor by
// changed. A failure is logged: the contact is stored, and the sidebar
// reads it; only the list keeps the old name until the next change.
func (s *Service) renamed(ctx context.Context, prev, c Contact) {
	if prev.DisplayName() == c.DisplayName() {
		return
	}
	if err := s.chat.NameVisitor(ctx, c.VisitorID, c.DisplayName()); err != nil {
		logError(ctx, "name visitor", err, "visitorId", c.VisitorID)
	}
}
