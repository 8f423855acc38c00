package e2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/identity"
)

// identitySecret reads the identity secret as a host site's backend does:
// from Secrets Manager, by the ARN the stack gives.
func identitySecret(t *testing.T) []byte {
	t.Helper()
	for _, s := range cloud.Model().Secrets {
		if s.LogicalID == "IdentitySecret" {
			secret, err := chatclient.IdentitySecret(t.Context(), cloud.URL(), s.ARN)
			if err != nil {
				t.Fatal(err)
			}
			return secret
		}
	}
	t.Fatal("the template has no IdentitySecret")
	return nil
}

// TestIdentify: a user of the host site chats on one device, identified by
// the site's signature; on a second device the same signed identify shows
// that history; an identify with a missing, empty, short, long, non-hex or
// wrong signature is refused alike and sees nothing.
func TestIdentify(t *testing.T) {
	secret := identitySecret(t)
	user := "user-" + uuid.NewString()

	// Device 1: anonymous at first, then identified; it writes.
	device1 := newVisitor(t)
	anonymousID, anonymousToken := device1.ID, device1.Token
	s1, err := device1.Identify(wait(t), user, identity.Sign(secret, user))
	if err != nil {
		t.Fatal(err)
	}
	// The user gets a visitor of their own: the anonymous one, whose token
	// stays in this browser, is never promoted to the user.
	userID := s1.VisitorID
	if userID == anonymousID {
		t.Errorf("first identify continued as the device's anonymous visitor %s", anonymousID)
	}
	tab, convID, _ := startConversation(t, device1, "My order has not arrived")

	// A stranger's device tries every bad signature: refused alike, and
	// neither the history nor the conversation is reachable afterwards.
	stranger := newVisitor(t)
	good := identity.Sign(secret, user)
	bad := []struct{ name, signature string }{
		{"missing", ""},
		{"blank", "  "},
		{"short", good[:62]},
		{"long", good + "00"},
		{"not hex", strings.Repeat("x", 64)},
		{"wrong", identity.Sign(secret, user+"x")},
		{"other secret", identity.Sign([]byte("guess"), user)},
	}
	var first string
	for _, b := range bad {
		s, err := stranger.Identify(wait(t), user, b.signature)
		var apiErr *chatclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
			t.Fatalf("%s signature: identify = %+v, %v; want 401", b.name, s, err)
		}
		if first == "" {
			first = apiErr.Body
		} else if apiErr.Body != first {
			t.Errorf("%s signature answered %s, the first bad one %s: every refusal must read alike", b.name, apiErr.Body, first)
		}
	}
	if stranger.ID == userID {
		t.Fatal("the stranger continued as the user's visitor")
	}
	_, err = stranger.Messages(wait(t), convID)
	var apiErr *chatclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("stranger reading the user's conversation = %v, want 404", err)
	}
	resumed, _, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", stranger.Token)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.ID != stranger.ID {
		t.Errorf("after refused identifies the stranger's token resumes %s, want its own %s", resumed.ID, stranger.ID)
	}

	// Device 2, identified with the right signature, sees the history.
	device2 := newVisitor(t)
	s2, err := device2.Identify(wait(t), user, good)
	if err != nil {
		t.Fatal(err)
	}
	if s2.VisitorID != userID || len(s2.Conversations) != 1 || s2.Conversations[0].ID != convID {
		t.Fatalf("device 2 identified as %s with %+v, want visitor %s with conversation %s", s2.VisitorID, s2.Conversations, userID, convID)
	}

	// Someone else on device 1 after the user signed out of the site: the
	// page calls no identify, the widget starts from the anonymous token
	// the browser kept, and sees nothing of the user's.
	after, convs, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", anonymousToken)
	if err != nil {
		t.Fatal(err)
	}
	if after.ID == userID || len(convs.Conversations) != 0 {
		t.Errorf("the anonymous token resumed visitor %s with %d conversations, want the anonymous visitor with none", after.ID, len(convs.Conversations))
	}
	if _, err := after.Messages(wait(t), convID); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("the anonymous visitor reading the user's conversation = %v, want 404", err)
	}
	msgs, err := device2.Messages(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Body != "My order has not arrived" {
		t.Errorf("device 2 read %+v, want the message written on device 1", msgs)
	}
	// And writes into the same conversation, live.
	tab2 := connect(t, device2)
	if _, err := chatclient.SendMessage(wait(t), tab2, convID, "Sent from my phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Next(wait(t), func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return f.Type == "message" && err == nil && m.Body == "Sent from my phone"
	}); err != nil {
		t.Errorf("device 1 did not see device 2's message: %v", err)
	}

	// An identify with no body is bad input, not an anonymous success.
	err = device2.Call(wait(t), http.MethodPost, "/widget/identify", nil, nil)
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		t.Errorf("identify with no body = %v, want 400", err)
	}
}
