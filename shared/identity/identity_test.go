package identity_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/identity"
)

var secret = []byte("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab")

// links is an in-memory identity.Store.
type links struct {
	mu       sync.Mutex
	byID     map[string]identity.Link // channel#external -> link
	external map[string]string        // visitor -> external
	writes   int
}

func newLinks() *links {
	return &links{byID: map[string]identity.Link{}, external: map[string]string{}}
}

func (l *links) IdentityLink(_ context.Context, channelID, externalID string) (identity.Link, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.byID[channelID+"#"+externalID]
	if !ok {
		return identity.Link{}, chat.ErrNotFound
	}
	return v, nil
}

func (l *links) LinkVisitor(_ context.Context, channelID, externalID, visitorID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := channelID + "#" + externalID
	if l.byID[k].VisitorID != "" {
		return chat.ErrConflict
	}
	if _, ok := l.external[visitorID]; ok {
		return chat.ErrConflict
	}
	link := l.byID[k]
	link.VisitorID = visitorID
	l.byID[k], l.external[visitorID] = link, externalID
	l.writes++
	return nil
}

func (l *links) RevokeIdentity(_ context.Context, channelID, externalID string, at int64) (identity.Link, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := channelID + "#" + externalID
	link := l.byID[k]
	link.Gen++
	link.RevokedAt = max(link.RevokedAt, at)
	l.byID[k] = link
	l.writes++
	return link, nil
}

// sessions creates visitors with predictable ids and keeps their sockets.
type sessions struct {
	n       int
	sockets map[string][]string // visitor -> connections
	gone    []string
}

func (s *sessions) Session(_ context.Context, channelID, visitorID string) (chat.Visitor, []chat.VisitorConversation, error) {
	if visitorID == "" {
		s.n++
		visitorID = "new-" + string(rune('0'+s.n))
	}
	return chat.Visitor{ID: visitorID, ChannelID: channelID}, nil, nil
}

func (s *sessions) VisitorConnections(_ context.Context, visitorID string) ([]string, error) {
	return s.sockets[visitorID], nil
}

func (s *sessions) Disconnect(_ context.Context, id string) error {
	s.gone = append(s.gone, id)
	return nil
}

// closer records the sockets it closed.
type closer struct{ closed []string }

func (c *closer) DeleteConnection(_ context.Context, in *apigatewaymanagementapi.DeleteConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	c.closed = append(c.closed, *in.ConnectionId)
	return &apigatewaymanagementapi.DeleteConnectionOutput{}, nil
}

var epoch = time.Unix(1_800_000_000, 0)

func newService(t *testing.T, st *links, ss *sessions, now *time.Time) (*identity.Service, *closer) {
	t.Helper()
	c := &closer{}
	svc, err := identity.NewService(secret, st, ss, c, func() time.Time { return *now })
	if err != nil {
		t.Fatal(err)
	}
	return svc, c
}

// signed is a v1 assertion signed now.
func signed(externalID, name, email string, at time.Time) identity.Assertion {
	a := identity.Assertion{ExternalID: externalID, Name: name, Email: email, IssuedAt: at.Unix()}
	a.Signature = identity.SignAssertion(secret, a)
	return a
}

