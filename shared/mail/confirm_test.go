package mail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	parleymail "github.com/parleychat/parley/shared/mail"
)

func TestConfirmationTokens(t *testing.T) {
	secret := []byte("confirm-test-secret-0123456789")
	oldKey, err := parleymail.NewTokens(secret, 'a')
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := parleymail.NewTokens(secret, 'b', 'a')
	if err != nil {
		t.Fatal(err)
	}
	other, err := parleymail.NewTokens([]byte("another-secret-0123456789abcdef"), 'b')
	if err != nil {
		t.Fatal(err)
	}
	const vid = "2f1d9c7e-6a53-4c1b-9d0e-5b8a7f3e2c11"
	exp := time.Date(2026, 11, 28, 19, 42, 10, 0, time.UTC)
	tok, err := tokens.ConfirmToken(vid, "Ada@Visitor.Test", exp)
	if err != nil {
		t.Fatal(err)
	}
	if tok[0] != 'b' || strings.ContainsAny(tok, "=/+") || len(tok) > 80 {
		t.Errorf("token %q: want version b, URL-safe, short", tok)
	}
	old, err := oldKey.ConfirmToken(vid, "ada@visitor.test", exp)
	if err != nil {
		t.Fatal(err)
	}
	reply, err := tokens.Token(vid)
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(tok)
	flipped[10] = 'a'
	if tok[10] == 'a' {
		flipped[10] = 'b'
	}
	tests := []struct {
		name, token, addr string
		with              *parleymail.Tokens
		want              error
	}{
		{"issued for the address (any case)", tok, "ada@visitor.test", tokens, nil},
		{"upper-cased token", strings.ToUpper(tok), "ada@visitor.test", tokens, nil},
		{"older key version still verifies", old, "ada@visitor.test", tokens, nil},
		{"another address", tok, "eve@evil.test", tokens, parleymail.ErrBadToken},
		{"another secret", tok, "ada@visitor.test", other, parleymail.ErrBadToken},
		{"a changed character", string(flipped), "ada@visitor.test", tokens, parleymail.ErrBadToken},
		{"a reply token is no confirmation", reply, "ada@visitor.test", tokens, parleymail.ErrBadToken},
		{"unknown version", "z" + tok[1:], "ada@visitor.test", tokens, parleymail.ErrBadToken},
		{"truncated", tok[:30], "ada@visitor.test", tokens, parleymail.ErrBadToken},
		{"empty", "", "ada@visitor.test", tokens, parleymail.ErrBadToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.with.ParseConfirmation(tt.token)
			if err == nil {
				err = tt.with.CheckConfirmation(c, tt.addr)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if tt.want == nil && (c.VisitorID != vid || !c.Expires.Equal(exp)) {
				t.Errorf("confirmation = %+v, want visitor %s until %s", c, vid, exp)
			}
		})
	}
}
