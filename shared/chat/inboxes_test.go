package chat_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// cat is an agent of another inbox than the one the default channel's
// conversations land in.
var cat = chat.Principal{Role: chat.RoleAgent, ID: "cat", Name: "Cat", Inboxes: []string{"sales"}}

// TestOutsiderIsAnsweredLikeAnUnknownID: an agent outside a conversation's
// inbox gets, for every read, write and socket action, exactly the error
// an unknown id gets; nothing is stored and nobody hears anything.
func TestOutsiderIsAnsweredLikeAnUnknownID(t *testing.T) {
	send := chat.SendInput{ClientID: "7c1f0e52-1d7b-4e0c-9a7f-5b2e8c3d4a10", Body: "psst"}
	mine := ptr("")
	tests := []struct {
		name string
		call func(ctx context.Context, svc *chat.Service, conversationID string) error
	}{
		{"messages", func(ctx context.Context, svc *chat.Service, id string) error {
			_, _, err := svc.Messages(ctx, cat, id, chat.PageQuery{})
			return err
		}},
		{"detail", func(ctx context.Context, svc *chat.Service, id string) error {
			_, _, _, err := svc.ConversationDetail(ctx, cat, id, 0)
			return err
		}},
		{"access check", func(ctx context.Context, svc *chat.Service, id string) error {
			return svc.CheckAccess(ctx, cat, id)
		}},
		{"reply", func(ctx context.Context, svc *chat.Service, id string) error {
			_, _, err := svc.Reply(ctx, cat, id, send)
			return err
		}},
		{"reply by email", func(ctx context.Context, svc *chat.Service, id string) error {
			_, _, err := svc.ReplyVia(ctx, cat, id, chat.ChannelEmail, send, func(context.Context, chat.Conversation, []chat.Message, []chat.Attachment) (string, error) {
				return "", errors.New("must not deliver")
			})
			return err
		}},
		{"assign", func(ctx context.Context, svc *chat.Service, id string) error {
			_, err := svc.Assign(ctx, cat, id, "ann", nil)
			return err
		}},
		{"take over", func(ctx context.Context, svc *chat.Service, id string) error {
			_, err := svc.TakeOver(ctx, cat, id, "")
			return err
		}},
		{"unassign", func(ctx context.Context, svc *chat.Service, id string) error {
			_, err := svc.Unassign(ctx, cat, id, mine)
			return err
		}},
		{"close", func(ctx context.Context, svc *chat.Service, id string) error {
			_, err := svc.Close(ctx, cat, id)
			return err
		}},
		{"reopen", func(ctx context.Context, svc *chat.Service, id string) error {
			_, err := svc.Reopen(ctx, cat, id)
			return err
		}},
		{"read marker", func(ctx context.Context, svc *chat.Service, id string) error {
			_, err := svc.MarkRead(ctx, cat, id, 1, "")
			return err
		}},
		{"socket message", func(ctx context.Context, svc *chat.Service, id string) error {
			in := send
			in.ConversationID = id
			_, err := svc.SendFromConnection(ctx, "cconn", in)
			return err
		}},
		{"socket typing", func(ctx context.Context, svc *chat.Service, id string) error {
			return svc.Typing(ctx, "cconn", id, true, false, 0)
		}},
		{"socket read marker", func(ctx context.Context, svc *chat.Service, id string) error {
			return svc.ReadFromConnection(ctx, "cconn", id, 1)
		}},
		{"socket resume", func(ctx context.Context, svc *chat.Service, id string) error {
			return svc.Resume(ctx, "cconn", id, 0, "")
		}},
		{"socket leave", func(ctx context.Context, svc *chat.Service, id string) error {
			return svc.Leave(ctx, "cconn", id, "0b5e2f4a-3c1d-4e6f-8a7b-9c0d1e2f3a4b")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: "cconn", Principal: cat, Inboxes: cat.Inboxes}); err != nil {
				t.Fatal(err)
			}
			cid := e.start(t).ConversationID
			before := e.store.convs[cid]

			unknown := tt.call(t.Context(), e.svc, uuid.NewString())
			outside := tt.call(t.Context(), e.svc, cid)
			var want, got *chat.Error
			if !errors.As(unknown, &want) || !errors.Is(unknown, chat.ErrNotFound) {
				t.Fatalf("unknown id = %v, want a not-found error", unknown)
			}
			if !errors.As(outside, &got) {
				t.Fatalf("outsider = %v, want %v", outside, unknown)
			}
			// Same kind, same words: the bytes a client gets are the same.
			if *got != *want {
				t.Errorf("outsider = %+v, unknown id = %+v; want them alike", *got, *want)
			}
			if diff := cmp.Diff(before, e.store.convs[cid]); diff != "" {
				t.Errorf("the outsider changed the conversation (-before +after):\n%s", diff)
			}
			if n := len(e.store.msgs[cid]); n != 1 {
				t.Errorf("conversation has %d messages, want the visitor's 1", n)
			}
			if ls := e.store.subs[cid]; len(ls) != 1 {
				t.Errorf("listeners = %+v, want the visitor's tab only", ls)
			}
			if pushed := e.push.take(); len(pushed) != 0 {
				t.Errorf("pushed %v; want nothing", who(pushed))
			}
		})
	}
}

// TestInboxesDecideWhoHears: a new conversation lands in its channel's
// inbox and reaches the sockets of that inbox's agents only; an agent of
// several inboxes reaches it; an agent without a profile is a member of
// the inboxes every agent starts in.
func TestInboxesDecideWhoHears(t *testing.T) {
	e := newEnv(t)
	both := chat.Principal{Role: chat.RoleAgent, ID: "dan", Inboxes: []string{"sales", "main"}}
	for id, p := range map[string]chat.Principal{"cconn": cat, "dconn": both} {
		if err := e.store.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: p, Inboxes: p.Inboxes}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := e.svc.SendFromConnection(t.Context(), "vconn", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.store.convs[m.ConversationID].InboxID; got != "main" {
		t.Errorf("conversation landed in %q, want the channel's inbox main", got)
	}
	if diff := cmp.Diff([]string{"aconn", "bconn", "dconn", "vconn"}, who(e.push.take())); diff != "" {
		t.Errorf("who heard of the new conversation (-want +got):\n%s", diff)
	}
	if err := e.svc.CheckAccess(t.Context(), both, m.ConversationID); err != nil {
		t.Errorf("agent of sales and main: %v", err)
	}
	if err := e.svc.Typing(t.Context(), "dconn", m.ConversationID, true, false, 0); err != nil {
		t.Errorf("typing from the agent of sales and main: %v", err)
	}

	newcomer := e.svc.Member(chat.Principal{Role: chat.RoleAgent, ID: "eve"}, nil)
	if diff := cmp.Diff([]string{"main"}, newcomer.Inboxes); diff != "" {
		t.Errorf("inboxes of an agent without a profile (-want +got):\n%s", diff)
	}
	moved := e.svc.Member(chat.Principal{Role: chat.RoleAgent, ID: "eve"}, &chat.Agent{ID: "eve", Inboxes: []string{"sales"}})
	if err := e.svc.CheckAccess(t.Context(), moved, m.ConversationID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("agent whose profile lists sales only: %v, want not found", err)
	}
}