// legacy is an assertion in the original form.
func legacy(externalID string) identity.Assertion {
	return identity.Assertion{ExternalID: externalID, Signature: identity.Sign(secret, externalID)}
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

func TestCanonical(t *testing.T) {
	a := identity.Assertion{ExternalID: "user-42", Name: "Zoë Martin", Email: "zoe@example.com", IssuedAt: 1733500000}
	if got, want := identity.Canonical(a), "v1\nuser-42\nZoë Martin\nzoe@example.com\n1733500000"; got != want {
		t.Errorf("Canonical = %q, want %q", got, want)
	}
	if got, want := identity.Canonical(identity.Assertion{ExternalID: "u", IssuedAt: 7}), "v1\nu\n\n\n7"; got != want {
		t.Errorf("Canonical without name and email = %q, want %q", got, want)
	}
	// The example of docs/identify.md, computed apart from this code with
	// printf 'v1\nuser-42\nZoë Martin\nzoe@example.com\n1733500000' | openssl dgst -sha256 -hmac example-identity-secret
	if got, want := identity.SignAssertion([]byte("example-identity-secret"), a), "c12b283722982c14f3fe268d8c411ef4a9183428c8958b7ef827deea91fe0852"; got != want {
		t.Errorf("SignAssertion of the docs' example = %s, want %s", got, want)
	}
}

// TestIdentifyRefusesBadSignatures: every bad signature over any of the
// asserted fields is refused alike and writes nothing.
func TestIdentifyRefusesBadSignatures(t *testing.T) {
	good := signed("user-1", "Ada", "ada@example.com", epoch)
	tampered := func(f func(*identity.Assertion)) identity.Assertion {
		a := good
		f(&a)
		return a
	}
	tests := []struct {
		name string
		a    identity.Assertion
		want error
	}{
		{"missing signature", tampered(func(a *identity.Assertion) { a.Signature = "" }), chat.ErrUnauthorized},
		{"wrong length", tampered(func(a *identity.Assertion) { a.Signature = a.Signature[:40] }), chat.ErrUnauthorized},
		{"non-hex", tampered(func(a *identity.Assertion) { a.Signature = strings.Repeat("g", 64) }), chat.ErrUnauthorized},
		{"another name", tampered(func(a *identity.Assertion) { a.Name = "Eve" }), chat.ErrUnauthorized},
		{"another email", tampered(func(a *identity.Assertion) { a.Email = "eve@example.com" }), chat.ErrUnauthorized},
		{"name dropped", tampered(func(a *identity.Assertion) { a.Name = "" }), chat.ErrUnauthorized},
		{"another time", tampered(func(a *identity.Assertion) { a.IssuedAt++ }), chat.ErrUnauthorized},
		{"another user", tampered(func(a *identity.Assertion) { a.ExternalID = "user-2" }), chat.ErrUnauthorized},
		{"the id's original signature with a name", identity.Assertion{ExternalID: "user-1", Name: "Ada", Signature: identity.Sign(secret, "user-1")}, chat.ErrUnauthorized},
		{"the original form with a wrong signature", identity.Assertion{ExternalID: "user-1", Signature: identity.Sign(secret, "user-2")}, chat.ErrUnauthorized},
		{"a v1 signature sent without its time", identity.Assertion{ExternalID: "user-1", Signature: signed("user-1", "", "", epoch).Signature}, chat.ErrUnauthorized},
		{"signed too long ago", signed("user-1", "Ada", "", epoch.Add(-identity.SignatureMaxAge-time.Second)), chat.ErrUnauthorized},
		{"signed in the future", signed("user-1", "Ada", "", epoch.Add(identity.ClockSkew+time.Second)), chat.ErrUnauthorized},
		{"a revocation's signature", identity.Assertion{ExternalID: "user-1", IssuedAt: epoch.Unix(), Signature: identity.SignRevoke(secret, "user-1", epoch.Unix())}, chat.ErrUnauthorized},
		{"missing external id", signed("", "", "", epoch), chat.ErrInvalid},
		{"external id too long", signed(strings.Repeat("x", identity.MaxExternalIDBytes+1), "", "", epoch), chat.ErrInvalid},
		{"external id with a newline", signed("a\nb", "", "", epoch), chat.ErrInvalid},
		{"external id not UTF-8", signed("a\xffb", "", "", epoch), chat.ErrInvalid},
		{"name with a newline", signed("user-1", "Ada\nLovelace", "", epoch), chat.ErrInvalid},
		{"name with a line separator", signed("user-1", "Ada\u2028", "", epoch), chat.ErrInvalid},
		{"name too long", signed("user-1", strings.Repeat("n", identity.MaxNameRunes+1), "", epoch), chat.ErrInvalid},
		{"not an email", signed("user-1", "", "ada at example", epoch), chat.ErrInvalid},
		{"negative time", tampered(func(a *identity.Assertion) { a.IssuedAt = -1 }), chat.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newLinks()
			// user-1 is someone's contact already: a refused identify
			// must neither reveal it nor add to it.
			if err := st.LinkVisitor(t.Context(), "main", "user-1", "owner"); err != nil {
				t.Fatal(err)
			}
			now := epoch
			svc, _ := newService(t, st, &sessions{}, &now)
			got, err := svc.Identify(t.Context(), "main", tt.a)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Identify = %+v, %v; want %v", got, err, tt.want)
			}
			if got != (identity.Identified{}) {
				t.Errorf("Identify returned %+v with an error", got)
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
	now := epoch
	svc, _ := newService(t, st, &sessions{}, &now)
	identify := func(a identity.Assertion) string {
		t.Helper()
		v, err := svc.Identify(ctx, "main", a)
		if err != nil {
			t.Fatalf("Identify(%+v): %v", a, err)
		}
		return v.VisitorID
	}
	got := []string{
		identify(legacy("alice")),                                // alice's first identify: a new visitor, her contact
		identify(signed("alice", "Alice", "a@example.com", now)), // any device, the v1 form: the same
		identify(legacy("bob")),                                  // another user: another visitor
		identify(signed("alice", "", "", now.Add(-time.Hour))),   // signed an hour ago
	}
	want := []string{"new-1", "new-1", "new-2", "new-1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("visitors (-want +got):\n%s", diff)
	}
}

// TestRevoke: a signed revocation moves the user's token generation,
// refuses identifies signed before it (and the original form, which names
// no time) and closes the user's sockets; identifies signed after it
// work, with the new generation.
func TestRevoke(t *testing.T) {
	ctx := t.Context()
	st := newLinks()
	ss := &sessions{sockets: map[string][]string{"new-1": {"c1", "c2"}}}
	now := epoch
	svc, closed := newService(t, st, ss, &now)
	before := signed("alice", "Alice", "", now)
	first, err := svc.Identify(ctx, "main", before)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckToken(ctx, "main", "alice", first.VisitorID, first.Gen); err != nil {
		t.Fatalf("a fresh token: %v", err)
	}

	bad := []struct {
		name string
		r    identity.Revocation
		want error
	}{
		{"unsigned", identity.Revocation{ExternalID: "alice", IssuedAt: now.Unix()}, chat.ErrUnauthorized},
		{"another user's", identity.Revocation{ExternalID: "alice", IssuedAt: now.Unix(), Signature: identity.SignRevoke(secret, "bob", now.Unix())}, chat.ErrUnauthorized},
		{"an identify signature", identity.Revocation{ExternalID: "alice", IssuedAt: now.Unix(), Signature: signed("alice", "", "", now).Signature}, chat.ErrUnauthorized},
		{"replayed later", identity.Revocation{ExternalID: "alice", IssuedAt: now.Add(-identity.ClockSkew - time.Second).Unix(), Signature: identity.SignRevoke(secret, "alice", now.Add(-identity.ClockSkew-time.Second).Unix())}, chat.ErrUnauthorized},
		{"no external id", identity.Revocation{IssuedAt: now.Unix(), Signature: identity.SignRevoke(secret, "", now.Unix())}, chat.ErrInvalid},
	}
	for _, b := range bad {
		if _, err := svc.Revoke(ctx, "main", b.r); !errors.Is(err, b.want) {
			t.Errorf("%s revocation: %v, want %v", b.name, err, b.want)
		}
	}
	if len(closed.closed) > 0 || st.byID["main#alice"].Gen != 0 {
		t.Fatalf("refused revocations changed something: closed %v, link %+v", closed.closed, st.byID["main#alice"])
	}

	now = now.Add(time.Minute)
	n, err := svc.Revoke(ctx, "main", identity.Revocation{ExternalID: "alice", IssuedAt: now.Unix(), Signature: identity.SignRevoke(secret, "alice", now.Unix())})
	if err != nil || n != 2 {
		t.Fatalf("Revoke = %d, %v; want 2 sockets closed", n, err)
	}
	if diff := cmp.Diff([]string{"c1", "c2"}, closed.closed); diff != "" {
		t.Errorf("sockets closed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c1", "c2"}, ss.gone); diff != "" {
		t.Errorf("sockets forgotten (-want +got):\n%s", diff)
	}
	if err := svc.CheckToken(ctx, "main", "alice", first.VisitorID, first.Gen); !errors.Is(err, chat.ErrUnauthorized) {
		t.Errorf("a token issued before the revocation: %v, want ErrUnauthorized", err)
	}
	for name, a := range map[string]identity.Assertion{"signed before": before, "the original form": legacy("alice")} {
		if _, err := svc.Identify(ctx, "main", a); !errors.Is(err, chat.ErrUnauthorized) {
			t.Errorf("identify %s the revocation: %v, want ErrUnauthorized", name, err)
		}
	}
	again, err := svc.Identify(ctx, "main", signed("alice", "Alice", "", now))
	if err != nil {
		t.Fatalf("identify signed at the revocation: %v", err)
	}
	if again.VisitorID != first.VisitorID || again.Gen != first.Gen+1 {
		t.Errorf("identify after the revocation = %+v, want the same visitor at the next generation", again)
	}
	if err := svc.CheckToken(ctx, "main", "alice", again.VisitorID, again.Gen); err != nil {
		t.Errorf("a token issued after the revocation: %v", err)
	}
	// The check without the secret (identity.Tokens, the widget's file
	// routes') answers the same.
	tokens, err := identity.NewTokens(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := tokens.CheckToken(ctx, "main", "alice", first.VisitorID, first.Gen); !errors.Is(err, chat.ErrUnauthorized) {
		t.Errorf("Tokens: a token issued before the revocation: %v, want ErrUnauthorized", err)
	}
	if err := tokens.CheckToken(ctx, "main", "alice", again.VisitorID, again.Gen); err != nil {
		t.Errorf("Tokens: a token issued after the revocation: %v", err)
	}
	if err := svc.CheckToken(ctx, "main", "nobody", "v", 0); !errors.Is(err, chat.ErrUnauthorized) {
		t.Errorf("a token of a user never identified: %v, want ErrUnauthorized", err)
	}

	// A user revoked before ever identifying: pre-revocation signatures
	// never link.
	n, err = svc.Revoke(ctx, "main", identity.Revocation{ExternalID: "carol", IssuedAt: now.Unix(), Signature: identity.SignRevoke(secret, "carol", now.Unix())})
	if err != nil || n != 0 {
		t.Fatalf("revoke a user never identified = %d, %v", n, err)
	}
	if _, err := svc.Identify(ctx, "main", signed("carol", "", "", now.Add(-time.Second))); !errors.Is(err, chat.ErrUnauthorized) {
		t.Errorf("identify signed before carol's revocation: %v, want ErrUnauthorized", err)
	}
	if c, err := svc.Identify(ctx, "main", signed("carol", "", "", now)); err != nil || c.Gen != 1 {
		t.Errorf("identify signed at carol's revocation = %+v, %v; want generation 1", c, err)
	}
}
