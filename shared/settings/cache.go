package settings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/chatflow"
	"github.com/parleychat/parley/shared/email"
)

// CacheTTL is how long a warm function keeps a channel it read. An admin's
// change reaches every function within it; with the widget config's cache
// window (WidgetMaxAge) and the widget's polling it makes the 60 seconds of
// docs/architecture.md, "Settings".
const CacheTTL = 10 * time.Second

// maxCached bounds the cache: channel ids come from public requests, so a
// stream of made-up ids must not grow it without end.
const maxCached = 1000

// Store keeps the settings (the DynamoDB store implements it). Not found
// is chat.ErrNotFound, an id taken chat.ErrConflict.
type Store interface {
	Channel(ctx context.Context, id string) (Channel, error)
	// Channels lists every channel.
	Channels(ctx context.Context) ([]Channel, error)
	// CreateChannel stores a channel whose id is not taken.
	CreateChannel(ctx context.Context, ch Channel) error
	PutChannel(ctx context.Context, ch Channel) error
	// Inbox and Inboxes read the inboxes' own fields (name, routing).
	Inbox(ctx context.Context, id string) (Inbox, error)
	Inboxes(ctx context.Context) ([]Inbox, error)
	// CreateInbox stores an inbox whose id is not taken.
	CreateInbox(ctx context.Context, in Inbox) error
	PutInbox(ctx context.Context, in Inbox) error
	// LegacyEmail reads the email settings a channel had before channels
	// were stored whole, for the seed.
	LegacyEmail(ctx context.Context, channelID string) (Email, error)
	// PutFlowVersion stores a version of a channel's flow; ErrConflict
	// when that version exists (versions never change).
	PutFlowVersion(ctx context.Context, channelID string, f chatflow.Flow) error
	// FlowVersion reads a stored version; LatestFlowVersion the highest
	// stored (0 for none).
	FlowVersion(ctx context.Context, channelID, flowID string, version int) (chatflow.Flow, error)
	LatestFlowVersion(ctx context.Context, channelID, flowID string) (int, error)
}

// Cache answers the hot paths from the stored channels, keeping each one
// CacheTTL: the chat domain's channels (inbox, inactivity timer), the
// origin allowlist, the email channel's settings and the widget's config.
// The first read of the default channel seeds the first inbox and channel
// when they do not exist yet.
type Cache struct {
	store Store
	seed  Seed
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]entry
	flows   map[flowKey]chatflow.Flow
}

// entry is a channel as read at some instant, with what is derived from it.
type entry struct {
	ch       Channel
	err      error // chat.ErrNotFound, kept like a channel
	at       time.Time
	origins  auth.Origins
	schedule *availability.Schedule
}

var (
	_ chat.Channels       = (*Cache)(nil)
	_ auth.ChannelOrigins = (*Cache)(nil)
	_ attachment.Limits   = (*Cache)(nil)
)

// NewCache returns the cache over st. now is the clock the cache's age is
// measured on (the functions' clock; nil: time.Now).
func NewCache(st Store, seed Seed, now func() time.Time) (*Cache, error) {
	if st == nil || seed.ChannelID == "" || seed.InboxID == "" {
		return nil, errors.New("settings: the cache needs a store and the default channel and inbox")
	}
	if now == nil {
		now = time.Now
	}
	return &Cache{store: st, seed: seed, now: now, entries: map[string]entry{}, flows: map[flowKey]chatflow.Flow{}}, nil
}

// get returns the channel, read again once CacheTTL has passed.
func (c *Cache) get(ctx context.Context, id string) (entry, error) {
	if !validID(id) {
		return entry{}, notFound("channel")
	}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < CacheTTL && !e.at.After(now) {
		return e, e.err
	}
	ch, err := c.read(ctx, id)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		e = entry{err: notFound("channel"), at: now}
	case err != nil:
		return entry{}, err
	default:
		e = derive(ch, now)
	}
	c.mu.Lock()
	if len(c.entries) >= maxCached {
		clear(c.entries)
	}
	c.entries[id] = e
	c.mu.Unlock()
	return e, e.err
}

// read reads a channel from the store, seeding the default one on first use.
func (c *Cache) read(ctx context.Context, id string) (Channel, error) {
	ch, err := c.store.Channel(ctx, id)
	if errors.Is(err, chat.ErrNotFound) && id == c.seed.ChannelID {
		if err := c.Seed(ctx); err != nil {
			return Channel{}, err
		}
		ch, err = c.store.Channel(ctx, id)
	}
	if err != nil {
		return Channel{}, fmt.Errorf("read channel %s: %w", id, err)
	}
	return listed(ch), nil
}

// listed gives a channel stored before it had chatflows or targeting
// rules empty lists.
func listed(ch Channel) Channel {
	if ch.Chatflows == nil {
		ch.Chatflows = []chatflow.Flow{}
	}
	if ch.Targeting.Rules == nil {
		ch.Targeting.Rules = []chatflow.Rule{}
	}
	return ch
}

