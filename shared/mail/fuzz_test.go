package mail_test

import (
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	parleymail "github.com/parleychat/parley/shared/mail"
)

// FuzzFormatAddress: whatever the display name, the header value has no CR
// or LF and parses back to the cleaned name and the address.
func FuzzFormatAddress(f *testing.F) {
	for _, s := range []string{"Alice", "Zoë Ångström", "Eve\r\nBcc: x@y.z", `"quoted" <a@b.c>`, "=?utf-8?q?x?=", "\x00\x7f\u2028", "Łukasz, Sales"} {
		f.Add(s, "support@example.com")
	}
	f.Add("Bob", "bob+tag@Sub.Example.org")
	f.Add("x", "a@b.c\r\nBcc: d@e.f")
	f.Fuzz(func(t *testing.T, name, addr string) {
		h, err := parleymail.FormatAddress(name, addr)
		if err != nil {
			return
		}
		if strings.ContainsAny(h, "\r\n") {
			t.Fatalf("FormatAddress(%q, %q) = %q contains CR or LF", name, addr, h)
		}
		back, err := mail.ParseAddress(h)
		if err != nil {
			t.Fatalf("FormatAddress(%q, %q) = %q does not parse: %v", name, addr, h, err)
		}
		want, _ := parleymail.ParseAddress(addr)
		if back.Address != want {
			t.Fatalf("address %q came back as %q", want, back.Address)
		}
		if back.Name != "" && back.Name != strings.Join(strings.Fields(back.Name), " ") {
			t.Fatalf("name came back with control characters or runs of space: %q", back.Name)
		}
		if strings.ContainsAny(back.Name, "\r\n") {
			t.Fatalf("name came back with CR or LF: %q", back.Name)
		}
	})
}

// FuzzSubject: an encoded subject is one safe header line that decodes
// back to the cleaned input.
func FuzzSubject(f *testing.F) {
	for _, s := range []string{"Your conversation", "Ihre Unterhaltung mit Zoë", "a\r\nBcc: b@c.d", "=?utf-8?b?QQ==?=", "\t\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := parleymail.Subject(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(enc, "\r\n") {
			t.Fatalf("Subject(%q) = %q contains CR or LF", s, enc)
		}
		if _, err := parleymail.Build(parleymail.Message{From: "a@b.cd", To: "c@d.ef", Subject: enc, MessageID: "m@b.cd", Text: s, HTML: s}); err != nil {
			t.Fatalf("Build refused the encoded subject %q: %v", enc, err)
		}
	})
}

// FuzzExtractReply: the extractor never panics and returns no more than
// its input (bounded time on hostile input: TestParsersOnHostileInput).
func FuzzExtractReply(f *testing.F) {
	files, _ := filepath.Glob("testdata/replies/*.eml")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err == nil {
			f.Add(string(raw), "")
		}
	}
	f.Add("hi\n> quoted", "<div>hi</div><blockquote>x</blockquote>")
	f.Add(strings.Repeat("On a wrote:\n", 100), strings.Repeat("<p><", 1000))
	f.Add("İİİ<DIV>", "<SCRIPT>İ</script")
	f.Fuzz(func(t *testing.T, text, htmlBody string) {
		// Speed is TestParsersOnHostileInput's business: a clock here
		// fails on a busy machine, not on a slow parser.
		got := parleymail.ExtractReply(text, htmlBody)
		if strings.TrimSpace(text) != "" && len(got) > len(text)*3+16 {
			t.Fatalf("output %d bytes from %d bytes of text", len(got), len(text))
		}
		if in, err := parleymail.Parse([]byte(text)); err == nil {
			_ = parleymail.ExtractReply(in.Text, in.HTML)
		}
	})
}
