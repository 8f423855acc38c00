package chat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// TestGoneConnectionsAreForgotten: a push that finds a socket closed makes
// the domain do what a lost $disconnect would have done: that connection
// (never the sender's) goes, with the listener item it was found through;
// a visitor whose last tab it was goes offline and the inbox hears it.
func TestGoneConnectionsAreForgotten(t *testing.T) {
	tests := []struct {
		name string
		gone string
		// tab2 opens a second tab of the visitor first.
		tab2        bool
		act         func(t *testing.T, e *env, cid string)
		wantDeleted []string
		wantOffline bool
	}{
		{
			name: "visitor's last tab, found by a reply", gone: "vconn",
			act: func(t *testing.T, e *env, cid string) {
				if _, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "hi"}); err != nil {
					t.Fatal(err)
				}
			},
			wantDeleted: []string{"vconn via conversation CID"},
			wantOffline: true,
		},
		{
			name: "one of two tabs", gone: "vconn", tab2: true,
			act: func(t *testing.T, e *env, cid string) {
				if _, _, err := e.svc.Reply(t.Context(), ann, cid, chat.SendInput{ClientID: uuid.NewString(), Body: "hi"}); err != nil {
					t.Fatal(err)
				}
			},
			wantDeleted: []string{"vconn via conversation CID"},
		},
		{
			name: "an agent's socket, found by a visitor message", gone: "bconn",
			act: func(t *testing.T, e *env, cid string) {
				if _, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), ConversationID: cid, Body: "more"}); err != nil {
					t.Fatal(err)
				}
			},
			wantDeleted: []string{"bconn via inbox main"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			cid := e.start(t).ConversationID
			if tt.tab2 {
				if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "vtab2", Principal: vis}); err != nil {
					t.Fatal(err)
				}
			}
			e.push.gone = map[string]bool{tt.gone: true}
			tt.act(t, e, cid)

			want := []string{}
			for _, d := range tt.wantDeleted {
				want = append(want, strings.ReplaceAll(d, "CID", cid))
			}
			if diff := cmp.Diff(want, e.store.deletedVia); diff != "" {
				t.Errorf("connections deleted (-want +got):\n%s", diff)
			}
			if _, err := e.store.Connection(t.Context(), tt.gone); !errors.Is(err, chat.ErrNotFound) {
				t.Errorf("gone connection kept: %v", err)
			}
			for _, live := range []string{"aconn", "vconn", "bconn"} {
				if _, err := e.store.Connection(t.Context(), live); live != tt.gone && err != nil {
					t.Errorf("live connection %s: %v", live, err)
				}
			}
			if online := e.store.convs[cid].VisitorOnline; online == tt.wantOffline {
				t.Errorf("visitorOnline = %v, want %v", online, !tt.wantOffline)
			}
			told := false
			for _, s := range summaries(e.push.take()["aconn"]) {
				told = told || !s.(chat.Summary).VisitorOnline
			}
			if told != tt.wantOffline {
				t.Errorf("inbox told the visitor went offline: %v, want %v", told, tt.wantOffline)
			}
		})
	}
}

// TestGoneSenderIsForgotten: the answer to a frame that finds its sender
// gone forgets the sender's connection.
func TestGoneSenderIsForgotten(t *testing.T) {
	e := newEnv(t)
	cid := e.start(t).ConversationID
	exp := time.Now().Add(time.Minute)
	if err := e.svc.Connect(t.Context(), "vtab2", chat.Ticket{ID: "t2", Principal: vis, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	e.push.gone = map[string]bool{"vtab2": true}
	if err := e.svc.Resume(t.Context(), "vtab2", cid, 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Connection(t.Context(), "vtab2"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("gone sender kept: %v", err)
	}
	if len(e.store.deletedVia) != 0 {
		t.Errorf("deleted through listener sets %v; the sender was found by its own id", e.store.deletedVia)
	}
	if !e.store.convs[cid].VisitorOnline {
		t.Error("visitor marked offline while its first tab is open")
	}
}
