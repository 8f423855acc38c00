package chat

// Viewers: which agents have a conversation open (and their tab visible),
// so that two agents do not answer the same visitor without knowing. An
// inbox says so with a "view" frame when it opens a thread or its tab
// becomes visible, again every minute while it stays, and "view off" when
// it leaves. Each viewing socket is an item under the conversation
// that expires ViewerTTL after its last refresh (a lost "off" costs a stale
// avatar for that long). Nothing of it is read or written by a message:
// viewer items sort after the conversation's META item, outside the read
// every message makes.

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// ViewerTTL is how long a viewer item lasts without a refresh: the inbox
// refreshes every minute, so one refresh may be lost.
const ViewerTTL = 150 * time.Second

// Viewer is an agent viewing a conversation, as the other agents see it.
type Viewer struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatarUrl,omitempty"`
}

// Viewing is a socket viewing a conversation until Until.
type Viewing struct {
	ConnectionID string
	Viewer       Viewer
	Until        time.Time
}

// ViewersFrame lists the agents viewing a conversation, each once, as
// read at At. Pushes come in any order: of two lists of a conversation,
// the one read later is the one to show (an agent's own answer, read
// before a second viewer came, may arrive after the push that names both).
type ViewersFrame struct {
	Type           string    `json:"type"`
	ConversationID string    `json:"conversationId"`
	Viewers        []Viewer  `json:"viewers"`
	At             time.Time `json:"at"`
}

// View records that the agent behind a connection views a conversation
// (on) or stopped (off). A viewer that was not there before, or one that
// leaves, changes the list: the other viewers hear it. Every "on" is
// answered with the list, so a refresh also drops viewers whose inbox went
// away without a word.
func (s *Service) View(ctx context.Context, connectionID, conversationID string, on bool) error {
	if err := checkID("conversationId", conversationID); err != nil {
		return err
	}
	p, conv, _, err := s.reachFrom(ctx, connectionID, conversationID)
	if err != nil {
		return err
	}
	if p.Role != RoleAgent {
		return invalid("only agents view conversations")
	}
	now := s.now()
	changed := false
	if on {
		v := Viewing{ConnectionID: connectionID, Viewer: Viewer{ID: p.ID, Name: p.Name, AvatarURL: p.AvatarURL}, Until: now.Add(ViewerTTL)}
		changed, err = s.store.PutViewer(ctx, conv.ID, v, now)
	} else {
		changed, err = s.store.LeaveViewer(ctx, conv.ID, connectionID, now)
	}
	if err != nil {
		return fmt.Errorf("view %s: %w", conv.ID, err)
	}
	if !on && !changed {
		return nil
	}
	all, err := s.store.Viewers(ctx, conv.ID, now)
	if err != nil {
		return fmt.Errorf("viewers of %s: %w", conv.ID, err)
	}
	frame := ViewersFrame{Type: "viewers", ConversationID: conv.ID, Viewers: distinctViewers(all), At: s.now().UTC()}
	if on {
		s.Answer(ctx, connectionID, frame)
	}
	if !changed {
		return nil
	}
	var others []string
	for _, v := range all {
		if v.ConnectionID != connectionID {
			others = append(others, v.ConnectionID)
		}
	}
	if len(others) == 0 {
		return nil
	}
	// A viewer found gone is forgotten, its viewing with it.
	for _, id := range s.notify.Push(ctx, others, frame) {
		s.forget(ctx, id, Via{})
		if _, err := s.store.LeaveViewer(ctx, conv.ID, id, now); err != nil {
			slog.ErrorContext(ctx, "forget gone viewer", "connectionId", id, "conversationId", conv.ID, "error", err)
		}
	}
	return nil
}

// distinctViewers lists each agent once (an agent may view from two tabs),
// by name.
func distinctViewers(all []Viewing) []Viewer {
	out := []Viewer{}
	for _, v := range all {
		if !slices.ContainsFunc(out, func(x Viewer) bool { return x.ID == v.Viewer.ID }) {
			out = append(out, v.Viewer)
		}
	}
	slices.SortStableFunc(out, func(a, b Viewer) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
