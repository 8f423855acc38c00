package savedreplies_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/savedreplies"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
)

var ddb *storetest.Server

func TestMain(m *testing.M) {
	ddb = storetest.Start()
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newService(t *testing.T) *savedreplies.Service {
	t.Helper()
	return savedreplies.New(store.New(ddb.Client(), ddb.NewTable(t), nil), func() time.Time { return t0 })
}

func agent(id string) chat.Principal {
	return chat.Principal{Role: chat.RoleAgent, ID: id, Inboxes: []string{"main"}}
}

func titles(rs []savedreplies.Reply) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Scope)+" "+r.Category+"/"+r.Title)
	}
	return out
}

func TestSharedAndPersonal(t *testing.T) {
	s := newService(t)
	ctx := t.Context()
	alice, ben := agent("alice"), agent("ben")
	mustCreate := func(a chat.Principal, scope savedreplies.Scope, in savedreplies.Input) savedreplies.Reply {
		t.Helper()
		r, err := s.Create(ctx, a, scope, in)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	greet := mustCreate(alice, savedreplies.Shared, savedreplies.Input{Title: "Greeting", Body: "Hi {{visitor.name|there}}!", Category: "Basics"})
	mustCreate(alice, savedreplies.Shared, savedreplies.Input{Title: "Refunds", Body: "Refunds take 5 days.", Category: "billing"})
	mine := mustCreate(ben, savedreplies.Personal, savedreplies.Input{Title: "  My meeting link ", Body: "Book me: {{ agent.meetingsUrl }}"})
	mustCreate(alice, savedreplies.Personal, savedreplies.Input{Title: "Alice's own", Body: "Only Alice sees this."})

	got, err := s.List(ctx, ben)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"personal /My meeting link", "shared Basics/Greeting", "shared billing/Refunds"}, titles(got)); diff != "" {
		t.Errorf("ben's list (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(savedreplies.Reply{ID: greet.ID, Scope: savedreplies.Shared, Title: "Greeting", Body: "Hi {{visitor.name|there}}!", Category: "Basics", UpdatedAt: t0}, got[1]); diff != "" {
		t.Errorf("stored reply (-want +got):\n%s", diff)
	}

	// Ben's reply is Ben's: Alice reaches it by no id.
	if _, err := s.Update(ctx, alice, savedreplies.Personal, mine.ID, savedreplies.Input{Title: "x", Body: "y"}); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("alice updating ben's reply: %v, want not found", err)
	}
	if err := s.Delete(ctx, alice, savedreplies.Personal, mine.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("alice deleting ben's reply: %v, want not found", err)
	}
	// A personal id is not a shared one either.
	if _, err := s.Update(ctx, alice, savedreplies.Shared, mine.ID, savedreplies.Input{Title: "x", Body: "y"}); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("updating a personal reply as shared: %v, want not found", err)
	}

	updated, err := s.Update(ctx, ben, savedreplies.Personal, mine.ID, savedreplies.Input{Title: "Meeting", Body: "Pick a time: {{agent.meetingsUrl|ask me}}", Category: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Title != "Meeting" || updated.Category != "Sales" {
		t.Errorf("updated = %+v", updated)
	}
	if err := s.Delete(ctx, ben, savedreplies.Personal, mine.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, ben, savedreplies.Personal, mine.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("deleting twice: %v, want not found", err)
	}
	got, err = s.List(ctx, ben)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"shared Basics/Greeting", "shared billing/Refunds"}, titles(got)); diff != "" {
		t.Errorf("ben's list after deleting (-want +got):\n%s", diff)
	}
}

func TestRefusals(t *testing.T) {
	s := newService(t)
	a := agent("alice")
	tests := []struct {
		name string
		in   savedreplies.Input
		want string
	}{
		{"no title", savedreplies.Input{Title: "  ", Body: "x"}, "title must have 1 to 80 characters"},
		{"title too long", savedreplies.Input{Title: strings.Repeat("t", 81), Body: "x"}, "title must have 1 to 80 characters"},
		{"title on two lines", savedreplies.Input{Title: "a\nb", Body: "x"}, "on one line"},
		{"empty body", savedreplies.Input{Title: "t", Body: " \n "}, "body must not be empty"},
		{"body too long", savedreplies.Input{Title: "t", Body: strings.Repeat("b", 5001)}, "longer than 5000"},
		{"category too long", savedreplies.Input{Title: "t", Body: "b", Category: strings.Repeat("c", 41)}, "category must have at most 40"},
		{"not UTF-8", savedreplies.Input{Title: "t\xff", Body: "b"}, "UTF-8"},
		{"unknown placeholder", savedreplies.Input{Title: "t", Body: "Hi {{visitor.nme}}"}, "unknown placeholder {{visitor.nme}}"},
		{"unclosed placeholder", savedreplies.Input{Title: "t", Body: "Hi {{visitor.name"}, "not closed"},
		{"fallback too long", savedreplies.Input{Title: "t", Body: "Hi {{visitor.name|" + strings.Repeat("f", 81) + "}}"}, "fallback of {{visitor.name}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Create(t.Context(), a, savedreplies.Personal, tt.in)
			var e *chat.Error
			if !errors.As(err, &e) || !errors.Is(err, chat.ErrInvalid) || !strings.Contains(e.Message, tt.want) {
				t.Errorf("Create = %v, want invalid saying %q", err, tt.want)
			}
		})
	}
	got, err := s.List(t.Context(), a)
	if err != nil || len(got) != 0 {
		t.Errorf("after refusals the list is %v, %v; want empty", got, err)
	}
	// Ids that cannot exist answer as unknown ones.
	if _, err := s.Update(t.Context(), a, savedreplies.Personal, "not-an-id", savedreplies.Input{Title: "t", Body: "b"}); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("update of a malformed id: %v, want not found", err)
	}
	if err := s.Delete(t.Context(), a, savedreplies.Personal, uuid.NewString()); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("delete of an unknown id: %v, want not found", err)
	}
}

func TestAtMostMaxPerOwner(t *testing.T) {
	s := newService(t)
	a := agent("alice")
	for i := range savedreplies.MaxPerOwner {
		if _, err := s.Create(t.Context(), a, savedreplies.Personal, savedreplies.Input{Title: "r", Body: strings.Repeat("b", i+1)}); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	_, err := s.Create(t.Context(), a, savedreplies.Personal, savedreplies.Input{Title: "one more", Body: "b"})
	if !errors.Is(err, chat.ErrInvalid) || !strings.Contains(err.Error(), "delete one first") {
		t.Fatalf("reply %d: %v, want a refusal", savedreplies.MaxPerOwner+1, err)
	}
	// Another agent and the shared replies have their own room.
	if _, err := s.Create(t.Context(), agent("ben"), savedreplies.Personal, savedreplies.Input{Title: "ben", Body: "b"}); err != nil {
		t.Errorf("ben's first reply: %v", err)
	}
	list, err := s.List(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), a, savedreplies.Personal, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), a, savedreplies.Personal, savedreplies.Input{Title: "after a delete", Body: "b"}); err != nil {
		t.Errorf("after deleting one: %v", err)
	}
}
