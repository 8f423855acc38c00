package chat

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/publicurl"
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
	// ChannelID is the default chat channel: where mail from an unknown
	// address starts a conversation.
	ChannelID string
	// Channels tells each chat channel's inbox and inactivity timer.
	Channels Channels
	// AgentInboxes are the inboxes an agent is a member of before it has a
	// profile; a new profile starts with them.
	AgentInboxes []string
	Now          func() time.Time
	NewID        func() string
	// VisitorMessages limits each visitor's messages, all tabs together.
	VisitorMessages RateLimit
	// SocketFrames counts frames against their socket's limit. A visitor's
	// message sent again with a client id already stored costs no visitor
	// quota (the stored message answers it), so it counts there before it
	// is fanned out again: otherwise one client id resent in a loop would
	// reach every online agent each time.
	SocketFrames FrameCounter
	// ProfileURLs are the rules for agents' avatar and meetings URLs
	// (public https; loopback http too in the local cloud).
	ProfileURLs publicurl.Options
	// Files commits the uploads messages carry (files.go). Without it a
	// message with attachments is refused: only the functions that take
	// messages from clients have it.
	Files Files
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

	visitorMessages RateLimit
	socketFrames    FrameCounter
	profileURLs     publicurl.Options
	files           Files
}

// repeat counts a repeated message; a refusal stops it before its pushes.
func (s *Service) repeat(ctx context.Context, connectionID string, res Appended) error {
	if !res.Duplicate {
		return nil
	}
	return s.socketFrames.Connection(ctx, connectionID)
}

// NewService returns a Service over the given store and notifier, or an
// error when a part is missing: a service is never built without one and
// so never runs with a limit off.
func NewService(st Storer, n Notifier, o Options) (*Service, error) {
	if st == nil || n == nil || o.ChannelID == "" || o.Channels == nil || o.SocketFrames == nil {
		return nil, errors.New("chat: a service needs a store, a notifier, a channel id, the channels and a socket frame counter")
	}
	s := &Service{store: st, notify: n, channel: o.ChannelID, channels: o.Channels, agentInboxes: o.AgentInboxes, now: o.Now, newID: o.NewID}
	s.visitorMessages = o.VisitorMessages
	s.socketFrames = o.SocketFrames
	s.profileURLs = o.ProfileURLs
	s.files = o.Files
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
	return s, nil
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
