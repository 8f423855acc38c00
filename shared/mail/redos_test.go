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

// TestExtractReplyOnHostileReplies: about a megabyte of the shapes the
// extractor looks at line by line and back and forth (quote headers of
// every form, attributions above quotes, answers between quotes, Outlook
// header blocks, blockquotes nested a million deep), each in the text
// and the HTML body.
func TestExtractReplyOnHostileReplies(t *testing.T) {
	inputs := []struct{ name, text string }{
		{"attributions above quotes", bounded.Repeat("Alice wrote:\n> x\n", bounded.Size)},
		{"answers between quotes", bounded.Repeat("> q\na\n", bounded.Size)},
		{"headers wrapped over two lines", bounded.Repeat("sob., 21 lis 2026 o 19:42 Alice <a@x>\nnapisał(a):\n", bounded.Size)},
		{"lines ending with a colon", bounded.Repeat("21.11.2026 19:42 Am x schrieb y skrev z wrote:\n", bounded.Size)},
		{"a header of every language", bounded.Repeat("El sáb, 21 nov 2026 a las 19:42, A <a@x> escribió:\nсб, 21 нояб. 2026 г. в 19:42, A <a@x>:\n2026年11月21日(土) 19:42 A <a@x>:\n", bounded.Size)},
		{"Outlook blocks without a quote", bounded.Repeat("Van: a\nVerzonden: b\n", bounded.Size)},
		{"blank quoted lines", bounded.Repeat(">\n", bounded.Size) + "answer"},
		{"separators", bounded.Repeat("-----Оригинал-----x\n", bounded.Size)},
		{"nested blockquotes", bounded.Repeat("<blockquote>", bounded.Size) + "x<br>y"},
		{"blockquotes opened and closed", bounded.Repeat("<blockquote>q</blockquote>a<br>", bounded.Size)},
		{"Outlook reply divs", bounded.Repeat(`<div id="divRplyFwdMsg">`, bounded.Size)},
		{"pre text with source line breaks", "<pre>" + bounded.Repeat("x\n \n", bounded.Size)},
	}
	for _, in := range inputs {
		bounded.Check(t, "ExtractReply (text) on "+in.name, func() {
			if r := parleymail.ExtractReply(in.text, ""); r.Text == "" {
				t.Errorf("ExtractReply on %s is empty", in.name)
			}
		})
		bounded.Check(t, "ExtractReply (HTML) on "+in.name, func() { parleymail.ExtractReply("", in.text) })
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
