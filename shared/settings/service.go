package settings

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/chatflow"
)

// Team is what the settings need to know of the agents (the chat domain
// answers): who is a member of an inbox, and whether one of them is
// available.
type Team interface {
	// InboxMembers lists the ids of an inbox's members.
	InboxMembers(ctx context.Context, inboxID string) ([]string, error)
	// TeamAvailable reports whether a member of the inbox is available now.
	TeamAvailable(ctx context.Context, inboxID string) (bool, error)
}

// Members changes an inbox's members (shared/team: the agents who join or
// leave get their sockets renewed).
type Members interface {
	// SetInboxMembers makes exactly these agents members of the inbox; an
	// id that names no agent is a *chat.ValidationError on memberIds[i].
	SetInboxMembers(ctx context.Context, inboxID string, agentIDs []string) error
}

// Service carries out what admins do with inboxes and channels, and
// answers the widget's public config.
type Service struct {
	cache *Cache
	store Store
	team  Team
	seed  Seed
	newID func() string
	teams *teamCache
}

// NewService returns the service over the cache (and its store) and team.
// newID may be nil (random ids).
func NewService(c *Cache, team Team, newID func() string) (*Service, error) {
	if c == nil || team == nil {
		return nil, errors.New("settings: the service needs the cache and the team")
	}
	if newID == nil {
		newID = randomID
	}
	return &Service{cache: c, store: c.store, team: team, seed: c.seed, newID: newID, teams: &teamCache{entries: map[string]teamEntry{}}}, nil
}

// randomID is a new channel's or inbox's id: 16 lowercase letters and
// digits (80 random bits), fit for an embed snippet.
func randomID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

func notFound(what string) error {
	return &chat.Error{Kind: chat.ErrNotFound, Message: what + " not found"}
}

// validID: ids are short, lowercase letters, digits and hyphens; anything
// else names nothing.
func validID(id string) bool {
	return id != "" && len(id) <= 64 && !strings.ContainsFunc(id, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-'
	})
}

// Channels lists every chat channel.
func (s *Service) Channels(ctx context.Context) ([]Channel, error) {
	list, err := s.store.Channels(ctx)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	for i := range list {
		list[i] = listed(list[i])
	}
	if slices.ContainsFunc(list, func(c Channel) bool { return c.ID == s.seed.ChannelID }) {
		return list, nil
	}
	if err := s.cache.Seed(ctx); err != nil {
		return nil, err
	}
	if list, err = s.store.Channels(ctx); err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	for i := range list {
		list[i] = listed(list[i])
	}
	return list, nil
}

// Channel returns one chat channel.
func (s *Service) Channel(ctx context.Context, id string) (Channel, error) {
	if !validID(id) {
		return Channel{}, notFound("channel")
	}
	return s.cache.read(ctx, id)
}

// CreateChannel adds a chat channel to an inbox, with the deployment's
// defaults and no allowed origin yet.
func (s *Service) CreateChannel(ctx context.Context, inboxID, name string) (Channel, error) {
	var c checker
	name = c.text("name", name, MaxNameRunes, true, false)
	if err := s.checkInboxRef(ctx, &c, inboxID); err != nil {
		return Channel{}, err
	}
	if err := c.err("the channel"); err != nil {
		return Channel{}, err
	}
	ch := s.seed.defaults(s.newID(), inboxID, name)
	if err := s.store.CreateChannel(ctx, ch); err != nil {
		return Channel{}, fmt.Errorf("create channel: %w", err)
	}
	return ch, nil
}

// checkInboxRef adds a field error when inboxId names no inbox.
func (s *Service) checkInboxRef(ctx context.Context, c *checker, inboxID string) error {
	_, err := s.inbox(ctx, inboxID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		c.add("inboxId", "must name an inbox")
	case err != nil:
		return err
	}
	return nil
}

// inbox reads an inbox's own fields, seeding the first inbox on first use.
func (s *Service) inbox(ctx context.Context, id string) (Inbox, error) {
	if !validID(id) {
		return Inbox{}, notFound("inbox")
	}
	in, err := s.store.Inbox(ctx, id)
	if errors.Is(err, chat.ErrNotFound) && id == s.seed.InboxID {
		if err = s.cache.Seed(ctx); err == nil {
			in, err = s.store.Inbox(ctx, id)
		}
	}
	switch {
	case errors.Is(err, chat.ErrNotFound):
		return Inbox{}, notFound("inbox")
	case err != nil:
		return Inbox{}, fmt.Errorf("read inbox %s: %w", id, err)
	}
	return in, nil
}

// PutChannel replaces a channel's settings with ch (its id is the path's).
// The change reaches the functions' caches within CacheTTL, this one's at
// once.
func (s *Service) PutChannel(ctx context.Context, id string, ch Channel) (Channel, error) {
	stored, err := s.Channel(ctx, id)
	if err != nil {
		return Channel{}, err
	}
	ch.ID = id
	ch, err = checkChannel(ch, s.seed.SenderDomain)
	var v *chat.ValidationError
	if err != nil && !errors.As(err, &v) {
		return Channel{}, err
	}
	c := checker{}
	if v != nil {
		c.fields = v.Fields
	}
	if err := s.checkInboxRef(ctx, &c, ch.InboxID); err != nil {
		return Channel{}, err
	}
	if err := c.err("the channel"); err != nil {
		return Channel{}, err
	}
	if ch.Chatflows, err = s.versions(ctx, id, stored.Chatflows, ch.Chatflows); err != nil {
		return Channel{}, err
	}
	if err := s.store.PutChannel(ctx, ch); err != nil {
		return Channel{}, fmt.Errorf("put channel %s: %w", id, err)
	}
	s.cache.Forget(id)
	return ch, nil
}

