package chat_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
)

func TestEffectivePresence(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	open := []chat.AgentSocket{{ConnectionID: "a", ExpiresAt: now.Add(time.Hour)}}
	tests := []struct {
		name string
		p    chat.Presence
		want chat.AgentStatus
	}{
		{"never connected", chat.Presence{}, chat.AgentAway},
		{"a socket open", chat.Presence{Sockets: open}, chat.AgentAvailable},
		{"chose away, socket open", chat.Presence{Status: chat.AgentAway, Sockets: open}, chat.AgentAway},
		{"closed 9m59s ago", chat.Presence{LastClosedAt: now.Add(-chat.AwayAfter + time.Second)}, chat.AgentAvailable},
		{"closed 10 minutes ago", chat.Presence{LastClosedAt: now.Add(-chat.AwayAfter)}, chat.AgentAway},
		{"a lost $disconnect, expired 5 minutes ago", chat.Presence{Sockets: []chat.AgentSocket{{ConnectionID: "x", ExpiresAt: now.Add(-5 * time.Minute)}}}, chat.AgentAvailable},
		{"a lost $disconnect, expired an hour ago", chat.Presence{Sockets: []chat.AgentSocket{{ConnectionID: "x", ExpiresAt: now.Add(-time.Hour)}}}, chat.AgentAway},
		{"signed out a minute ago, its socket closed with it", chat.Presence{LeftAt: now.Add(-time.Minute),
			LastClosedAt: now.Add(-time.Minute - time.Second), LastClosedOpenedAt: now.Add(-time.Hour)}, chat.AgentAway},
		{"signed out, a socket it closed stamped its close later (a late $disconnect)", chat.Presence{LeftAt: now.Add(-time.Minute),
			LastClosedAt: now.Add(-30 * time.Second), LastClosedOpenedAt: now.Add(-time.Hour)}, chat.AgentAway},
		{"signed out, a socket it could not forget still listed", chat.Presence{LeftAt: now.Add(-time.Minute),
			Sockets: []chat.AgentSocket{{ConnectionID: "old", OpenedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}}}, chat.AgentAway},
		{"signed out, in again, and that socket closed since", chat.Presence{LeftAt: now.Add(-time.Minute),
			LastClosedAt: now.Add(-10 * time.Second), LastClosedOpenedAt: now.Add(-50 * time.Second)}, chat.AgentAvailable},
		{"signed out, and in again with a socket open", chat.Presence{LeftAt: now.Add(-time.Minute), LastClosedAt: now.Add(-time.Minute), LastClosedOpenedAt: now.Add(-time.Hour),
			Sockets: []chat.AgentSocket{{ConnectionID: "new", OpenedAt: now.Add(-30 * time.Second), ExpiresAt: now.Add(2*time.Hour - 30*time.Second)}}}, chat.AgentAvailable},
	}
	for _, tt := range tests {
		if got := tt.p.Effective(now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestTeamStatus: a channel in team mode is available while one member of
// its inbox is: the last available one going away, or leaving for 10
// minutes, makes the team away; coming back makes it available.
func TestTeamStatus(t *testing.T) {
	st, push := newFakeStore(), &pushRecorder{}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	svc := newService(t, st, push, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"},
		Now: func() time.Time { return now }, SocketFrames: &frameCounter{}})
	ctx := t.Context()
	for _, a := range []chat.Principal{ann, bob} {
		if _, err := svc.Me(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	team := func(want bool) {
		t.Helper()
		if got, err := svc.TeamAvailable(ctx, "main"); err != nil || got != want {
			t.Errorf("team available = %v, %v; want %v", got, err, want)
		}
	}
	team(false) // nobody has opened the inbox yet

	connect := func(id string, a chat.Principal) {
		t.Helper()
		if err := svc.Connect(ctx, id, chat.Ticket{ID: "t-" + id, Principal: a, ExpiresAt: now.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	connect("ann-1", ann)
	connect("ann-2", ann)
	team(true)

	// Ann goes away: the frame reaches both her tabs.
	me, err := svc.SetStatus(ctx, ann, "", chat.AgentAway)
	if err != nil {
		t.Fatal(err)
	}
	if me.Status != chat.AgentAway || me.Presence != chat.AgentAway {
		t.Errorf("after away: %+v", me)
	}
	sent := push.take()
	for _, id := range []string{"ann-1", "ann-2"} {
		if diff := cmp.Diff([]any{chat.AgentFrame{Type: "agent", Agent: me}}, sent[id]); diff != "" {
			t.Errorf("frames to %s (-want +got):\n%s", id, diff)
		}
	}
	team(false)
	if _, err := svc.SetStatus(ctx, ann, "", "busy"); err == nil {
		t.Error("status busy accepted")
	}

	// Back: available; then her tabs close, and 10 minutes later she is away.
	if _, err := svc.SetStatus(ctx, ann, "", chat.AgentAvailable); err != nil {
		t.Fatal(err)
	}
	team(true)
	for _, id := range []string{"ann-1", "ann-2"} {
		if err := svc.Disconnect(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(chat.AwayAfter - time.Second)
	team(true)
	now = now.Add(time.Second)
	team(false)
	if me, err := svc.Me(ctx, ann, ""); err != nil || me.Status != chat.AgentAvailable || me.Presence != chat.AgentAway {
		t.Errorf("me = %+v, %v; want available by choice, away in effect", me, err)
	}

	// Bob opens the inbox.
	connect("bob-1", bob)
	team(true)
}
