package contact_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
)

func TestMerge(t *testing.T) {
	many := contact.Attributes{}
	for i := range contact.MaxAttributes {
		many["k"+string(rune('a'+i))] = true
	}
	tests := []struct {
		name    string
		cur, in contact.Attributes
		want    contact.Attributes
		wantErr bool
	}{
		{"set", nil, contact.Attributes{"plan": "pro", "seats": 3.0, "trial": true}, contact.Attributes{"plan": "pro", "seats": 3.0, "trial": true}, false},
		{"merge and remove", contact.Attributes{"plan": "pro", "old": "x"}, contact.Attributes{"plan": "team", "old": nil}, contact.Attributes{"plan": "team"}, false},
		{"markup is just text", nil, contact.Attributes{"<b>": `<img src=x onerror="alert(1)">`}, contact.Attributes{"<b>": `<img src=x onerror="alert(1)">`}, false},
		{"twenty", nil, many, many, false},
		{"twenty-one", many, contact.Attributes{"more": 1.0}, nil, true},
		{"twenty-one, one removed", many, contact.Attributes{"more": 1.0, "ka": nil}, nil, false},
		{"key of 40", nil, contact.Attributes{strings.Repeat("k", 40): 1.0}, contact.Attributes{strings.Repeat("k", 40): 1.0}, false},
		{"key of 41", nil, contact.Attributes{strings.Repeat("k", 41): 1.0}, nil, true},
		{"blank key", nil, contact.Attributes{" ": 1.0}, nil, true},
		{"key with a newline", nil, contact.Attributes{"a\nb": 1.0}, nil, true},
		{"string of 200", nil, contact.Attributes{"s": strings.Repeat("é", 200)}, contact.Attributes{"s": strings.Repeat("é", 200)}, false},
		{"string of 201", nil, contact.Attributes{"s": strings.Repeat("é", 201)}, nil, true},
		{"string with a control character", nil, contact.Attributes{"s": "a\x00b"}, nil, true},
		{"object", nil, contact.Attributes{"o": map[string]any{"a": 1.0}}, nil, true},
		{"array", nil, contact.Attributes{"a": []any{1.0}}, nil, true},
		{"infinity", nil, contact.Attributes{"n": math.Inf(1)}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := contact.Merge(tt.cur, tt.in)
			if tt.wantErr != (err != nil) || (err != nil && !errors.Is(err, chat.ErrInvalid)) {
				t.Fatalf("Merge = %v, %v; want error %v (ErrInvalid)", got, err, tt.wantErr)
			}
			if tt.name == "twenty-one, one removed" {
				if len(got) != contact.MaxAttributes || got["ka"] != nil {
					t.Errorf("Merge = %v", got)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("Merge (-want +got):\n%s", diff)
			}
		})
	}
	for _, raw := range []string{`[]`, `"x"`, `null`, `{`} {
		if _, err := contact.Decode(json.RawMessage(raw)); !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("Decode(%s) = %v, want ErrInvalid", raw, err)
		}
	}
}

// attrStore is an in-memory contact.Store whose first writes can be made
// to lose a race.
type attrStore struct {
	mu    sync.Mutex
	attrs contact.Attributes
	rev   int64
	// races: this many writes find another writer got there first.
	races int
}

func (s *attrStore) Profile(context.Context, string) (contact.Profile, error) {
	return contact.Profile{Attributes: s.attrs}, nil
}

func (s *attrStore) Attributes(context.Context, string) (contact.Attributes, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attrs, s.rev, nil
}

func (s *attrStore) PutAttributes(_ context.Context, _ string, a contact.Attributes, rev int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.races > 0 {
		s.races--
		s.attrs = contact.Attributes{"raced": true}
		s.rev++
	}
	if rev != s.rev {
		return chat.ErrConflict
	}
	s.attrs, s.rev = a, s.rev+1
	return nil
}

func TestSetAttributes(t *testing.T) {
	st := &attrStore{}
	svc, err := contact.New(st, noChat{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := svc.SetAttributes(ctx, "v", contact.Attributes{"plan": "pro"}); err != nil {
		t.Fatal(err)
	}
	// A write that loses a race merges into what won it.
	st.races = 1
	got, err := svc.SetAttributes(ctx, "v", contact.Attributes{"seats": 2.0})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(contact.Attributes{"raced": true, "seats": 2.0}, got); diff != "" {
		t.Errorf("after a race (-want +got):\n%s", diff)
	}
	before := st.rev
	if _, err := svc.SetAttributes(ctx, "v", contact.Attributes{"ok": 1.0, "bad": []any{}}); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("a refused value: %v, want ErrInvalid", err)
	}
	if st.rev != before {
		t.Errorf("a refused set wrote")
	}
	st.races = 5
	if _, err := svc.SetAttributes(ctx, "v", contact.Attributes{"x": 1.0}); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("losing every race: %v, want ErrConflict", err)
	}
}

type noChat struct{}

func (noChat) VisitorHistory(context.Context, chat.Principal, string) (chat.Conversation, *chat.Visit, []chat.PastConversation, error) {
	return chat.Conversation{}, nil, nil, chat.ErrNotFound
}
