package mail_test

import (
	"bytes"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	parleymail "github.com/parleychat/parley/shared/mail"
)

// FuzzFormatAddress: whatever the display name, the header value has no CR
// or LF and parses back to the cleaned name and the address.
func FuzzFormatAddress(f *testing.F) {
	for _, s := range []string{
		"Alice", "Zoë Ångström", "Eve\r\nBcc: x@y.z", `"quoted" <a@b.c>`, "=?utf-8?q?x?=", "\x00\x7f\u2028", "Łukasz, Sales",
		"=?UTF-8?Q?Eve=0D=0ABcc:_x@y.z?=", `"=?utf-8?b?DQpCY2M6IHhAeS56?=" <a@b.c>`, "Zoë =?iso-8859-1?q?=0D=0A?=", "a=?b", strings.Repeat("=?x?q?=0A?= ", 9),
	} {
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
		if back.Name != "" && back.Name != typed(name, parleymail.MaxDisplayNameLen) {
			t.Fatalf("FormatAddress(%q, %q) = %q: name came back as %q, not as typed", name, addr, h, back.Name)
		}
		// Readers that decode encoded-words anywhere, quotes included,
		// see the same name and no line break.
		decoded, err := new(mime.WordDecoder).DecodeHeader(h)
		if err != nil || strings.ContainsAny(decoded, "\r\n") {
			t.Fatalf("FormatAddress(%q, %q) = %q decodes to %q (%v)", name, addr, h, decoded, err)
		}
	})
}

// FuzzSubject: an encoded subject is one safe header value that decodes
// back to the cleaned input, also as Build folds it into a message.
func FuzzSubject(f *testing.F) {
	for _, s := range []string{
		"Your conversation", "Ihre Unterhaltung mit Zoë", "a\r\nBcc: b@c.d", "=?utf-8?b?QQ==?=", "\t\x00",
		"=?UTF-8?Q?Hi=0D=0ABcc:_eve@evil.test?=", "Re: =?utf-8?b?DQpCY2M6IHhAeS56?= #42", "Grüße =?iso-8859-1?q?=0D=0A?=", "=?", strings.Repeat("=?x?q?=0A?= ", 18),
	} {
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
		raw, err := parleymail.Build(parleymail.Message{From: "a@b.cd", To: "c@d.ef", Subject: enc, MessageID: "m@b.cd", Text: s, HTML: s})
		if err != nil {
			t.Fatalf("Build refused the encoded subject %q: %v", enc, err)
		}
		if decoded, err := new(mime.WordDecoder).DecodeHeader(enc); err != nil || decoded != typed(s, parleymail.MaxSubjectRunes) {
			t.Fatalf("Subject(%q) = %q decodes to %q (%v), not to the text typed", s, enc, decoded, err)
		}
		// As written in the message, folded, it still reads as typed, and
		// no line of the message is longer than RFC 5322 allows.
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if decoded, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || decoded != typed(s, parleymail.MaxSubjectRunes) {
			t.Fatalf("Subject(%q) as written in the message decodes to %q (%v), not to the text typed", s, decoded, err)
		}
		for l := range strings.SplitSeq(string(raw), "\r\n") {
			if len(l) > 998 {
				t.Fatalf("Subject(%q): a line of %d characters", s, len(l))
			}
		}
	})
}

// typed is the text a person typed as a header shows it: invalid UTF-8
// dropped, control characters as spaces, runs of space as one, at most
// limit characters.
func typed(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > limit {
		s = strings.TrimSpace(string(r[:limit]))
	}
	return s
}

// FuzzExtractReply: the extractor never panics, returns no more than its
// input, and nothing only when the mail holds nothing (bounded time on
// hostile input: TestParsersOnHostileInput, TestExtractReplyOnHostileReplies).
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
	f.Add("On Sat, 21 Nov 2026, Alice wrote:\n> q\n\nanswer below\n-- \nAda", "")
	f.Add("Alice wrote:\n> q1\n\na1\n\n> q2\na2\n> q3", "")
	f.Add("сб, 21 нояб. 2026 г. в 19:42, A <a@x>:\n\n> q", "")
	f.Add("", `<div class="moz-cite-prefix">On 21/11/2026 19:42, A wrote:<br></div><blockquote type="cite"><pre>q</pre></blockquote><p>answer</p>`)
	f.Add("", `<p>a</p><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>Van:</b> x<br><b>Verzonden:</b> y</div>`)
	f.Fuzz(func(t *testing.T, text, htmlBody string) {
		// Speed is TestParsersOnHostileInput's business: a clock here
		// fails on a busy machine, not on a slow parser.
		got := parleymail.ExtractReply(text, htmlBody)
		if strings.TrimSpace(text) != "" && len(got.Text) > len(text)*3+16 {
			t.Fatalf("output %d bytes from %d bytes of text", len(got.Text), len(text))
		}
		if strings.TrimSpace(got.Text) == "" && (strings.TrimSpace(text) != "" || strings.TrimSpace(parleymail.HTMLToText(htmlBody)) != "") {
			t.Fatalf("ExtractReply(%q, %q) is empty", text, htmlBody)
		}
		if in, err := parleymail.Parse([]byte(text)); err == nil {
			_ = parleymail.ExtractReply(in.Text, in.HTML)
		}
	})
}

// FuzzFileName: whatever a file's name, no line of the message is longer
// than 78 characters, and a name a reader keeps as it is (valid UTF-8,
// printable, no path, at most 100 characters) reads back the same.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{"invoice.pdf", strings.Repeat("請求書", 38) + ".pdf", `Zoë "q"` + "\r\nBcc: x@evil.test.txt", strings.Repeat("a b ", 40), "\xff\xfe.txt", "%41'*;=.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		raw, err := parleymail.Build(parleymail.Message{From: "a@b.cd", To: "c@d.ef", Subject: "x", MessageID: "m@b.cd", Text: "t", HTML: "t",
			Attachments: []parleymail.Attachment{{Filename: name, ContentType: "application/pdf", Data: []byte("x")}}})
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.SplitSeq(string(raw), "\r\n") {
			if len(l) > 78 {
				t.Fatalf("file name %q: a line of %d characters: %s", name, len(l), l)
			}
		}
		in, err := parleymail.Parse(raw)
		if err != nil || len(in.Attachments) != 1 {
			t.Fatalf("file name %q: the message reads back as %+v, %v", name, in, err)
		}
		plain := name != "" && utf8.ValidString(name) && utf8.RuneCountInString(name) <= 100 && name == strings.Join(strings.Fields(name), " ") &&
			!strings.ContainsAny(name, `/\`) && !strings.HasPrefix(name, ".") && !strings.ContainsFunc(name, func(r rune) bool {
			return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError
		})
		if plain && in.Attachments[0].Filename != name {
			t.Fatalf("file name %q reads back as %q", name, in.Attachments[0].Filename)
		}
	})
}
