package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
)

// dueIDs reads every shard of the timer index at now.
func dueIDs(t *testing.T, s *store.Store, now time.Time, page int) []string {
	t.Helper()
	var ids []string
	for shard := range s.TimerShards() {
		after := ""
		for {
			got, next, err := s.DueTimers(t.Context(), shard, now, page, after)
			if err != nil {
				t.Fatalf("DueTimers: %v", err)
			}
			ids = append(ids, got...)
			if next == "" {
				break
			}
			after = next
		}
	}
	slices.Sort(ids)
	return ids
}

func TestDueTimers(t *testing.T) {
	s, _ := newStore(t)
	// Five conversations whose timers fire a minute apart.
	var convs []chat.Conversation
	for i := range 5 {
		// Created with a timer an hour out, then moved by a visitor
		// message to fire i+1 minutes after t0.
		cid, vid := uuid.NewString(), uuid.NewString()
		c := chat.Conversation{
			ID: cid, ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen,
			CreatedAt: t0, LastActivityAt: t0, TimerAt: t0.Add(time.Hour), TimerStage: chat.TimerWarn,
		}
		created, err := s.CreateConversation(t.Context(), chat.NewConversation{Conversation: c, Message: chat.Message{
			Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hello", CreatedAt: t0,
		}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Append(t.Context(), chat.Append{
			Current: created.Conversation,
			Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hi", CreatedAt: t0},
			Change: func(n *chat.Conversation) error {
				n.TimerAt = t0.Add(time.Duration(i+1) * time.Minute)
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Conversation(t.Context(), cid)
		if err != nil {
			t.Fatal(err)
		}
		if !got.TimerAt.Equal(t0.Add(time.Duration(i+1)*time.Minute)) || got.TimerStage != chat.TimerWarn {
			t.Fatalf("timer read back = %v %q", got.TimerAt, got.TimerStage)
		}
		convs = append(convs, res.Conversation)
	}
	ids := func(cs ...chat.Conversation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}

	tests := []struct {
		name string
		now  time.Time
		page int
		want []string
	}{
		{"none due before the first deadline", t0.Add(59 * time.Second), 10, nil},
		{"a deadline equal to now is due", t0.Add(2 * time.Minute), 10, ids(convs[0], convs[1])},
		{"all due, paged one by one", t0.Add(time.Hour), 1, ids(convs...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, dueIDs(t, s, tt.now, tt.page)); diff != "" {
				t.Errorf("due (-want +got):\n%s", diff)
			}
		})
	}

	// Stopping a timer (a close) takes the conversation out of the index;
	// the state read back has no timer.
	_, err := s.Append(t.Context(), chat.Append{
		Current: convs[0],
		Message: chat.Message{Kind: chat.KindEvent, Author: chat.Author{Type: chat.RoleSystem, ID: "inactivity"},
			Event: &chat.Event{Type: chat.EventClosed, Reason: chat.CloseReasonInactivity}, CreatedAt: t0},
		Change: func(n *chat.Conversation) error {
			n.Status, n.TimerAt, n.TimerStage = chat.StatusClosed, time.Time{}, ""
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids(convs[1:]...), dueIDs(t, s, t0.Add(time.Hour), 10)); diff != "" {
		t.Errorf("due after close (-want +got):\n%s", diff)
	}
	got, err := s.Conversation(t.Context(), convs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.TimerAt.IsZero() || got.TimerStage != "" {
		t.Errorf("closed conversation still has a timer: %v %q", got.TimerAt, got.TimerStage)
	}
	msgs, _, err := s.Messages(t.Context(), chat.MessageQuery{ConversationID: convs[0].ID, After: 2, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Event == nil || msgs[0].Event.Reason != chat.CloseReasonInactivity {
		t.Errorf("close event read back = %+v, want reason inactivity", msgs)
	}
}

// TestTimerListedWithSlack: a deadline pushed back by a visitor's message
// keeps its index entry while it is within TimerSlack of where it is
// listed (the entry is then due a little early, never late), and moves
// once it runs further ahead or comes earlier.
func TestTimerListedWithSlack(t *testing.T) {
	s, _ := newStore(t)
	cid, vid := uuid.NewString(), uuid.NewString()
	first := t0.Add(10 * time.Minute)
	created, err := s.CreateConversation(t.Context(), chat.NewConversation{Conversation: chat.Conversation{
		ID: cid, ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen,
		CreatedAt: t0, LastActivityAt: t0, TimerAt: first, TimerStage: chat.TimerClose,
	}, Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hello", CreatedAt: t0}})
	if err != nil {
		t.Fatal(err)
	}
	cur := created.Conversation
	steps := []struct {
		name    string
		timerAt time.Time
		listed  time.Time // where the index lists it afterwards
	}{
		{"pushed back within the slack: the entry stays", first.Add(time.Minute), first},
		{"pushed back to the slack's end: it still stays", first.Add(store.TimerSlack), first},
		{"pushed back past the slack: the entry moves", first.Add(store.TimerSlack + time.Second), first.Add(store.TimerSlack + time.Second)},
		{"brought earlier: the entry moves with it", first, first},
	}
	for _, st := range steps {
		res, err := s.Append(t.Context(), chat.Append{
			Current: cur,
			Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "more", CreatedAt: t0},
			Change: func(n *chat.Conversation) error {
				n.TimerAt = st.timerAt
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Conversation.TimerListedAt.Equal(st.listed) {
			t.Errorf("%s: the append answers listed at %v, want %v", st.name, res.Conversation.TimerListedAt, st.listed)
		}
		cur, err = s.Conversation(t.Context(), cid)
		if err != nil {
			t.Fatal(err)
		}
		if !cur.TimerAt.Equal(st.timerAt) || !cur.TimerListedAt.Equal(st.listed) {
			t.Errorf("%s: timer at %v listed at %v, want at %v listed at %v", st.name, cur.TimerAt, cur.TimerListedAt, st.timerAt, st.listed)
		}
		if got := dueIDs(t, s, st.listed.Add(-time.Millisecond), 10); len(got) != 0 {
			t.Errorf("%s: due before where it is listed: %v", st.name, got)
		}
		if diff := cmp.Diff([]string{cid}, dueIDs(t, s, st.listed, 10)); diff != "" {
			t.Errorf("%s: not due where it is listed (-want +got):\n%s", st.name, diff)
		}
	}
}
