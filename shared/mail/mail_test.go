package mail_test

import (
	"encoding/base64"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"

	parleymail "github.com/parleychat/parley/shared/mail"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"ada@Example.COM", "ada@example.com", nil},
		{"  ada.lovelace+chat@visitor.test ", "ada.lovelace+chat@visitor.test", nil},
		{"", "", parleymail.ErrInvalid},
		{"ada", "", parleymail.ErrInvalid},
		{"ada@localhost", "", parleymail.ErrInvalid},
		{"Ada <ada@example.com>", "", parleymail.ErrInvalid},
		{"ada@example.com\r\nBcc: eve@evil.test", "", parleymail.ErrInvalid},
		{"ada@example.com,eve@evil.test", "", parleymail.ErrInvalid},
		{strings.Repeat("a", 250) + "@example.com", "", parleymail.ErrInvalid},
		{"a@[10.0.0.1]", "", parleymail.ErrInvalid},
		{`"john smith"@example.com`, "", parleymail.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parleymail.ParseAddress(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseAddress(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseAddress(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatAddressRoundTrips(t *testing.T) {
	tests := []struct{ name, addr, wantName string }{
		{"Alice Moreau", "support@example.com", "Alice Moreau"},
		{"Zoë Ångström via Parley", "support@example.com", "Zoë Ångström via Parley"},
		{`Eve "the admin" <x>`, "support@example.com", `Eve "the admin" <x>`},
		{"Mallory\r\nBcc: victim@example.com", "support@example.com", "Mallory Bcc: victim@example.com"},
		{"Łukasz, Sales", "sales@example.com", "Łukasz, Sales"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := parleymail.FormatAddress(tt.name, tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsAny(h, "\r\n") {
				t.Fatalf("header value %q contains CR or LF", h)
			}
			back, err := mail.ParseAddress(h)
			if err != nil {
				t.Fatalf("%q does not parse back: %v", h, err)
			}
			if diff := cmp.Diff(mail.Address{Name: tt.wantName, Address: tt.addr}, *back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubject(t *testing.T) {
	got, err := parleymail.Subject("Ihre Unterhaltung mit Zoë\r\nBcc: x@evil.test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(got, "\r\n") || !strings.HasPrefix(got, "=?utf-8?q?") {
		t.Errorf("Subject = %q, want one RFC 2047 encoded line", got)
	}
	if back := parleymail.DecodeHeader(got); back != "Ihre Unterhaltung mit Zoë Bcc: x@evil.test" {
		t.Errorf("decoded subject = %q", back)
	}
	if _, err := parleymail.Subject(strings.Repeat("x", 201)); !errors.Is(err, parleymail.ErrTooLarge) {
		t.Errorf("long subject: error = %v, want ErrTooLarge", err)
	}
	if _, err := parleymail.Subject(" \r\n "); !errors.Is(err, parleymail.ErrInvalid) {
		t.Errorf("empty subject: error = %v, want ErrInvalid", err)
	}
}

// TestHeadersDecodeToWhatWasTyped: a subject or display name that holds
// RFC 2047 encoded-words (one carrying CR LF and a Bcc header, for one)
// decodes back to the text typed, never to what the words encode.
func TestHeadersDecodeToWhatWasTyped(t *testing.T) {
	long := strings.Repeat("=?UTF-8?Q?=0D=0A?= ", 10) + "end"
	tests := []string{
		"=?UTF-8?Q?Hello=0D=0ABcc:_eve@evil.test?=",
		"Your order =?utf-8?b?DQpCY2M6IGV2ZUBldmlsLnRlc3Q=?= #42",
		"Grüße =?iso-8859-1?q?=0D=0ABcc:_eve@evil.test?= from Zoë",
		"=?",
		"a=?b",
		long,
	}
	var dec mime.WordDecoder
	for _, typed := range tests {
		t.Run(typed, func(t *testing.T) {
			subject, err := parleymail.Subject(typed)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := dec.DecodeHeader(subject); err != nil || got != typed {
				t.Errorf("Subject(%q) = %q decodes to %q (%v), want the typed text", typed, subject, got, err)
			}
			name := typed
			if len([]rune(name)) > parleymail.MaxDisplayNameLen {
				name = strings.TrimSpace(string([]rune(name)[:parleymail.MaxDisplayNameLen]))
			}
			from, err := parleymail.FormatAddress(typed, "support@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := dec.DecodeHeader(from); err != nil || got != name+" <support@example.com>" {
				t.Errorf("FormatAddress(%q) = %q decodes to %q (%v), want the typed name", typed, from, got, err)
			}
			back, err := mail.ParseAddress(from)
			if err != nil {
				t.Fatalf("%q does not parse: %v", from, err)
			}
			if diff := cmp.Diff(mail.Address{Name: name, Address: "support@example.com"}, *back); diff != "" {
				t.Errorf("FormatAddress(%q) = %q parses back (-want +got):\n%s", typed, from, diff)
			}
		})
	}
}

// TestParseCleansTheSenderName: a sender name whose encoded-words carry
// CR LF comes out as one line.
func TestParseCleansTheSenderName(t *testing.T) {
	raw := "From: =?utf-8?q?Eve=0D=0ABcc=3A_x=40evil.test?= <eve@visitor.test>\r\nTo: support@inbound.example.com\r\nSubject: =?utf-8?q?Hi=0D=0ABcc:_y@evil.test?=\r\n\r\nhello\r\n"
	in, err := parleymail.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	got := [2]string{in.FromName, in.Subject}
	if diff := cmp.Diff([2]string{"Eve Bcc: x@evil.test", "Hi Bcc: y@evil.test"}, got); diff != "" {
		t.Errorf("sender name and subject (-want +got):\n%s", diff)
	}
}

func TestTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	old, err := parleymail.NewTokens(secret, 'a')
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := parleymail.NewTokens(secret, 'b', 'a')
	if err != nil {
		t.Fatal(err)
	}
	other, _ := parleymail.NewTokens([]byte("another secret of enough length"), 'a')
	const cid = "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10"
	addr, err := old.ReplyAddress(cid, "Inbound.Example.com")
	if err != nil {
		t.Fatal(err)
	}
	local, _, _ := strings.Cut(addr, "@")
	if len(local) > 64 {
		t.Errorf("local part %q is longer than 64 bytes", local)
	}
	tok, ok := parleymail.TokenOf(strings.ToUpper(addr), "inbound.example.com")
	if !ok {
		t.Fatalf("TokenOf(%q) found no token", addr)
	}
	for _, tt := range []struct {
		name   string
		tokens *parleymail.Tokens
		token  string
		want   string
		err    error
	}{
		{"same key", old, tok, cid, nil},
		{"upper-cased by a mail server", old, strings.ToUpper(tok), cid, nil},
		{"old version after rotation", rotated, tok, cid, nil},
		{"other secret", other, tok, "", parleymail.ErrBadToken},
		{"flipped character", old, tok[:10] + flip(tok[10]) + tok[11:], "", parleymail.ErrBadToken},
		{"unknown version", old, "z" + tok[1:], "", parleymail.ErrBadToken},
		{"truncated", old, tok[:20], "", parleymail.ErrBadToken},
		{"empty", old, "", "", parleymail.ErrBadToken},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tokens.Verify(tt.token)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("Verify = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
	newTok, _ := rotated.Token(cid)
	if newTok[0] != 'b' {
		t.Errorf("rotated token %q does not carry version b", newTok)
	}
	if _, err := old.Verify(newTok); !errors.Is(err, parleymail.ErrBadToken) {
		t.Errorf("a token of a version the verifier does not know passed: %v", err)
	}
}

func flip(c byte) string {
	if c == 'a' {
		return "b"
	}
	return "a"
}

func TestBuildThreadsAndParsesBack(t *testing.T) {
	from, _ := parleymail.FormatAddress("Alice Moreau", "support@example.com")
	to, _ := parleymail.FormatAddress("Zoë", "zoe@visitor.test")
	subject, _ := parleymail.Subject("Re: Ihre Unterhaltung")
	text, htmlBody, err := parleymail.Render(parleymail.Thread{
		Lead: "Your order <b>ships</b> today.", LeadBy: "Alice Moreau", Title: "Your conversation",
		StartedAt: time.Date(2026, 11, 21, 19, 40, 0, 0, time.UTC), PageURL: "https://shop.example.com/pricing?x=1&y=<2>",
		Entries: []parleymail.Entry{{At: time.Date(2026, 11, 21, 19, 40, 0, 0, time.UTC), Author: "Zoë", Body: "<script>alert(1)</script> where is my order?"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := parleymail.Build(parleymail.Message{
		From: from, To: to, ReplyTo: "reply+abc@inbound.example.com", Subject: subject,
		MessageID: "m2@parley.example.com", InReplyTo: "m1@parley.example.com", References: []string{"m0@parley.example.com", "m1@parley.example.com"},
		Text: text, HTML: htmlBody,
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(htmlBody, "<script>") || strings.Contains(htmlBody, "<b>ships") {
		t.Errorf("HTML body carries markup from content:\n%s", htmlBody)
	}
	in, err := parleymail.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		From, Subject, MessageID, InReplyTo string
		References                          []string
		ReplyTo                             string
	}{in.From, in.Subject, in.MessageID, in.InReplyTo, in.References, in.Header.Get("Reply-To")}
	want := struct {
		From, Subject, MessageID, InReplyTo string
		References                          []string
		ReplyTo                             string
	}{"support@example.com", "Re: Ihre Unterhaltung", "m2@parley.example.com", "m1@parley.example.com", []string{"m0@parley.example.com", "m1@parley.example.com"}, "reply+abc@inbound.example.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsed headers (-want +got):\n%s", diff)
	}
	for _, s := range []string{"Your order <b>ships</b> today.", "<script>alert(1)</script> where is my order?", "https://shop.example.com/pricing?x=1&y=<2>"} {
		if !strings.Contains(in.Text, s) {
			t.Errorf("text part lacks %q:\n%s", s, in.Text)
		}
	}
	if !strings.Contains(in.HTML, "&lt;script&gt;") {
		t.Errorf("HTML part does not escape the visitor's text:\n%s", in.HTML)
	}
}

func TestBuildRefusesUnsafeHeaders(t *testing.T) {
	base := parleymail.Message{From: "a@example.com", To: "b@example.com", Subject: "Hi", MessageID: "m@example.com", Text: "x", HTML: "x"}
	tests := map[string]func(m *parleymail.Message){
		"CRLF in subject":     func(m *parleymail.Message) { m.Subject = "Hi\r\nBcc: eve@evil.test" },
		"LF in To":            func(m *parleymail.Message) { m.To = "b@example.com\nBcc: eve@evil.test" },
		"bracket in msg id":   func(m *parleymail.Message) { m.InReplyTo = "x>\r\nBcc: y@z<" },
		"non-ASCII header":    func(m *parleymail.Message) { m.Subject = "Zoë" },
		"bad extra name":      func(m *parleymail.Message) { m.Headers = map[string]string{"X-A: b\r\nBcc": "c"} },
		"missing message id":  func(m *parleymail.Message) { m.MessageID = "" },
		"empty from":          func(m *parleymail.Message) { m.From = "" },
		"reference with CRLF": func(m *parleymail.Message) { m.References = []string{"a@b\r\nBcc: c@d"} },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			m := base
			mutate(&m)
			if _, err := parleymail.Build(m); !errors.Is(err, parleymail.ErrInvalid) {
				t.Errorf("Build error = %v, want ErrInvalid", err)
			}
		})
	}
	m := base
	m.Text = strings.Repeat("x", parleymail.MaxRawBytes)
	if _, err := parleymail.Build(m); !errors.Is(err, parleymail.ErrTooLarge) {
		t.Errorf("oversized message: error = %v, want ErrTooLarge", err)
	}
}

// TestExtractReplySamples runs the extractor on replies as Gmail, Outlook,
// Apple Mail, iPhone, Thunderbird and webmails write them, top-posted in
// en, de, it, fr, pl, es, pt, nl, ru, sv, da, no, cs, tr, ja and zh,
// bottom-posted and interleaved as Thunderbird users and mailing lists
// write, HTML-only, and mail whose reply cannot be told from the quote
// (testdata/replies: <client>-<lang or style>.eml and .want). A .want
// whose first line is "# shown in full" expects the reply flagged Full.
func TestExtractReplySamples(t *testing.T) {
	files, err := filepath.Glob("testdata/replies/*.eml")
	if err != nil || len(files) < 72 {
		t.Fatalf("want at least 72 samples, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".eml") + ".want")
			if err != nil {
				t.Fatal(err)
			}
			in, err := parleymail.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			text, full := strings.CutPrefix(string(want), fullMarker+"\n")
			got := parleymail.ExtractReply(in.Text, in.HTML)
			if diff := cmp.Diff(parleymail.Reply{Text: strings.TrimSpace(text), Full: full}, got); diff != "" {
				t.Errorf("ExtractReply (-want +got):\n%s", diff)
			}
		})
	}
}

// fullMarker starts a .want file of a reply shown in full.
const fullMarker = "# shown in full"

func TestExtractReplyKeepsOrdinaryText(t *testing.T) {
	tests := map[string]string{
		"plain":                 "Hello,\nI have a question about invoices.\nThanks",
		"from in a sentence":    "From: the moment I ordered it was fine.\nBut now it is not.",
		"wrote in the middle":   "My colleague wrote: it works. Does it?",
		"dashes in text":        "Price -- 20 EUR\nThanks",
		"greater-than in maths": "Is 5 > 3 true?",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if got := parleymail.ExtractReply(in, ""); got != (parleymail.Reply{Text: in}) {
				t.Errorf("ExtractReply(%q) = %+v, want it unchanged", in, got)
			}
		})
	}
}

// TestExtractReplyKeepsSentencesThatLookLikeHeaders: a line with a quote
// header's lead word ("On … wrote:", "Am … schrieb …:") but no date, time
// or address, and no quoted lines below it, is a sentence of the reply:
// the text after it is kept.
func TestExtractReplyKeepsSentencesThatLookLikeHeaders(t *testing.T) {
	tests := []string{
		"Hello,\n\nOn the invoice you wrote:\nTotal 49.90 EUR\nbut I was charged 59.90. Please refund the difference.\n\nAda",
		"Hallo,\n\nAm Telefon schrieb mir Ihr Kollege:\ndas Paket kommt Montag.\nEs ist aber nicht gekommen.",
		"Hi,\n\nOn your website it says the parcel ships in 2 days. On the order page you wrote:\n\"ships today\"\nIt did not.",
		"Bonjour,\nLe technicien a écrit :\nrien à signaler.\nOr la machine ne marche pas.",
		"Hola,\nEl repartidor escribió:\nausente.\nPero estuve en casa todo el día.",
		"Ciao,\nIl tecnico ha scritto:\ntutto a posto.\nNon funziona ancora.",
		"Hallo,\nOp de website schreef u:\nlevering morgen.\nHet pakket is er niet.",
		"Olá,\nEm resumo, o técnico escreveu:\nnada a declarar.\nMas não funciona.",
		"Hello,\nOn the invoice\nyou wrote:\nTotal 49.90 EUR, which is wrong.",
	}
	for _, text := range tests {
		t.Run(text[:min(len(text), 40)], func(t *testing.T) {
			if got := parleymail.ExtractReply(text, ""); got != (parleymail.Reply{Text: text}) {
				t.Errorf("ExtractReply(%q) = %+v, want it unchanged", text, got)
			}
		})
	}
}

// TestExtractReplyEndsAtADatedHeaderWithoutQuote: a quote header holding a
// date, a time or an address ends the reply even when the quote below it
// is not marked with ">"; without them it ends it only above quoted lines.
func TestExtractReplyEndsAtADatedHeaderWithoutQuote(t *testing.T) {
	tests := map[string]string{
		"en date and address": "On Sat, 21 Nov 2026 at 19:42, Alice <a@x.test> wrote:",
		"en time":             "On Saturday at 19:42 Alice wrote:",
		"en address":          "On Saturday, alice@x.test wrote:",
		"thunderbird":         "Alice wrote on 21/11/2026 19:42:",
		"de":                  "Am 21.11.2026 um 19:42 schrieb Alice:",
		"fr":                  "Le sam. 21 nov. 2026 à 19:42, Alice <a@x.test> a écrit :",
		"ja":                  "2026/11/21 19:42、Alice <a@x.test>のメール:",
		"wrapped":             "On Sat, 21 Nov 2026 at 19:42, Alice\n<a@x.test> wrote:",
	}
	for name, header := range tests {
		t.Run(name, func(t *testing.T) {
			text := "Thanks, that helps.\n\n" + header + "\nWhich size do you need?\nAlice"
			if got := parleymail.ExtractReply(text, ""); got != (parleymail.Reply{Text: "Thanks, that helps."}) {
				t.Errorf("ExtractReply(%q) = %+v, want the text above the header", text, got)
			}
		})
	}
	text := "Thanks, that helps.\n\nOn Saturday Alice wrote:\n> Which size do you need?"
	if got := parleymail.ExtractReply(text, ""); got != (parleymail.Reply{Text: "Thanks, that helps."}) {
		t.Errorf("ExtractReply(%q) = %+v, want the text above the header", text, got)
	}
}

// TestExtractReplyNeverEmpty: a mail with text never extracts to nothing;
// when no new text can be told from the quote, the mail is shown in full
// (without its quoted lines while anything else remains) and flagged.
func TestExtractReplyNeverEmpty(t *testing.T) {
	tests := []struct {
		name, text, html string
		want             parleymail.Reply
	}{
		{"only quoted lines", "> Which size?\n> M or L?", "", parleymail.Reply{Text: "> Which size?\n> M or L?", Full: true}},
		{"a header and its quote", "On Sat, 21 Nov 2026 at 19:42, Alice <a@x.test> wrote:\n> Which size?", "",
			parleymail.Reply{Text: "On Sat, 21 Nov 2026 at 19:42, Alice <a@x.test> wrote:\n> Which size?", Full: true}},
		{"a signature below the quote", "> Which size?\n\n-- \nAda Lovelace", "", parleymail.Reply{Text: "-- \nAda Lovelace", Full: true}},
		{"an Outlook header block and no text above it", "From: Bob <b@x.test>\nSent: Saturday\n\nThe parcel never came.", "",
			parleymail.Reply{Text: "From: Bob <b@x.test>\nSent: Saturday\n\nThe parcel never came.", Full: true}},
		{"a phone's line and the quote", "Sent from my iPhone\n\n> Which size?", "", parleymail.Reply{Text: "Sent from my iPhone\n\n> Which size?", Full: true}},
		{"HTML that is all quote", "", "<blockquote>Which size?</blockquote>", parleymail.Reply{Text: "> Which size?", Full: true}},
		{"blank", " \r\n\u00a0\n", "", parleymail.Reply{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parleymail.ExtractReply(tt.text, tt.html)); diff != "" {
				t.Errorf("ExtractReply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAttachments(t *testing.T) {
	raw := "From: Ada <ada@visitor.test>\r\nTo: support@inbound.example.com\r\nSubject: =?utf-8?q?Rechnung_f=C3=BCr_Zo=C3=AB?=\r\nMessage-ID: <att@visitor.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n" +
		"--b1\r\nContent-Type: application/pdf; name=\"../../etc/invoice.pdf\"\r\nContent-Disposition: attachment; filename=\"../../etc/invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
	in, err := parleymail.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if in.Subject != "Rechnung für Zoë" {
		t.Errorf("subject = %q", in.Subject)
	}
	want := []parleymail.Attachment{{Filename: "invoice.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4\n")}}
	if diff := cmp.Diff(want, in.Attachments); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

// TestBuildWithFiles: files travel as attachments after the text and HTML,
// their names encoded (never a raw quote or line break in a header), and
// parse back whole; the bodies name every file, with its link when it has
// one, and no link markup comes from a name.
func TestBuildWithFiles(t *testing.T) {
	files := []parleymail.File{
		{Name: "invoice.pdf", Size: "12 KB", Attached: true},
		{Name: `Zoë "big".zip`, Size: "8.2 MB", URL: "https://d1.cloudfront.net/widget/file.html#v1.abc.def"},
		{Name: "<b>x</b>.png", Size: "1 KB", URL: "javascript:alert(1)"},
	}
	text, htmlBody, err := parleymail.Render(parleymail.Thread{
		Lead: "Here you are.", LeadFiles: files, LeadBy: "Alice", Title: "Earlier",
		Entries:   []parleymail.Entry{{At: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Author: "Zoë", Files: files[1:2]}},
		FilesNote: "File links work for 7 days.",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"[file] invoice.pdf (12 KB), attached", `[file] Zoë "big".zip (8.2 MB): https://d1.cloudfront.net/widget/file.html#v1.abc.def`,
		"File links work for 7 days.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(htmlBody, "<b>x</b>") || strings.Contains(htmlBody, `href="javascript:`) ||
		!strings.Contains(htmlBody, `<a href="https://d1.cloudfront.net/widget/file.html#v1.abc.def">Zoë &#34;big&#34;.zip</a>`) {
		t.Errorf("HTML body: names must stay text and links http(s):\n%s", htmlBody)
	}
	from, _ := parleymail.FormatAddress("Alice", "support@example.com")
	data := []byte("%PDF-1.4 " + strings.Repeat("x", 200))
	raw, err := parleymail.Build(parleymail.Message{
		From: from, To: "zoe@visitor.test", Subject: "Files", MessageID: "m1@example.com", Text: text, HTML: htmlBody,
		Attachments: []parleymail.Attachment{
			{Filename: "invoice.pdf", ContentType: "application/pdf", Data: data},
			{Filename: "Zoë \"q\"\r\nBcc: x@evil.test.txt", ContentType: "text/plain\r\nX-Evil: 1", Data: []byte("hi")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "\r\nBcc:") || strings.Contains(string(raw), "\r\nX-Evil") {
		t.Fatalf("a file's name or type broke into the headers:\n%s", raw)
	}
	in, err := parleymail.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []parleymail.Attachment{
		{Filename: "invoice.pdf", ContentType: "application/pdf", Data: data},
		{Filename: "Zoë \"q\"__Bcc: x@evil.test.txt", ContentType: "application/octet-stream", Data: []byte("hi")},
	}
	if diff := cmp.Diff(want, in.Attachments); diff != "" {
		t.Errorf("attachments parsed back (-want +got):\n%s", diff)
	}
	if !strings.Contains(in.Text, "Here you are.") {
		t.Errorf("text part lost: %q", in.Text)
	}
}

// eml joins header and body lines with CRLF.
func eml(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }

// TestParseKeepsDamagedBodies: a body whose transfer encoding is damaged
// (text a relay appended to base64, padding missing, stray characters, a
// part cut short) keeps what decodes instead of losing the whole text.
func TestParseKeepsDamagedBodies(t *testing.T) {
	const text = "The label on the parcel is torn, order 4711."
	b64 := base64.StdEncoding.EncodeToString([]byte(text)) // ends with "="
	head := []string{"From: ada@visitor.test", "Subject: x", "Content-Type: text/plain; charset=utf-8"}
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"base64 and a footer a relay appended", eml(append(head, "Content-Transfer-Encoding: base64", "", b64[:40], b64[40:], "", "-- ", "Scanned by MailGuard", "")...), text},
		{"base64 without its padding", eml(append(head, "Content-Transfer-Encoding: base64", "", strings.TrimRight(b64, "="), "")...), text},
		{"base64 cut short", eml(append(head, "Content-Transfer-Encoding: base64", "", b64[:len(b64)-2], "")...), strings.TrimSuffix(text, ".")},
		{"base64 with stray characters", eml(append(head, "Content-Transfer-Encoding: base64", "", " "+b64[:20]+"!*\t"+b64[20:]+" ", "")...), text},
		{"quoted-printable with a bare =", eml(append(head, "Content-Transfer-Encoding: quoted-printable", "", "a=b, 50=% off, order 4711", "")...), "a=b, 50=% off, order 4711"},
		{"a multipart cut short", eml("From: ada@visitor.test", "Subject: x", `Content-Type: multipart/mixed; boundary="B"`, "",
			"--B", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", b64), text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := parleymail.Parse(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(in.Text); got != tt.want {
				t.Errorf("Text = %q, want %q", got, tt.want)
			}
		})
	}
	// A file cut short is left out rather than stored as if whole.
	in, err := parleymail.Parse(eml("From: ada@visitor.test", "Subject: x", `Content-Type: multipart/mixed; boundary="B"`, "",
		"--B", "Content-Type: text/plain", "", "See the file.",
		"--B", `Content-Type: application/pdf; name="a.pdf"`, "Content-Transfer-Encoding: base64", "", "JVBERi0xLjQK"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Text != "See the file." || len(in.Attachments) != 0 {
		t.Errorf("Text %q, %d attachments; want the text and no file", in.Text, len(in.Attachments))
	}
}

// TestParseJoinsInlineTextParts: text written around an inline image
// (Apple Mail sends text, image, text) is read whole, in order; the parts
// of one multipart/alternative are the same text, so only the first of
// each type counts, and a text file stays a file.
func TestParseJoinsInlineTextParts(t *testing.T) {
	png := base64.StdEncoding.EncodeToString([]byte("PNGDATA"))
	image := []string{"--B", `Content-Type: image/png; name="shot.png"`, `Content-Disposition: inline; filename="shot.png"`, "Content-Transfer-Encoding: base64", "", png, ""}
	tests := []struct {
		name       string
		parts      [][]string
		text, html string
		files      int
	}{
		{"text, image, text", [][]string{
			{"--B", "Content-Type: text/plain; charset=us-ascii", "", "Here is the screenshot:", ""},
			image,
			{"--B", "Content-Type: text/plain; charset=us-ascii", "", "My order number is 4711.", ""},
		}, "Here is the screenshot:\n\nMy order number is 4711.", "", 1},
		{"alternatives around an image", [][]string{
			{"--B", `Content-Type: multipart/alternative; boundary="A1"`, "", "--A1", "Content-Type: text/plain", "", "Before.", "--A1", "Content-Type: text/html", "", "<p>Before.</p>", "--A1--", ""},
			image,
			{"--B", `Content-Type: multipart/alternative; boundary="A2"`, "", "--A2", "Content-Type: text/plain", "", "After.", "--A2", "Content-Type: text/html", "", "<p>After.</p>", "--A2--", ""},
		}, "Before.\n\nAfter.", "<p>Before.</p>\n<br>\n<p>After.</p>", 1},
		{"one alternative's text twice", [][]string{
			{"--B", `Content-Type: multipart/alternative; boundary="A"`, "", "--A", "Content-Type: text/plain", "", "Hello.", "--A", "Content-Type: text/plain; format=flowed", "", "Hello.", "--A--", ""},
		}, "Hello.", "", 0},
		{"a text file", [][]string{
			{"--B", "Content-Type: text/plain", "", "See the notes.", ""},
			{"--B", "Content-Type: text/plain", `Content-Disposition: attachment; filename="notes.txt"`, "", "secret notes", ""},
		}, "See the notes.", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := []string{"From: ada@visitor.test", "Subject: Re: order", `Content-Type: multipart/mixed; boundary="B"`, ""}
			for _, p := range tt.parts {
				lines = append(lines, p...)
			}
			in, err := parleymail.Parse(eml(append(lines, "--B--", "")...))
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(in.Text) != tt.text || strings.TrimSpace(in.HTML) != tt.html || len(in.Attachments) != tt.files {
				t.Errorf("Text %q, HTML %q, %d files; want %q, %q, %d", in.Text, in.HTML, len(in.Attachments), tt.text, tt.html, tt.files)
			}
		})
	}
	html := "<p>Here is the screenshot:</p>\n<br>\n<p>My order number is 4711.</p>"
	if got := parleymail.ExtractReply("", html).Text; got != "Here is the screenshot:\n\nMy order number is 4711." {
		t.Errorf("the joined HTML reads as %q", got)
	}
}

// TestParseKeepsOnlyMessageIDsBuildWrites: ids Build would refuse (no "@",
// longer than 250 bytes) are dropped when a mail is read, so a stored id
// can always thread a later email.
func TestParseKeepsOnlyMessageIDsBuildWrites(t *testing.T) {
	long := strings.Repeat("a", 250) + "@example.com"
	raw := eml("From: ada@visitor.test", "Subject: x",
		"Message-ID: <20260121194200.GA1234>",
		"In-Reply-To: <"+long+">",
		"References: <m0@example.com> <no-at-sign> <"+long+"> <m1@example.com>", "", "hello")
	in, err := parleymail.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		MessageID, InReplyTo string
		References           []string
	}{in.MessageID, in.InReplyTo, in.References}
	want := got
	want.MessageID, want.InReplyTo, want.References = "", "", []string{"m0@example.com", "m1@example.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	for _, id := range append(in.References, "a@b", strings.Repeat("a", 248)+"@b") {
		if !parleymail.ValidMessageID(id) {
			t.Errorf("ValidMessageID(%q) = false", id)
		}
		if _, err := parleymail.Build(parleymail.Message{From: "a@example.com", To: "b@example.com", Subject: "x", MessageID: "m@example.com",
			InReplyTo: id, References: []string{id}, Text: "t", HTML: "t"}); err != nil {
			t.Errorf("Build with the parsed id %q: %v", id, err)
		}
	}
	for _, id := range []string{"", "no-at-sign", long, "a b@c", "a<b>@c", "zoë@example.com", "a@b\r\nBcc: c@d"} {
		if parleymail.ValidMessageID(id) {
			t.Errorf("ValidMessageID(%q) = true", id)
		}
	}
}

// TestParseReadsTheSenderOfAnOddFromHeader: a From header net/mail refuses
// for its display name alone still gives the sender's address, so the mail
// is not lost; one that could name another sender is still refused.
func TestParseReadsTheSenderOfAnOddFromHeader(t *testing.T) {
	tests := []struct{ from, addr, name string }{
		{"Ada Lovelace <Ada@Example.com>", "ada@example.com", "Ada Lovelace"},
		{"=?unicode-1-1-utf-7?Q?Ada?= <ada@example.com>", "ada@example.com", "=?unicode-1-1-utf-7?Q?Ada?="},
		{"=?x-unknown?B?QWRh?= =?utf-8?Q?_Lovelace?= <ada@example.com>", "ada@example.com", "=?x-unknown?B?QWRh?= Lovelace"},
		{"ada@example.com <ada@example.com>", "ada@example.com", ""},
		{"Ada Lovelace [Company] <ada@example.com>", "ada@example.com", "Ada Lovelace [Company]"},
		{"Ada: Sales <ada@example.com>", "ada@example.com", "Ada: Sales"},
		{`"Ada \"the\" Countess" [x] <ada@example.com>`, "ada@example.com", `"Ada \"the\" Countess" [x]`},
		{`"Ada [Sales]\\" <ada@example.com> (Ada)`, "ada@example.com", `Ada [Sales]\`},
		{`"=?x-unknown?Q?Ada?= \"Sales\"" <ada@example.com>`, "ada@example.com", `=?x-unknown?Q?Ada?= "Sales"`},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			in, err := parleymail.Parse(eml("From: "+tt.from, "Subject: hi", "", "body"))
			if err != nil {
				t.Fatal(err)
			}
			if in.From != tt.addr || in.FromName != tt.name {
				t.Errorf("From %q, name %q; want %q, %q", in.From, in.FromName, tt.addr, tt.name)
			}
		})
	}
	for _, from := range []string{
		"",
		"ada@example.com <eve@evil.test>",
		"Ada: ada@example.com, <eve@evil.test>",
		"<ada@example.com>, <eve@evil.test>",
		"=?x-unknown?Q?Ada?= <eve@evil.test> ada@example.com",
		"=?x-unknown?Q?Ada?= <not an address>",
		"=?x-unknown?Q?Ada?=",
	} {
		if in, err := parleymail.Parse(eml("From: "+from, "Subject: hi", "", "body")); !errors.Is(err, parleymail.ErrInvalid) {
			t.Errorf("From: %s read as %+v, %v; want it refused", from, in, err)
		}
	}
	// The other words of a header still decode around one that does not.
	const subject = "=?x-unknown?Q?a?= =?utf-8?Q?Zo=C3=AB?=  =?utf-8?Q?_x?= tail =?utf-8?Q?=C3=A9?="
	if got := parleymail.DecodeHeader(subject); got != "=?x-unknown?Q?a?= Zoë x tail é" {
		t.Errorf("DecodeHeader(%q) = %q", subject, got)
	}
}

// TestSingleByteCharsetTables: every single-byte charset decodes all 256
// bytes as golang.org/x/text/encoding/charmap does, under each label.
func TestSingleByteCharsetTables(t *testing.T) {
	tables := []struct {
		labels []string
		cm     *charmap.Charmap
	}{
		{[]string{"ISO-8859-2", "iso8859-2", "ISO_8859-2", "latin2"}, charmap.ISO8859_2},
		{[]string{"iso-8859-3", "latin3"}, charmap.ISO8859_3},
		{[]string{"iso-8859-4", "latin4"}, charmap.ISO8859_4},
		{[]string{"iso-8859-5", "cyrillic"}, charmap.ISO8859_5},
		{[]string{"iso-8859-6", "arabic"}, charmap.ISO8859_6},
		{[]string{"iso-8859-7", "greek"}, charmap.ISO8859_7},
		{[]string{"iso-8859-8", "iso-8859-8-i", "hebrew"}, charmap.ISO8859_8},
		{[]string{"iso-8859-9", "latin5"}, charmap.ISO8859_9},
		{[]string{"iso-8859-10", "latin6"}, charmap.ISO8859_10},
		{[]string{"iso-8859-13", "latin7"}, charmap.ISO8859_13},
		{[]string{"iso-8859-14", "latin8"}, charmap.ISO8859_14},
		{[]string{"ISO-8859-15", "latin9"}, charmap.ISO8859_15},
		{[]string{"iso-8859-16", "latin10"}, charmap.ISO8859_16},
		{[]string{"windows-874", "tis-620", "iso-8859-11"}, charmap.Windows874},
		{[]string{"windows-1250", "cp1250", "x-cp1250"}, charmap.Windows1250},
		{[]string{"windows-1251", "cp1251", "x-cp1251"}, charmap.Windows1251},
		{[]string{"windows-1253", "cp1253"}, charmap.Windows1253},
		{[]string{"windows-1254", "cp1254"}, charmap.Windows1254},
		{[]string{"windows-1255", "cp1255"}, charmap.Windows1255},
		{[]string{"windows-1256", "cp1256"}, charmap.Windows1256},
		{[]string{"windows-1257", "cp1257"}, charmap.Windows1257},
		{[]string{"windows-1258", "cp1258"}, charmap.Windows1258},
		{[]string{"KOI8-R", "koi8"}, charmap.KOI8R},
		{[]string{"koi8-u", "koi8-ru"}, charmap.KOI8U},
		{[]string{"ibm866", "cp866"}, charmap.CodePage866},
		{[]string{"ibm437", "cp437"}, charmap.CodePage437},
		{[]string{"ibm850", "cp850"}, charmap.CodePage850},
		{[]string{"ibm852", "cp852"}, charmap.CodePage852},
		{[]string{"macintosh", "x-mac-roman"}, charmap.Macintosh},
		{[]string{"x-mac-cyrillic"}, charmap.MacintoshCyrillic},
	}
	var all [256]byte
	for i := range all {
		all[i] = byte(i)
	}
	for _, tt := range tables {
		want, err := tt.cm.NewDecoder().Bytes(all[:])
		if err != nil {
			t.Fatal(err)
		}
		for _, label := range tt.labels {
			word := "=?" + label + "?B?" + base64.StdEncoding.EncodeToString(all[:]) + "?="
			if got := parleymail.DecodeHeader(word); got != string(want) {
				t.Errorf("%s decodes to\n%q\nwant (%s)\n%q", label, got, tt.cm, want)
			}
		}
	}
}

// TestParseDecodesOtherCharsets: bodies, subjects and sender names in the
// single-byte charsets are decoded; a sender name in a charset that is
// not decoded (the multi-byte ones of Chinese, Japanese and Korean) is
// kept as written and the mail is read.
func TestParseDecodesOtherCharsets(t *testing.T) {
	// "Привет, спасибо" in Windows-1251.
	body := []byte{0xCF, 0xF0, 0xE8, 0xE2, 0xE5, 0xF2, 0x2C, 0x20, 0xF1, 0xEF, 0xE0, 0xF1, 0xE8, 0xE1, 0xEE}
	raw := append(eml("From: =?windows-1251?B?yOLg7Q==?= <ivan@example.ru>", "Subject: =?koi8-r?B?8NLJ18XU?=",
		"Content-Type: text/plain; charset=windows-1251", "Content-Transfer-Encoding: 8bit", "", ""), body...)
	in, err := parleymail.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]string{in.FromName, in.Subject, in.Text}; got != [3]string{"Иван", "Привет", "Привет, спасибо"} {
		t.Errorf("name, subject, text = %q", got)
	}
	tests := []struct{ from, name string }{
		{"=?iso-8859-2?Q?=A3ukasz?= <lukasz@example.pl>", "Łukasz"},
		{"=?iso-8859-15?Q?Ada_=A4?= <ada@example.com>", "Ada €"},
		{"=?iso-8859-1?Q?Ada_=A4?= <ada@example.com>", "Ada ¤"},
		{"=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <taro@example.jp>", "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?="},
		{"=?gb2312?B?1cU=?= <zhang@example.cn>", "=?gb2312?B?1cU=?="},
	}
	for _, tt := range tests {
		in, err := parleymail.Parse(eml("From: "+tt.from, "Subject: hi", "", "Hello."))
		if err != nil {
			t.Errorf("From: %s: %v", tt.from, err)
			continue
		}
		if in.FromName != tt.name {
			t.Errorf("From: %s: name %q, want %q", tt.from, in.FromName, tt.name)
		}
	}
}

// TestParseKeepsTheEndOfLongFileNames: a file name longer than 100
// characters keeps its last 100, with its extension.
func TestParseKeepsTheEndOfLongFileNames(t *testing.T) {
	name := strings.Repeat("請求書 ", 30) + "4711.pdf" // 128 characters
	raw := eml("From: ada@visitor.test", "Subject: x", `Content-Type: multipart/mixed; boundary="B"`, "",
		"--B", "Content-Type: text/plain", "", "See the file.",
		"--B", "Content-Type: application/pdf", mime.FormatMediaType("attachment", map[string]string{"filename": name}), "Content-Transfer-Encoding: base64", "", "JVBERi0xLjQK",
		"--B--", "")
	raw = []byte(strings.Replace(string(raw), "\r\nattachment;", "\r\nContent-Disposition: attachment;", 1))
	in, err := parleymail.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := string([]rune(name)[len([]rune(name))-100:])
	if len(in.Attachments) != 1 || in.Attachments[0].Filename != want {
		t.Fatalf("attachments %+v, want one named %q", in.Attachments, want)
	}
}

// TestBuildFoldsLongHeaders: long subjects, names and file names (CJK
// text is nine characters a character Q-encoded) are folded so that no
// line of the message is longer than 78 characters (RFC 5322 allows 998;
// SES refuses longer), and read back as written.
func TestBuildFoldsLongHeaders(t *testing.T) {
	subject := strings.Repeat("日本語の件名", 33) // 198 characters
	name := strings.Repeat("😀", 80)
	toName := strings.Repeat("山田", 20) + " · " + strings.Repeat("株式会社", 8) // 75 characters
	files := []string{
		strings.Repeat("請求書", 31) + ".pdf", // 97 characters
		strings.Repeat("invoice for order 4711 ", 4) + ".pdf",
		`Zoë "q" ` + strings.Repeat("x", 70) + ".txt",
		"short.pdf",
	}
	enc, err := parleymail.Subject(subject)
	if err != nil {
		t.Fatal(err)
	}
	from, err := parleymail.FormatAddress(name, "support@example.com")
	if err != nil {
		t.Fatal(err)
	}
	to, err := parleymail.FormatAddress(toName, "ada@visitor.test")
	if err != nil {
		t.Fatal(err)
	}
	m := parleymail.Message{From: from, To: to, Subject: enc, MessageID: "abc@example.com", Text: "t", HTML: "<p>t</p>"}
	for _, f := range files {
		m.Attachments = append(m.Attachments, parleymail.Attachment{Filename: f, ContentType: "application/pdf", Data: []byte("%PDF")})
	}
	raw, err := parleymail.Build(m)
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(raw), "\r\n") {
		if len(l) > 78 {
			t.Errorf("a line of %d characters: %s", len(l), l)
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	if got, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || got != subject {
		t.Errorf("subject reads back as %q (%v)", got, err)
	}
	for h, want := range map[string]string{"From": name, "To": toName} {
		if a, err := mail.ParseAddress(msg.Header.Get(h)); err != nil || a.Name != want {
			t.Errorf("%s reads back as %+v (%v), want the name %q", h, a, err, want)
		}
	}
	in, err := parleymail.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range in.Attachments {
		got = append(got, a.Filename)
	}
	if diff := cmp.Diff(files, got); diff != "" {
		t.Errorf("file names read back (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(raw), `filename=short.pdf`) {
		t.Error("a short file name is no longer written as a plain parameter")
	}
}
