package store_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/identity"
)

// TestLinkVisitor: an external id is linked once, a visitor once, and of
// racing links exactly one wins, over the wire.
func TestLinkVisitor(t *testing.T) {
	ctx := t.Context()
	st, _ := newStore(t)
	if _, err := st.IdentityLink(ctx, "main", "user-1"); !errors.Is(err, chat.ErrNotFound) {
		t.Fatalf("unlinked id: %v, want ErrNotFound", err)
	}
	if err := st.LinkVisitor(ctx, "main", "user-1", "v1"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                         string
		channel, externalID, visitor string
		want                         error
	}{
		{"the same link again", "main", "user-1", "v1", chat.ErrConflict},
		{"the id to another visitor", "main", "user-1", "v2", chat.ErrConflict},
		{"the visitor to another id", "main", "user-2", "v1", chat.ErrConflict},
		{"a new id to a new visitor", "main", "user-2", "v2", nil},
		{"the same id on another channel", "other", "user-1", "v3", nil},
	}
	for _, tt := range tests {
		err := st.LinkVisitor(ctx, tt.channel, tt.externalID, tt.visitor)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if l, err := st.IdentityLink(ctx, "main", "user-1"); err != nil || l.VisitorID != "v1" {
		t.Errorf("user-1 is linked to %+v, %v; want v1", l, err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Go(func() {
			err := st.LinkVisitor(ctx, "main", "racer", "r"+string(rune('0'+i)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, chat.ErrConflict):
				t.Errorf("racing link: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d racing links won, want exactly 1", won)
	}
}

// TestRevokeIdentity: each revocation raises the generation, the latest
// time stays, and a user revoked before the first identify can still be
// linked once.
func TestRevokeIdentity(t *testing.T) {
	ctx := t.Context()
	st, _ := newStore(t)
	steps := []struct {
		name string
		do   func() (identity.Link, error)
		want identity.Link
	}{
		{"revoked before any identify", func() (identity.Link, error) { return st.RevokeIdentity(ctx, "main", "u", 100) }, identity.Link{Gen: 1, RevokedAt: 100}},
		{"then linked", func() (identity.Link, error) {
			if err := st.LinkVisitor(ctx, "main", "u", "v1"); err != nil {
				return identity.Link{}, err
			}
			return st.IdentityLink(ctx, "main", "u")
		}, identity.Link{VisitorID: "v1", Gen: 1, RevokedAt: 100}},
		{"revoked later", func() (identity.Link, error) { return st.RevokeIdentity(ctx, "main", "u", 200) }, identity.Link{VisitorID: "v1", Gen: 2, RevokedAt: 200}},
		{"an older revocation arriving late", func() (identity.Link, error) { return st.RevokeIdentity(ctx, "main", "u", 150) }, identity.Link{VisitorID: "v1", Gen: 3, RevokedAt: 200}},
		{"read back", func() (identity.Link, error) { return st.IdentityLink(ctx, "main", "u") }, identity.Link{VisitorID: "v1", Gen: 3, RevokedAt: 200}},
	}
	for _, s := range steps {
		got, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
	}
	if err := st.LinkVisitor(ctx, "main", "u", "v2"); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("linking a revoked, linked user again: %v, want ErrConflict", err)
	}
}
