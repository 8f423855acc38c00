package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func clockAt(t *time.Time) func() time.Time { return func() time.Time { return *t } }

func TestVisitorToken(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, err := auth.NewSigner(secret, clockAt(&now))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := auth.NewSigner([]byte("another-secret-of-32-bytes-long!"), clockAt(&now))
	tok := s.VisitorToken("v-1", "main")
	ticket, _ := s.Ticket(chat.Principal{Role: chat.RoleVisitor, ID: "v-1"})

	tests := []struct {
		name    string
		token   string
		advance time.Duration
		wantErr error
	}{
		{name: "valid", token: tok},
		{name: "valid just before a year", token: tok, advance: auth.VisitorTokenTTL - time.Second},
		{name: "expired", token: tok, advance: auth.VisitorTokenTTL, wantErr: auth.ErrExpired},
		{name: "missing", token: "", wantErr: auth.ErrMissing},
		{name: "garbage", token: "hello", wantErr: auth.ErrForged},
		{name: "other version", token: "v2" + strings.TrimPrefix(tok, "v1"), wantErr: auth.ErrForged},
		{name: "tampered payload", token: tamper(tok), wantErr: auth.ErrForged},
		{name: "other secret", token: other.VisitorToken("v-1", "main"), wantErr: auth.ErrForged},
		{name: "a ticket is not a visitor token", token: ticket, wantErr: auth.ErrForged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := now
			now = now.Add(tt.advance)
			defer func() { now = saved }()
			got, err := s.VerifyVisitorToken(tt.token)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, chat.ErrUnauthorized) {
					t.Errorf("err = %v, not ErrUnauthorized", err)
				}
				return
			}
			if got.VisitorID != "v-1" || got.ChannelID != "main" {
				t.Errorf("claims = %+v", got)
			}
		})
	}
}

// TestIdentifiedToken: an identified visitor's token names the site's user
// and the generation of the user's tokens, and lives 30 days, not a year.
func TestIdentifiedToken(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, err := auth.NewSigner(secret, clockAt(&now))
	if err != nil {
		t.Fatal(err)
	}
	tok := s.IdentifiedToken("v-1", "main", "user-42", 3)
	got, err := s.VerifyVisitorToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.VisitorClaims{VisitorID: "v-1", ChannelID: "main", ExternalID: "user-42", Gen: 3, ExpiresAt: now.Add(auth.IdentifiedTokenTTL)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	now = now.Add(auth.IdentifiedTokenTTL - time.Second)
	if _, err := s.VerifyVisitorToken(tok); err != nil {
		t.Errorf("a second before 30 days: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := s.VerifyVisitorToken(tok); !errors.Is(err, auth.ErrExpired) {
		t.Errorf("after 30 days: %v, want ErrExpired", err)
	}
	if anon, _ := s.VerifyVisitorToken(s.VisitorToken("v-2", "main")); anon.ExternalID != "" || anon.Gen != 0 {
		t.Errorf("an anonymous token claims %+v", anon)
	}
}

// tamper flips one character of the payload part.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	b := []byte(parts[1])
	if b[5] == 'A' {
		b[5] = 'B'
	} else {
		b[5] = 'A'
	}
	parts[1] = string(b)
	return strings.Join(parts, ".")
}

func TestTicket(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s, _ := auth.NewSigner(secret, clockAt(&now))
	p := chat.Principal{Role: chat.RoleAgent, ID: "sub-1", Name: "Ann"}
	tok, issued := s.Ticket(p)
	got, err := s.VerifyTicket(tok)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(issued, got); diff != "" {
		t.Errorf("ticket (-issued +verified):\n%s", diff)
	}
	if !chat.ValidID(got.ID) || got.ExpiresAt.Sub(now) != auth.TicketTTL {
		t.Errorf("ticket id %q expires %v after issue", got.ID, got.ExpiresAt.Sub(now))
	}
	if _, err := s.VerifyTicket(s.VisitorToken("v", "main")); !errors.Is(err, auth.ErrForged) {
		t.Errorf("visitor token as ticket: err = %v, want ErrForged", err)
	}
	now = now.Add(auth.TicketTTL)
	if _, err := s.VerifyTicket(tok); !errors.Is(err, auth.ErrExpired) {
		t.Errorf("after 60s: err = %v, want ErrExpired", err)
	}
}

func TestAgentFromRequest(t *testing.T) {
	withClaims := func(c map[string]string) events.APIGatewayV2HTTPRequest {
		var r events.APIGatewayV2HTTPRequest
		r.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c},
		}
		return r
	}
	tests := []struct {
		name    string
		req     events.APIGatewayV2HTTPRequest
		want    auth.Agent
		wantErr bool
	}{
		{name: "name claim", req: withClaims(map[string]string{"sub": "s1", "name": "Ann", "email": "ann@x.io"}),
			want: auth.Agent{Principal: chat.Principal{Role: chat.RoleAgent, ID: "s1", Name: "Ann"}, Email: "ann@x.io"}},
		{name: "email names", req: withClaims(map[string]string{"sub": "s1", "email": "ann@x.io"}),
			want: auth.Agent{Principal: chat.Principal{Role: chat.RoleAgent, ID: "s1", Name: "ann@x.io"}, Email: "ann@x.io"}},
		// An access token: ids only, and no id is ever a name people see.
		{name: "access token", req: withClaims(map[string]string{"sub": "s1", "username": "s1", "cognito:username": "s1", "token_use": "access"}),
			want: auth.Agent{Principal: chat.Principal{Role: chat.RoleAgent, ID: "s1"}}},
		{name: "name claim normalised", req: withClaims(map[string]string{"sub": "s1", "name": "  Ann\u2028Lee\x00 "}),
			want: auth.Agent{Principal: chat.Principal{Role: chat.RoleAgent, ID: "s1", Name: "Ann Lee"}}},
		{name: "no authorizer", req: events.APIGatewayV2HTTPRequest{}, wantErr: true},
		{name: "no sub", req: withClaims(map[string]string{"name": "Ann"}), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auth.AgentFromRequest(tt.req)
			if tt.wantErr {
				if !errors.Is(err, chat.ErrUnauthorized) {
					t.Errorf("err = %v, want ErrUnauthorized", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrigins(t *testing.T) {
	o, err := auth.ParseOrigins([]string{"https://www.example.com", "http://localhost:3000"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://www.example.com", true},
		{"https://WWW.example.com:443", false},
		{"http://localhost:3000", true},
		{"http://www.example.com", false},
		{"https://www.example.com:8443", false},
		{"https://evil.example.com", false},
		{"https://www.example.com.evil.io", false},
		{"http://localhost:3001", false},
		{"null", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := o.Allows(tt.origin); got != tt.want {
			t.Errorf("Allows(%q) = %v, want %v", tt.origin, got, tt.want)
		}
	}
	if _, err := auth.ParseOrigins([]string{"www.example.com"}); err == nil {
		t.Error("ParseOrigins accepted an entry without scheme")
	}
}

func TestBearer(t *testing.T) {
	for in, want := range map[string]string{"Bearer abc": "abc", "bearer  abc ": "abc", "Basic abc": "", "": ""} {
		if got := auth.Bearer(map[string]string{"authorization": in}); got != want {
			t.Errorf("Bearer(%q) = %q, want %q", in, got, want)
		}
	}
}