// derive keeps with a channel what the hot paths need of it, parsed once.
// A stored value that no longer parses (never stored through PutChannel)
// allows nothing and is always available: the widget keeps working.
func derive(ch Channel, at time.Time) entry {
	e := entry{ch: ch, at: at}
	e.origins, _ = auth.ParseOrigins(ch.AllowedOrigins)
	if e.origins == nil {
		e.origins = auth.Origins{}
	}
	sch, err := availability.New(ch.Availability)
	if err != nil {
		sch, _ = availability.New(availability.Settings{Mode: availability.Always})
	}
	e.schedule = sch
	return e
}

// Forget drops a channel from the cache, so this function reads its
// change at once (other functions within CacheTTL).
func (c *Cache) Forget(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

// Seed creates the first inbox and channel from the deployment's
// parameters if they do not exist yet. Each is a conditional put, so
// functions seeding at once create one of each; the email settings a
// deployment stored before channels were are kept.
func (c *Cache) Seed(ctx context.Context) error {
	in := c.seed.inbox()
	if err := c.store.CreateInbox(ctx, in); err != nil && !errors.Is(err, chat.ErrConflict) {
		return fmt.Errorf("seed inbox %s: %w", in.ID, err)
	}
	ch := c.seed.channel()
	legacy, err := c.store.LegacyEmail(ctx, ch.ID)
	switch {
	case err == nil:
		legacy.SenderAddress = cmp.Or(legacy.SenderAddress, ch.Email.SenderAddress)
		ch.Email = legacy
	case !errors.Is(err, chat.ErrNotFound):
		return fmt.Errorf("seed channel %s: %w", ch.ID, err)
	}
	if err := c.store.CreateChannel(ctx, ch); err != nil && !errors.Is(err, chat.ErrConflict) {
		return fmt.Errorf("seed channel %s: %w", ch.ID, err)
	}
	return nil
}

// Channel implements chat.Channels: a channel's inbox and inactivity timer.
func (c *Cache) Channel(ctx context.Context, id string) (chat.Channel, error) {
	e, err := c.get(ctx, id)
	if err != nil {
		return chat.Channel{}, err
	}
	in := e.ch.Inactivity
	ch := chat.Channel{ID: e.ch.ID, InboxID: e.ch.InboxID, Inactivity: chat.Inactivity{
		Timeout: time.Duration(in.TimeoutMinutes) * time.Minute, Warning: time.Duration(in.WarningMinutes) * time.Minute,
		Language: e.ch.Look.Language, WarningText: in.WarningText,
	}, Hours: e.schedule, Survey: e.ch.CSAT, Flows: e.ch.Chatflows, DefaultFlow: e.ch.Targeting.OtherPages.Flow}
	return ch, nil
}

// FlowVersion implements chat.Channels: versions never change, so each
// is read once per function and kept.
func (c *Cache) FlowVersion(ctx context.Context, channelID, flowID string, version int) (chatflow.Flow, error) {
	k := flowKey{channelID, flowID, version}
	c.mu.Lock()
	f, ok := c.flows[k]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := c.store.FlowVersion(ctx, channelID, flowID, version)
	if err != nil {
		return chatflow.Flow{}, fmt.Errorf("flow %s v%d: %w", flowID, version, err)
	}
	c.mu.Lock()
	if len(c.flows) >= maxCached {
		clear(c.flows)
	}
	c.flows[k] = f
	c.mu.Unlock()
	return f, nil
}

type flowKey struct {
	channel, flow string
	version       int
}

// ChannelOrigins implements auth.ChannelOrigins.
func (c *Cache) ChannelOrigins(ctx context.Context, id string) (auth.Origins, error) {
	e, err := c.get(ctx, id)
	return e.origins, err
}

// ChannelEmail returns a channel's email settings for the email channel.
func (c *Cache) ChannelEmail(ctx context.Context, id string) (email.Settings, error) {
	e, err := c.get(ctx, id)
	if err != nil {
		return email.Settings{}, err
	}
	m := e.ch.Email
	return email.Settings{ChannelID: id, TranscriptOnClose: m.TranscriptOnClose, SenderAddress: m.SenderAddress, SenderName: m.SenderName}, nil
}

// FileLimits implements attachment.Limits: the channel's own limits, the
// deployment's where the channel keeps 0.
func (c *Cache) FileLimits(ctx context.Context, id string) (attachment.FileLimits, error) {
	e, err := c.get(ctx, id)
	if err != nil {
		return attachment.FileLimits{}, err
	}
	l := c.seed.Files
	if f := e.ch.Files; f.MaxMegabytes > 0 {
		l.MaxBytes = int64(f.MaxMegabytes) << 20
	}
	if f := e.ch.Files; f.PerMessage > 0 {
		l.MaxFiles = f.PerMessage
	}
	return l, nil
}

// ChannelSchedule is the channel's opening hours (reports.Hours): what its
// widget's availability follows, parsed once per CacheTTL.
func (c *Cache) ChannelSchedule(ctx context.Context, id string) (*availability.Schedule, error) {
	e, err := c.get(ctx, id)
	return e.schedule, err
}
