package store_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/parleychat/parley/shared/chat"
)

// TestLinkVisitor: an external id is linked once, a visitor once, and of
// racing links exactly one wins, over the wire.
func TestLinkVisitor(t *testing.T) {
	ctx := t.Context()
	st, _ := newStore(t)
	if _, err := st.IdentifiedVisitor(ctx, "main", "user-1"); !errors.Is(err, chat.ErrNotFound) {
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
	if v, err := st.IdentifiedVisitor(ctx, "main", "user-1"); err != nil || v != "v1" {
		t.Errorf("user-1 is linked to %q, %v; want v1", v, err)
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
