package mail_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/bounded"
	parleymail "github.com/parleychat/parley/shared/mail"
)

// TestParsersOnHostileInput runs every text parser of this package on
// about a megabyte of each hostile input: each must finish (bounded.Check
// fails a super-linear one long before it would) and must not panic.
func TestParsersOnHostileInput(t *testing.T) {
	tokens, err := parleymail.NewTokens([]byte("0123456789abcdef0123456789abcdef"), 'a')
	if err != nil {
		t.Fatal(err)
	}
	parsers := []struct {
		name string
		run  func(s string)
	}{
		{"ExtractReply (text)", func(s string) { parleymail.ExtractReply(s, "") }},
		{"ExtractReply (HTML)", func(s string) { parleymail.ExtractReply("", s) }},
		{"HTMLToText", func(s string) { parleymail.HTMLToText(s) }},
		{"ParseAddress", func(s string) { _, _ = parleymail.ParseAddress(s) }},
		{"FormatAddress", func(s string) { _, _ = parleymail.FormatAddress(s, "a@example.com") }},
		{"Subject", func(s string) { _, _ = parleymail.Subject(s) }},
		{"DecodeHeader", func(s string) { parleymail.DecodeHeader(s) }},
		{"TokenOf", func(s string) { parleymail.TokenOf("reply+"+s+"@in.example.com", "in.example.com") }},
		{"reply token", func(s string) { _, _ = tokens.Verify(s) }},
		{"confirm token", func(s string) { _, _ = tokens.ParseConfirmation(s) }},
		{"Parse (body)", func(s string) {
			_, _ = parleymail.Parse([]byte("From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n\r\n" + s))
		}},
		{"Parse (header line)", func(s string) {
			_, _ = parleymail.Parse([]byte("From: a@example.com\r\nSubject: " + strings.ReplaceAll(s, "\n", " ") + "\r\n\r\nhi"))
		}},
		{"Parse (address header)", func(s string) {
			_, _ = parleymail.Parse([]byte("From: " + strings.ReplaceAll(s, "\n", " ") + " <a@example.com>\r\nTo: " + strings.ReplaceAll(s, "\n", ",") + "\r\n\r\nhi"))
		}},
	}
	for _, in := range bounded.Hostile(bounded.Size) {
		for _, p := range parsers {
			bounded.Check(t, in.Describe(p.name), func() { p.run(in.Text) })
		}
	}
}

// TestParseOnHostileMIME: structures that make MIME parsers slow: many
// headers, a huge boundary, parts nested past the limit, thousands of
// parts, a header folded over thousands of lines.
func TestParseOnHostileMIME(t *testing.T) {
	head := "From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n"
	nested := head
	for i := range 200 {
		nested += "Content-Type: multipart/mixed; boundary=b" + string(rune('a'+i%26)) + strings.Repeat("x", i) + "\r\n\r\n--b" + string(rune('a'+i%26)) + strings.Repeat("x", i) + "\r\n"
	}
	many := head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n", 20000) + "--b--\r\n"
	inputs := []struct{ name, raw string }{
		{"100,000 headers", head + strings.Repeat("X-A: b\r\n", 100000) + "\r\nhi"},
		{"one header folded 100,000 times", head + "X-A: b" + strings.Repeat("\r\n c", 100000) + "\r\n\r\nhi"},
		{"a megabyte boundary", head + "Content-Type: multipart/mixed; boundary=" + strings.Repeat("b", bounded.Size) + "\r\n\r\nhi"},
		{"boundary-like lines", head + "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + bounded.Repeat("--bb\r\n", bounded.Size)},
		{"200 nested multiparts", nested},
		{"20,000 parts", many},
		{"a megabyte of base64 noise", head + "Content-Transfer-Encoding: base64\r\n\r\n" + bounded.Repeat("=!*_", bounded.Size)},
		{"a megabyte of quoted-printable soft breaks", head + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + bounded.Repeat("=\r\n", bounded.Size)},
	}
	for _, in := range inputs {
		bounded.Check(t, "Parse on "+in.name, func() {
			m, err := parleymail.Parse([]byte(in.raw))
			if err == nil {
				parleymail.ExtractReply(m.Text, m.HTML)
			}
		})
	}
}
