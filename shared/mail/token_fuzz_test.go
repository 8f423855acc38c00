package mail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	parleymail "github.com/parleychat/parley/shared/mail"
)

const fuzzConversation = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

func fuzzTokens(f *testing.F) *parleymail.Tokens {
	tokens, err := parleymail.NewTokens([]byte("fuzz-secret-0123456789abcdef"), 'b', 'a')
	if err != nil {
		f.Fatal(err)
	}
	return tokens
}

// FuzzReplyToken: whatever the token, Verify never panics and accepts only
// a token naming the conversation it was issued for: without the key no
// change to a valid token verifies for another conversation.
func FuzzReplyToken(f *testing.F) {
	tokens := fuzzTokens(f)
	valid, err := tokens.Token(fuzzConversation)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range append(respellings(valid), strings.ToUpper(valid), "a"+valid[1:], valid[:len(valid)-1], valid+"a", "", "b", "b====", strings.Repeat("z", 64), "b"+strings.Repeat("a", 46)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, err := tokens.Verify(token)
		if err != nil {
			if !errors.Is(err, parleymail.ErrBadToken) {
				t.Fatalf("Verify(%q) = %v, want ErrBadToken", token, err)
			}
			return
		}
		if id != fuzzConversation || !strings.EqualFold(token, valid) {
			t.Fatalf("Verify(%q) accepted a token for %s that was never issued (issued: %q)", token, id, valid)
		}
	})
}

// FuzzConfirmToken: a confirmation token verifies only for the visitor,
// expiry and address it was issued for.
func FuzzConfirmToken(f *testing.F) {
	tokens := fuzzTokens(f)
	const visitor = "2f1d9c7e-6a53-4c1b-9d0e-5b8a7f3e2c11"
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	valid, err := tokens.ConfirmToken(visitor, "ada@visitor.test", exp)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range append(respellings(valid), strings.ToUpper(valid), "a"+valid[1:], valid[:len(valid)-2], valid+"aa", "", "b", strings.Repeat("7", 80)) {
		f.Add(s, "ada@visitor.test")
		f.Add(s, "eve@visitor.test")
	}
	f.Fuzz(func(t *testing.T, token, addr string) {
		c, err := tokens.ParseConfirmation(token)
		if err != nil {
			if !errors.Is(err, parleymail.ErrBadToken) {
				t.Fatalf("ParseConfirmation(%q) = %v, want ErrBadToken", token, err)
			}
			return
		}
		if err := tokens.CheckConfirmation(c, addr); err != nil {
			return
		}
		if c.VisitorID != visitor || !c.Expires.Equal(exp) || parleymail.Key(addr) != "ada@visitor.test" || !strings.EqualFold(token, valid) {
			t.Fatalf("token %q confirmed %s for %q until %v, which was never issued", token, c.VisitorID, addr, c.Expires)
		}
	})
}

// FuzzParse: the MIME parser never panics, and what it returns is what the
// rest of the system may rely on: an attachment's name has no path and no
// control characters, the subject is one line.
func FuzzParse(f *testing.F) {
	f.Add([]byte("From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello"))
	f.Add([]byte("From: =?utf-8?q?Zo=C3=AB?= <a@example.com>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Disposition: attachment; filename=\"../../etc/passwd\"\r\n\r\ny\r\n--b--\r\n"))
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/alternative; boundary=\"\"\r\n\r\n--\r\n\r\n"))
	f.Add([]byte("From: a@example.com\r\nSubject: a\r\n b\r\n\tc\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!"))
	f.Add([]byte("From: =?x-unknown?Q?Ada?= [x] <a@example.com>\r\nSubject: =?x-unknown?Q?a?= =?utf-8?Q?b?=\r\n\r\nhello"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := parleymail.Parse(raw)
		if err != nil {
			return
		}
		if strings.ContainsAny(in.Subject, "\r\n") {
			t.Fatalf("subject %q has a line break", in.Subject)
		}
		for _, a := range in.Attachments {
			if strings.ContainsAny(a.Filename, "/\\\x00\r\n") {
				t.Fatalf("attachment name %q carries a path or control characters", a.Filename)
			}
		}
		_ = parleymail.ExtractReply(in.Text, in.HTML)
	})
}

// respellings returns tok and tok with every other last character: base32
// leaves low bits of the last character unused, so some of these decode to
// the same bytes and must still be refused.
func respellings(tok string) []string {
	out := []string{tok}
	for _, c := range "abcdefghijklmnopqrstuvwxyz234567" {
		if string(c) != tok[len(tok)-1:] {
			out = append(out, tok[:len(tok)-1]+string(c))
		}
	}
	return out
}
