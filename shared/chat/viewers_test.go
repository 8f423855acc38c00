package chat_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// viewerNames maps each connection to the names of the viewers frames it
// got, one list per frame.
func viewerNames(frames map[string][]any) map[string][][]string {
	out := map[string][][]string{}
	for id, fs := range frames {
		for _, f := range fs {
			vf, ok := f.(chat.ViewersFrame)
			if !ok {
				continue
			}
			names := []string{}
			for _, v := range vf.Viewers {
				names = append(names, v.Name)
			}
			out[id] = append(out[id], names)
		}
	}
	return out
}

// TestViewers: the first "view" of an agent answers it with who views the
// thread and tells the viewers already there; a refresh answers its sender
// only; "off" tells the others; a second tab of the same agent shows it
// once; a viewer that stops refreshing drops out after ViewerTTL.
func TestViewers(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	st := newFakeStore()
	p := &pushRecorder{}
	svc := newService(t, st, p, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, Now: func() time.Time { return now }})
	conns := map[string]chat.Principal{"aconn": ann, "atab2": ann, "bconn": bob}
	for id, pr := range conns {
		if err := st.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: pr, Inboxes: []string{"main"}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SaveConnection(t.Context(), chat.Connection{ID: "vconn", Principal: vis}); err != nil {
		t.Fatal(err)
	}
	first, err := svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	cid := first.ConversationID
	p.take()

	steps := []struct {
		name    string
		conn    string
		on      bool
		advance time.Duration
		want    map[string][][]string
	}{
		{"ann opens the thread", "aconn", true, 0, map[string][][]string{"aconn": {{"Ann"}}}},
		{"bob opens it: both hear", "bconn", true, 0, map[string][][]string{"bconn": {{"Ann", "Bob"}}, "aconn": {{"Ann", "Bob"}}}},
		{"bob refreshes: only bob hears", "bconn", true, 30 * time.Second, map[string][][]string{"bconn": {{"Ann", "Bob"}}}},
		{"ann's second tab: ann once", "atab2", true, 0, map[string][][]string{"atab2": {{"Ann", "Bob"}}, "aconn": {{"Ann", "Bob"}}, "bconn": {{"Ann", "Bob"}}}},
		{"ann's first tab leaves: ann still views from the second", "aconn", false, 0, map[string][][]string{"atab2": {{"Ann", "Bob"}}, "bconn": {{"Ann", "Bob"}}}},
		{"leaving twice changes nothing", "aconn", false, 0, map[string][][]string{}},
		{"ann's tab stops refreshing: gone for bob's refresh", "bconn", true, chat.ViewerTTL, map[string][][]string{"bconn": {{"Bob"}}}},
		{"bob leaves: nobody left to hear", "bconn", false, 0, map[string][][]string{}},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if err := svc.View(t.Context(), s.conn, cid, s.on); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := p.take()
		if diff := cmp.Diff(s.want, viewerNames(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
		// Each list says when it was read, for the inbox to keep the
		// later of two that cross.
		for id, fs := range got {
			for _, f := range fs {
				if vf, ok := f.(chat.ViewersFrame); ok && !vf.At.Equal(now) {
					t.Errorf("%s: %s's list read at %s, want %s", s.name, id, vf.At, now)
				}
			}
		}
	}
}

// TestViewAccess: a visitor cannot view (it is no agent), an agent cannot
// view another inbox's conversation (which answers like an unknown one).
func TestViewAccess(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "cconn", Principal: chat.Principal{Role: chat.RoleAgent, ID: "cy", Inboxes: []string{"sales"}}, Inboxes: []string{"sales"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, conn, cid string
		wantErr         error
	}{
		{"the visitor", "vconn", cid, chat.ErrInvalid},
		{"another inbox's agent", "cconn", cid, chat.ErrNotFound},
		{"an unknown conversation", "aconn", uuid.NewString(), chat.ErrNotFound},
		{"a malformed id", "aconn", "x", chat.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.svc.View(t.Context(), tt.conn, tt.cid, true); !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if vs := e.store.viewers[cid]; len(vs) != 0 {
				t.Errorf("viewers recorded: %+v", vs)
			}
		})
	}
}
