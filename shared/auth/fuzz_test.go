package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/bounded"
	"github.com/parleychat/parley/shared/chat"
)

// mutations of a valid token the fuzzers start from.
func mutations(tok string) []string {
	parts := strings.Split(tok, ".")
	flip := []byte(tok)
	flip[len(flip)/2] ^= 1
	// The signature's last character has unused low bits: its other
	// spellings decode to the same MAC and must still be refused.
	var respelled []string
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		if string(c) != tok[len(tok)-1:] {
			respelled = append(respelled, tok[:len(tok)-1]+string(c))
		}
	}
	return append(respelled,
		tok, string(flip), tok[:len(tok)-1], tok+"A", tok+".", strings.ToUpper(tok),
		parts[0]+"."+parts[1]+".", parts[0]+".."+parts[2], "."+parts[1]+"."+parts[2],
		strings.Replace(tok, parts[0], "v2", 1), strings.Repeat(".", 100), "", "a.b.c",
	)
}

// FuzzVerifyVisitorToken: no change to a valid visitor token verifies as
// another visitor or channel, nothing panics, every refusal is one of the
// package's errors.
func FuzzVerifyVisitorToken(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	s, err := auth.NewSigner(secret, clockAt(&now))
	if err != nil {
		f.Fatal(err)
	}
	valid := s.VisitorToken("v-1", "main")
	ticket, _ := s.Ticket(chat.Principal{Role: chat.RoleVisitor, ID: "v-1"})
	for _, m := range append(mutations(valid), ticket) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.VerifyVisitorToken(token)
		if err != nil {
			if !errors.Is(err, auth.ErrForged) && !errors.Is(err, auth.ErrMissing) && !errors.Is(err, auth.ErrExpired) {
				t.Fatalf("VerifyVisitorToken(%q) = %v, not one of the package's errors", token, err)
			}
			return
		}
		if c.VisitorID != "v-1" || c.ChannelID != "main" || token != valid {
			t.Fatalf("VerifyVisitorToken(%q) = %+v, never issued", token, c)
		}
	})
}

// FuzzVerifyTicket: a WebSocket ticket verifies only as the principal it
// was issued for, until the expiry it was issued with; a visitor token is
// never a ticket.
func FuzzVerifyTicket(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	s, err := auth.NewSigner(secret, clockAt(&now))
	if err != nil {
		f.Fatal(err)
	}
	p := chat.Principal{Role: chat.RoleAgent, ID: "agent-1", Name: "Alice"}
	valid, issued := s.Ticket(p)
	for _, m := range append(mutations(valid), s.VisitorToken("agent-1", "main")) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, token string) {
		got, err := s.VerifyTicket(token)
		if err != nil {
			if !errors.Is(err, auth.ErrForged) && !errors.Is(err, auth.ErrMissing) && !errors.Is(err, auth.ErrExpired) {
				t.Fatalf("VerifyTicket(%q) = %v, not one of the package's errors", token, err)
			}
			return
		}
		// Ticket ids are random, and each fuzzing process signs its own
		// seed ticket: the principal and expiry are what must match.
		if !cmp.Equal(got.Principal, p) || !got.ExpiresAt.Equal(issued.ExpiresAt) || !chat.ValidID(got.ID) {
			t.Fatalf("VerifyTicket(%q) = %+v, never issued", token, got)
		}
	})
}

// TestVerifyOnHostileInput: the token and origin parsers finish on a
// megabyte of each hostile input.
func TestVerifyOnHostileInput(t *testing.T) {
	s, err := auth.NewSigner(secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	origins, err := auth.ParseOrigins([]string{"https://www.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	inputs := append(bounded.Hostile(bounded.Size),
		bounded.Input{Name: "dots", Text: bounded.Repeat(".", bounded.Size)},
		bounded.Input{Name: "three huge parts", Text: "v1." + bounded.Repeat("A", bounded.Size/2) + "." + bounded.Repeat("B", bounded.Size/2)},
	)
	for _, in := range inputs {
		bounded.Check(t, in.Describe("VerifyVisitorToken"), func() { _, _ = s.VerifyVisitorToken(in.Text) })
		bounded.Check(t, in.Describe("VerifyTicket"), func() { _, _ = s.VerifyTicket(in.Text) })
		bounded.Check(t, in.Describe("Origins.Allows"), func() { origins.Allows(in.Text) })
		bounded.Check(t, in.Describe("Bearer"), func() { auth.Bearer(map[string]string{"authorization": "Bearer " + in.Text}) })
	}
}
