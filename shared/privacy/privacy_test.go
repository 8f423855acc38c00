package privacy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/privacy"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fakeStore holds conversations; the listing returns what it was given
// (as the index did when it was read), the reads what the table holds now.
type fakeStore struct {
	privacy.Store
	listed  []chat.Conversation
	current map[string]chat.Conversation
	deleted []string
}

func (f *fakeStore) ClosedBefore(_ context.Context, _, _ string, _ time.Time, from privacy.Cursor, _ int) ([]chat.Conversation, privacy.Cursor, error) {
	return f.listed, from, nil
}

func (f *fakeStore) RetentionCursor(context.Context, string) (privacy.Cursor, error) {
	return privacy.Cursor{}, nil
}

func (f *fakeStore) SaveRetentionCursor(context.Context, string, privacy.Cursor) error { return nil }

func (f *fakeStore) Conversation(_ context.Context, id string) (chat.Conversation, error) {
	c, ok := f.current[id]
	if !ok {
		return chat.Conversation{}, chat.ErrNotFound
	}
	return c, nil
}

func (f *fakeStore) ConversationRecords(_ context.Context, id string) (privacy.Records, error) {
	return privacy.Records{Last: []privacy.Key{{PK: "CONV#" + id, SK: "META"}}}, nil
}

func (f *fakeStore) DeleteRecords(_ context.Context, r privacy.Records) error {
	for _, k := range r.Last {
		f.deleted = append(f.deleted, k.PK)
	}
	return nil
}

type noFiles struct{}

func (noFiles) DeleteConversation(context.Context, string) (int, error) { return 0, nil }
func (noFiles) DeleteInbound(context.Context, []string) (int, error)    { return 0, nil }

// TestRetainDecidesOnFreshState: a conversation listed as closed long
// ago is deleted only if it still is: one reopened or active since the
// listing, or gone already, is left alone.
func TestRetainDecidesOnFreshState(t *testing.T) {
	closedAt := now.Add(-40 * 24 * time.Hour)
	conv := func(id string, st chat.Status, last time.Time) chat.Conversation {
		return chat.Conversation{ID: id, Status: st, LastActivityAt: last}
	}
	f := &fakeStore{
		listed: []chat.Conversation{conv("expired", chat.StatusClosed, closedAt), conv("reopened", chat.StatusClosed, closedAt),
			conv("active", chat.StatusClosed, closedAt), conv("gone", chat.StatusClosed, closedAt)},
		current: map[string]chat.Conversation{
			"expired":  conv("expired", chat.StatusClosed, closedAt),
			"reopened": conv("reopened", chat.StatusOpen, now),
			"active":   conv("active", chat.StatusClosed, now.Add(-time.Hour)),
		},
	}
	s, err := privacy.New(f, noFiles{}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Retain(t.Context(), []privacy.Policy{{ChannelID: "main", InboxID: "main", Days: 30}, {ChannelID: "forever", InboxID: "main"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"CONV#expired"}, f.deleted); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	if res.Deleted != 1 || res.Failed != 0 {
		t.Errorf("result = %+v, want 1 deleted", res)
	}
}

// TestResolveRefusesWhatNamesNoContact: a reference that is neither a
// visitor id nor an address is refused as invalid.
func TestResolveRefusesWhatNamesNoContact(t *testing.T) {
	s, err := privacy.New(&fakeStore{}, noFiles{}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"", "main", "../etc", "VISITOR#x"} {
		_, err := s.Resolve(t.Context(), ref)
		if !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("Resolve(%q) = %v, want invalid", ref, err)
		}
	}
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	tests := []struct {
		name string
		st   privacy.Store
		f    privacy.Files
		now  func() time.Time
	}{
		{"store", nil, noFiles{}, time.Now},
		{"files", &fakeStore{}, nil, time.Now},
		{"clock", &fakeStore{}, noFiles{}, nil},
	}
	for _, tt := range tests {
		if s, err := privacy.New(tt.st, tt.f, tt.now); err == nil || s != nil {
			t.Errorf("New without the %s = %v, %v; want an error", tt.name, s, err)
		}
	}
}
