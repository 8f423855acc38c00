package identity_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/identity"
)

var secret = []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab")

// links is an in-memory identity.Store.
type links struct {
	mu       sync.Mutex
	byID     map[string]string // channel#external -> visitor
	external map[string]string // visitor -> external
	writes   int
}

func newLinks() *links { return &links{byID: map[string]string{}, external: map[string]string{}} }

func (l *links) IdentifiedVisitor(_ context.Context, channelID, externalID string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.byID[channelID+"#"+externalID]
	if !ok {
		return "", chat.ErrNotFound
	}
	return v, nil
}

func (l *links) LinkVisitor(_ context.Context, channelID, externalID, visitorID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := channelID + "#" + externalID
	if _, ok := l.byID[k]; ok {
		return chat.ErrConflict
	}
	if _, ok := l.external[visitorID]; ok {
		return chat.ErrConflict
	}
	l.byID[k], l.external[visitorID] = visitorID, externalID
	l.writes++
	return nil
}

// sessions creates visitors with predictable ids.
type sessions struct{ n int }

func (s *sessions) Session(_ context.Context, channelID, visitorID string) (chat.Visitor, []chat.VisitorConversation, error) {
	if visitorID == "" {
		s.n++
		visitorID = "new-" + string(rune('0'+s.n))
	}
	return chat.Visitor{ID: visitorID, ChannelID: channelID}, nil, nil
}

func TestVerify(t *testing.T) {
	good := identity.Sign(secret, "user-42")
	flip := []byte(good)
	flip[10] ^= 1
	tests := []struct {
		name, externalID, signature string
		wantErr                     bool
	}{
		{"valid", "user-42", good, false},
		{"valid, upper-case hex", "user-42", strings.ToUpper(good), false},
		{"missing", "user-42", "", true},
		{"blank", "user-42", "   ", true},
		{"one character short", "user-42", good[:len(good)-1], true},
		{"one byte short", "user-42", good[:len(good)-2], true},
		{"one byte long", "user-42", good + "00", true},
		{"not hex", "user-42", strings.Repeat("zz", 32), true},
		{"hex with a sign", "user-42", "+" + good[1:], true},
		{"base64 of the right bytes", "user-42", "u" + good[:43], true},
		{"one bit flipped", "user-42", string(flip), true},
		{"another user's signature", "user-43", good, true},
		{"signed with another secret", "user-42", identity.Sign([]byte("another secret"), "user-42"), true},
		{"signed with an empty secret", "user-42", identity.Sign(nil, "user-42"), true},
		{"all zeros", "user-42", strings.Repeat("0", 64), true},
		{"the external id itself", "user-42", "user-42", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := identity.Verify(secret, tt.externalID, tt.signature)
			if tt.wantErr != (err != nil) {
				t.Fatalf("Verify = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, identity.ErrSignature) {
				t.Errorf("Verify = %v, want ErrSignature", err)
			}
		})
	}
	if err := identity.Verify(nil, "user-42", identity.Sign(nil, "user-42")); !errors.Is(err, identity.ErrSignature) {
		t.Errorf("Verify with no secret = %v, want ErrSignature", err)
	}
}

func TestIdentifyRefusesBadSignatures(t *testing.T) {
	tests := []struct {
		name, externalID, signature string
		want                        error
	}{
		{"missing signature", "user-1", "", chat.ErrUnauthorized},
		{"wrong length", "user-1", identity.Sign(secret, "user-1")[:40], chat.ErrUnauthorized},
		{"non-hex", "user-1", strings.Repeat("g", 64), chat.ErrUnauthorized},
		{"wrong signature", "user-1", identity.Sign(secret, "user-2"), chat.ErrUnauthorized},
		{"missing external id", "", identity.Sign(secret, ""), chat.ErrInvalid},
		{"external id too long", strings.Repeat("x", identity.MaxExternalIDBytes+1), "", chat.ErrInvalid},
		{"external id with a newline", "a\nb", identity.Sign(secret, "a\nb"), chat.ErrInvalid},
		{"external id not UTF-8", "a\xffb", identity.Sign(secret, "a\xffb"), chat.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newLinks()
			// user-1 is someone's contact already: a refused identify
			// must neither reveal it nor add to it.
			if err := st.LinkVisitor(t.Context(), "main", "user-1", "owner"); err != nil {
				t.Fatal(err)
			}
			svc := identity.NewService(secret, st, &sessions{})
			got, err := svc.Identify(t.Context(), "main", tt.externalID, tt.signature)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Identify = %q, %v; want %v", got, err, tt.want)
			}
			if got != "" {
				t.Errorf("Identify returned visitor %q with an error", got)
			}
			if st.writes != 1 {
				t.Errorf("%d link writes, want only the setup's", st.writes)
			}
			var ce *chat.Error
			if errors.Is(tt.want, chat.ErrUnauthorized) && (!errors.As(err, &ce) || ce.Message != identity.ErrSignature.Error()) {
				t.Errorf("Identify = %v, want the one message for every bad signature", err)
			}
		})
	}
}

func TestIdentifyLinks(t *testing.T) {
	ctx := t.Context()
	st := newLinks()
	svc := identity.NewService(secret, st, &sessions{})
	identify := func(externalID string) string {
		t.Helper()
		v, err := svc.Identify(ctx, "main", externalID, identity.Sign(secret, externalID))
		if err != nil {
			t.Fatalf("Identify(%q): %v", externalID, err)
		}
		return v
	}
	got := []string{
		identify("alice"), // alice's first identify: a new visitor, her contact
		identify("alice"), // any device, again: the same
		identify("bob"),   // another user: another visitor
		identify("alice"),
	}
	want := []string{"new-1", "new-1", "new-2", "new-1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("visitors (-want +got):\n%s", diff)
	}
}
