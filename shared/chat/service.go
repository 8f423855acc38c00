package chat

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
	DefaultListSize = 25
	visitorHistory  = 20
)

// Options configure a Service.
type Options struct {
	// ChannelID is the channel that exists without configuration.
	ChannelID string
	// Channels tells which inbox each chat channel belongs to.
	Channels Channels
	// AgentInboxes are the inboxes an agent is a member of before it has a
	// profile; a new profile starts with them.
	AgentInboxes []string
	Now          func() time.Time
	NewID        func() string
	// Inactivity holds each chat channel's inactivity timer, by channel id;
	// a channel without an entry closes after DefaultInactivityTimeout.
	Inactivity map[string]Inactivity
	// VisitorMessages limits each visitor's messages, all tabs together.
	VisitorMessages RateLimit
}

// Service carries out the chat's use cases.
type Service struct {
	store   Storer
	notify  Notifier
	channel string
	// channels and agentInboxes: see Options.
	channels     Channels
	agentInboxes []string
	now          func() time.Time
	newID        func() string

	inactivity map[string]Inactivity

	visitorMessages RateLimit
	repeats         func(ctx context.Context, connectionID string) error
}

// LimitRepeats makes a visitor's message sent again with a client id that
// is already stored count against the socket's frame limit (count) before
// it is fanned out again. A repeat costs no visitor quota (the stored
// message answers it), so without this one client id resent in a loop
// would reach every online agent each time.
func (s *Service) LimitRepeats(count func(ctx context.Context, connectionID string) error) {
	s.repeats = count
}

// repeat counts a repeated message; a refusal stops it before its pushes.
func (s *Service) repeat(ctx context.Context, connectionID string, res Appended) error {
	if !res.Duplicate || s.repeats == nil {
		return nil
	}
	return s.repeats(ctx, connectionID)
}

// NewService returns a Service over the given store and notifier.
func NewService(st Storer, n Notifier, o Options) *Service {
	s := &Service{store: st, notify: n, channel: o.ChannelID, channels: o.Channels, agentInboxes: o.AgentInboxes, now: o.Now, newID: o.NewID}
	s.inactivity = o.Inactivity
	s.visitorMessages = o.VisitorMessages
	if s.now == nil {
		s.now = time.Now
	}
	// Stored times have millisecond precision; answering with the same
	// precision makes a retry's answer identical to the first one.
	clock := s.now
	s.now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if s.newID == nil {
		s.newID = func() string { return uuid.NewString() }
	}
	return s
}

// errClosed and errNoop stop an Append from inside Change.
var (
	errClosed = errors.New("conversation closed meanwhile")
	errNoop   = errors.New("nothing to change")
)

func clientKey(p Principal, clientID string) string {
	return string(p.Role) + ":" + p.ID + "#" + clientID
}

func author(p Principal) Author {
	return Author{Type: p.Role, ID: p.ID, Name: p.Name, AvatarURL: p.AvatarURL}
}