// stored lists every inbox as stored, the first one seeded on first use.
func (s *Service) stored(ctx context.Context) ([]Inbox, error) {
	list, err := s.store.Inboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list inboxes: %w", err)
	}
	if !slices.ContainsFunc(list, func(in Inbox) bool { return in.ID == s.seed.InboxID }) {
		if err := s.cache.Seed(ctx); err != nil {
			return nil, err
		}
		if list, err = s.store.Inboxes(ctx); err != nil {
			return nil, fmt.Errorf("list inboxes: %w", err)
		}
	}
	return list, nil
}

// InboxIDs lists the ids of every inbox (shared/team checks memberships
// against them).
func (s *Service) InboxIDs(ctx context.Context) ([]string, error) {
	list, err := s.stored(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(list))
	for _, in := range list {
		ids = append(ids, in.ID)
	}
	return ids, nil
}

// Inboxes lists every inbox with its members and channels.
func (s *Service) Inboxes(ctx context.Context) ([]Inbox, error) {
	list, err := s.stored(ctx)
	if err != nil {
		return nil, err
	}
	channels, err := s.Channels(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if err := s.complete(ctx, &list[i], channels); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// complete fills an inbox's members and channels.
func (s *Service) complete(ctx context.Context, in *Inbox, channels []Channel) error {
	members, err := s.team.InboxMembers(ctx, in.ID)
	if err != nil {
		return fmt.Errorf("members of %s: %w", in.ID, err)
	}
	in.MemberIDs = append([]string{}, members...)
	in.ChannelIDs = []string{}
	for _, ch := range channels {
		if ch.InboxID == in.ID {
			in.ChannelIDs = append(in.ChannelIDs, ch.ID)
		}
	}
	return nil
}

// CreateInbox adds an inbox without members or channels, routed by hand.
func (s *Service) CreateInbox(ctx context.Context, name string) (Inbox, error) {
	in, err := checkInbox(Inbox{Name: name, MemberIDs: []string{}, Routing: Routing{Mode: RoutingManual, Capacity: DefaultCapacity}})
	if err != nil {
		return Inbox{}, err
	}
	in.ID, in.ChannelIDs = s.newID(), []string{}
	if err := s.store.CreateInbox(ctx, in); err != nil {
		return Inbox{}, fmt.Errorf("create inbox: %w", err)
	}
	return in, nil
}

// PutInbox changes an inbox's name, members (through members, once the
// rest is valid) and routing (its id is the path's; its channels are the
// channels' to say).
func (s *Service) PutInbox(ctx context.Context, id string, in Inbox, members Members) (Inbox, error) {
	if _, err := s.inbox(ctx, id); err != nil {
		return Inbox{}, err
	}
	in.ID = id
	in, err := checkInbox(in)
	if err != nil {
		return Inbox{}, err
	}
	if err := members.SetInboxMembers(ctx, id, in.MemberIDs); err != nil {
		return Inbox{}, fmt.Errorf("members of %s: %w", id, err)
	}
	if err := s.store.PutInbox(ctx, in); err != nil {
		return Inbox{}, fmt.Errorf("put inbox %s: %w", id, err)
	}
	s.teams.forget(id)
	channels, err := s.store.Channels(ctx)
	if err != nil {
		return Inbox{}, fmt.Errorf("list channels: %w", err)
	}
	return in, s.complete(ctx, &in, channels)
}

// AgentInboxes names the inboxes an agent is a member of, in its order.
func (s *Service) AgentInboxes(ctx context.Context, agent chat.Principal) ([]InboxRef, error) {
	list, err := s.store.Inboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("list inboxes: %w", err)
	}
	out := make([]InboxRef, 0, len(agent.Inboxes))
	for _, id := range agent.Inboxes {
		ref := InboxRef{ID: id, Name: id}
		if i := slices.IndexFunc(list, func(in Inbox) bool { return in.ID == id }); i >= 0 {
			ref.Name = list[i].Name
		} else if id == s.seed.InboxID {
			ref.Name = s.seed.teamName()
		}
		out = append(out, ref)
	}
	return out, nil
}

// versions numbers the edited flows (a changed flow gets the version
// after the highest ever stored for its id, so a flow deleted and made
// again never reuses a number) and stores each new version before the
// channel names it: a conversation started on any version finds it.
func (s *Service) versions(ctx context.Context, channelID string, stored, edited []chatflow.Flow) ([]chatflow.Flow, error) {
	flows := chatflow.Versioned(stored, edited)
	for _, f := range chatflow.Changed(stored, flows) {
		latest, err := s.store.LatestFlowVersion(ctx, channelID, f.ID)
		if err != nil {
			return nil, fmt.Errorf("versions of flow %s: %w", f.ID, err)
		}
		f.Version = max(f.Version, latest+1)
		if err := s.store.PutFlowVersion(ctx, channelID, f); err != nil {
			if errors.Is(err, chat.ErrConflict) {
				return nil, &chat.Error{Kind: chat.ErrConflict, Message: "the chatflow was saved meanwhile: reload it"}
			}
			return nil, fmt.Errorf("store flow %s v%d: %w", f.ID, f.Version, err)
		}
		for i := range flows {
			if flows[i].ID == f.ID {
				flows[i].Version = f.Version
			}
		}
	}
	return flows, nil
}
