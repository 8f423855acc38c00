// Package contact tells who a conversation's visitor is: the card agents
// read beside a thread (the contact's name and address, the site's user
// id, the attributes the site set, where the chat started and the pages
// since, the browser, and the visitor's other conversations), and the
// attributes a site sets with Parley.setAttributes.
//
// Attributes come from the page, which anyone can change: they are stored
// and shown as unverified, never used to decide anything.
package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/chat"
)

// Bounds of the attributes of one visitor.
const (
	MaxAttributes  = 20
	MaxKeyRunes    = 40
	MaxStringRunes = 200
)

// Attributes are a visitor's attributes: strings, numbers (float64) and
// booleans by key.
type Attributes map[string]any

// Profile is what is stored about a visitor beside its conversations.
type Profile struct {
	Name          string
	Email         string
	EmailVerified bool
	// ExternalID is the site's user id when the site identified the
	// visitor.
	ExternalID string
	Attributes Attributes
}

// Store reads and writes what the package keeps. Implementations return
// chat.ErrConflict when the attributes changed since rev was read.
type Store interface {
	// Profile reads a visitor's contact, identity and attributes in one
	// call.
	Profile(ctx context.Context, visitorID string) (Profile, error)
	// Attributes returns a visitor's attributes (empty when none) and
	// their revision.
	Attributes(ctx context.Context, visitorID string) (Attributes, int64, error)
	// PutAttributes stores a visitor's attributes if they are still at
	// revision rev.
	PutAttributes(ctx context.Context, visitorID string, a Attributes, rev int64) error
}

// Conversations is the part of the chat domain the card reads.
type Conversations interface {
	VisitorHistory(ctx context.Context, agent chat.Principal, conversationID string) (chat.Conversation, *chat.Visit, []chat.PastConversation, error)
}

// Service serves the card and the attributes.
type Service struct {
	store Store
	chat  Conversations
}

// New returns a Service.
func New(st Store, c Conversations) (*Service, error) {
	if st == nil || c == nil {
		return nil, errors.New("contact: the service needs a store and the chat domain")
	}
	return &Service{store: st, chat: c}, nil
}

// Card is who a conversation's visitor is, as agents read it.
type Card struct {
	VisitorID     string `json:"visitorId"`
	Name          string `json:"name,omitempty"`
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"emailVerified"`
	// ExternalID is the site's user id of an identified visitor.
	ExternalID string `json:"externalId,omitempty"`
	// Attributes are the site's, unverified.
	Attributes Attributes `json:"attributes"`
	// Visit is where the chat started and the pages since; absent before
	// the chat window reported a page.
	Visit *chat.Visit `json:"visit,omitempty"`
	// Conversations are the visitor's others in the agent's inboxes,
	// newest first.
	Conversations []chat.PastConversation `json:"conversations"`
	// BotAnswers are what the chatflow's bot collected in this
	// conversation, each by the name its step saves it under, in the
	// order the visitor gave them.
	BotAnswers []chat.BotAnswer `json:"botAnswers,omitempty"`
}

// Card returns the card of a conversation the agent can see; any other
// answers like an unknown one.
func (s *Service) Card(ctx context.Context, agent chat.Principal, conversationID string) (Card, error) {
	conv, visit, past, err := s.chat.VisitorHistory(ctx, agent, conversationID)
	if err != nil {
		return Card{}, err
	}
	p, err := s.store.Profile(ctx, conv.VisitorID)
	if err != nil {
		return Card{}, fmt.Errorf("card of %s: %w", conversationID, err)
	}
	if p.Attributes == nil {
		p.Attributes = Attributes{}
	}
	return Card{
		VisitorID: conv.VisitorID, Name: p.Name, Email: p.Email, EmailVerified: p.EmailVerified, ExternalID: p.ExternalID,
		Attributes: p.Attributes, Visit: visit, Conversations: past, BotAnswers: conv.Bot.OrderedAnswers(),
	}, nil
}

func invalid(format string, args ...any) error {
	return &chat.Error{Kind: chat.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	})
}

// check validates one key and value; a nil value removes the key.
func check(k string, v any) error {
	switch n := utf8.RuneCountInString(k); {
	case strings.TrimSpace(k) == "" || !utf8.ValidString(k) || hasControl(k):
		return invalid("attribute names must be text without control characters")
	case n > MaxKeyRunes:
		return invalid("attribute name %.40q… is longer than %d characters", k, MaxKeyRunes)
	}
	switch v := v.(type) {
	case nil, bool:
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return invalid("attribute %q is not a finite number", k)
		}
	case string:
		if !utf8.ValidString(v) || hasControl(v) {
			return invalid("attribute %q must be text without control characters", k)
		}
		if utf8.RuneCountInString(v) > MaxStringRunes {
			return invalid("attribute %q is longer than %d characters", k, MaxStringRunes)
		}
	default:
		return invalid("attribute %q must be a string, a number or a boolean", k)
	}
	return nil
}

// Merge applies in to cur: a value sets its key, null removes it. The
// result holds at most MaxAttributes keys; anything out of bounds is
// refused as a whole.
func Merge(cur, in Attributes) (Attributes, error) {
	out := make(Attributes, len(cur)+len(in))
	for k, v := range cur {
		out[k] = v
	}
	for k, v := range in {
		if err := check(k, v); err != nil {
			return nil, err
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	if len(out) > MaxAttributes {
		return nil, invalid("a visitor has at most %d attributes", MaxAttributes)
	}
	return out, nil
}

// Decode reads attributes from JSON: an object of strings, numbers,
// booleans and nulls.
func Decode(raw json.RawMessage) (Attributes, error) {
	var a Attributes
	if err := json.Unmarshal(raw, &a); err != nil || a == nil {
		return nil, invalid("attributes must be a JSON object")
	}
	return a, nil
}

// attempts bounds the retries of a write that lost a race.
const attempts = 3

// SetAttributes merges in into a visitor's attributes and returns them.
// Nothing changes when anything in in is refused.
func (s *Service) SetAttributes(ctx context.Context, visitorID string, in Attributes) (Attributes, error) {
	for range attempts {
		cur, rev, err := s.store.Attributes(ctx, visitorID)
		if err != nil {
			return nil, fmt.Errorf("attributes of %s: %w", visitorID, err)
		}
		next, err := Merge(cur, in)
		if err != nil {
			return nil, err
		}
		err = s.store.PutAttributes(ctx, visitorID, next, rev)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, chat.ErrConflict) {
			return nil, fmt.Errorf("set attributes of %s: %w", visitorID, err)
		}
	}
	return nil, fmt.Errorf("set attributes of %s: %w", visitorID, chat.ErrConflict)
}
