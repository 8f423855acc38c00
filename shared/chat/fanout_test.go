package chat_test

import (
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// who returns the connections that got at least one frame, sorted.
func who(frames map[string][]any) []string {
	out := []string{}
	for id := range frames {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// TestFanOutReachesTheInboxOnlyWhenItsListChanges follows one conversation
// with two agents online: ann has it open (she resumed it), bob looks at
// his list. Every message reaches the visitor and ann; bob hears of every
// visitor message and state change, of an agent's reply or read only when
// it flips the unread dot; typing reaches only the open thread, and the
// visitor's read marker, which no inbox shows, no one.
func TestFanOutReachesTheInboxOnlyWhenItsListChanges(t *testing.T) {
	st := newFakeStore()
	p := &pushRecorder{}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	svc := newService(t, st, p, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	for id, pr := range map[string]chat.Principal{"vconn": vis} {
		if err := st.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: pr}); err != nil {
			t.Fatal(err)
		}
	}
	for id, pr := range map[string]chat.Principal{"aconn": ann, "bconn": bob} {
		if err := st.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: pr, Inboxes: []string{"main"}}); err != nil {
			t.Fatal(err)
		}
		st.agents[pr.ID] = chat.Agent{ID: pr.ID, DisplayName: pr.Name, Inboxes: []string{"main"}}
	}
	first, err := svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	cid := first.ConversationID
	if diff := cmp.Diff([]string{"aconn", "bconn", "vconn"}, who(p.take())); diff != "" {
		t.Fatalf("a new conversation reaches everyone (-want +got):\n%s", diff)
	}
	if err := svc.Resume(t.Context(), "aconn", cid, 1); err != nil {
		t.Fatal(err)
	}
	p.take()

	visitorSays := func(t *testing.T) {
		if _, err := svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "more"}); err != nil {
			t.Fatal(err)
		}
	}
	annSays := func(t *testing.T) {
		if _, _, err := svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "answer"}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		do   func(t *testing.T)
		want []string
	}{
		{name: "a visitor's message reaches every list", do: visitorSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "so does the next one", do: visitorSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "a reply that makes it read flips the dot for every list", do: annSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "a second reply changes no dot: the open thread and the visitor only", do: annSays, want: []string{"aconn", "vconn"}},
		{name: "visitor typing reaches the open thread only", do: func(t *testing.T) {
			if err := svc.Typing(t.Context(), "vconn", cid, true, false); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"aconn"}},
		{name: "the visitor's read marker reaches no one", do: func(t *testing.T) {
			c := st.convs[cid]
			if err := svc.ReadFromConnection(t.Context(), "vconn", cid, c.LastSeq); err != nil {
				t.Fatal(err)
			}
			if got := st.convs[cid].VisitorReadSeq; got != c.LastSeq {
				t.Errorf("visitor read marker = %d, want %d stored", got, c.LastSeq)
			}
		}, want: []string{}},
		{name: "a visitor message after the replies makes it unread", do: visitorSays, want: []string{"aconn", "bconn", "vconn"}},
		{name: "ann reads it: the dot flips back for every list, the visitor sees it read", do: func(t *testing.T) {
			c := st.convs[cid]
			if _, err := svc.MarkRead(t.Context(), ann, cid, c.LastSeq); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"aconn", "bconn", "vconn"}},
		{name: "her reply after reading changes no dot", do: annSays, want: []string{"aconn", "vconn"}},
		{name: "a state change reaches every list", do: func(t *testing.T) {
			if _, err := svc.TakeOver(t.Context(), bob, cid, ""); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"aconn", "bconn", "vconn"}},
	}
	for _, step := range steps {
		step.do(t)
		if diff := cmp.Diff(step.want, who(p.take())); diff != "" {
			t.Errorf("%s: pushed to (-want +got):\n%s", step.name, diff)
		}
	}
}
