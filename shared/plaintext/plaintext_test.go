package plaintext_test

import (
	"testing"

	"github.com/parleychat/parley/shared/plaintext"
)

// Text that must come through exactly: emoji with joiners, modifiers,
// flags and variation selectors; right-to-left scripts with their marks,
// embeddings and isolates; combining marks; CJK.
var kept = []string{
	"👩\u200d👩\u200d👧\u200d👦 family, 👍🏽 thumbs, 🇮🇹🇵🇱 flags, ❤\ufe0f heart",
	"שלום עולם \u200fמה שלומך?\u200f",
	"مرحبا بالعالم \u061c\u2067عربي\u2069 \u202bembedded\u202c \u202eoverride\u202c",
	"e\u0301 a\u0308 Zürich 東京 한국어 ภาษาไทย",
	"two\nlines\twith a tab",
	"",
}

func TestBodyKeepsText(t *testing.T) {
	for _, s := range kept {
		if got := plaintext.Body(s); got != s {
			t.Errorf("Body(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestBody(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"NUL", "a\x00b", "ab"},
		{"C0 controls", "a\x01\x07\x08\x0b\x0c\x1b[31mb\x1f", "a[31mb"},
		{"DEL and C1", "a\x7fb\u0080c\u009bd\u009fe", "abcde"},
		{"NEL", "a\u0085b", "a\nb"},
		{"line separator", "a\u2028b", "a\nb"},
		{"paragraph separator", "a\u2029b", "a\nb"},
		{"CR LF", "a\r\nb\r\n", "a\nb\n"},
		{"lone CR", "a\rb\r", "a\nb\n"},
		{"CR CR LF", "a\r\r\nb", "a\n\nb"},
		{"invalid UTF-8", "a\xffb\xc3", "a\ufffdb\ufffd"},
		{"mixed with emoji and RTL", "\x00👩\u200d👧\u2028שלום\u200f", "👩\u200d👧\nשלום\u200f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plaintext.Body(tt.in); got != tt.want {
				t.Errorf("Body(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := plaintext.Body(tt.want); again != tt.want {
				t.Errorf("Body is not idempotent: Body(%q) = %q", tt.want, again)
			}
		})
	}
}

func TestLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Ada Lovelace", "Ada Lovelace"},
		{"breaks become spaces", "Ada\nLovelace\u2028the\u0085first\ttoo", "Ada Lovelace the first too"},
		{"runs collapse, ends trimmed", "  Ada \r\n\t Lovelace  ", "Ada Lovelace"},
		{"controls dropped", "A\x00d\x1ba", "Ada"},
		{"no-break space kept", "Jean\u00a0Paul", "Jean\u00a0Paul"},
		{"RTL with marks", " \u200fעדה\u200f ", "\u200fעדה\u200f"},
		{"emoji", "Ada 👩\u200d💻", "Ada 👩\u200d💻"},
		{"only controls", "\x00\n\u2028", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plaintext.Line(tt.in); got != tt.want {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// A text that needs no change costs no allocation: every message passes
// through Body.
func TestBodyCleanAllocatesNothing(t *testing.T) {
	s := kept[0] + kept[1] + kept[3]
	if n := testing.AllocsPerRun(100, func() { _ = plaintext.Body(s) }); n != 0 {
		t.Errorf("Body of clean text: %v allocations, want 0", n)
	}
}

func FuzzBody(f *testing.F) {
	for _, s := range append(kept, "a\x00\r\n\u2028\u0085\xff") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := plaintext.Body(s)
		if plaintext.Body(b) != b {
			t.Errorf("Body not idempotent on %q", s)
		}
		for _, r := range b {
			if r == '\r' || r == 0 || r == '\u2028' || r == '\u0085' || (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
				t.Errorf("Body(%q) = %q keeps %U", s, b, r)
			}
		}
		l := plaintext.Line(s)
		if plaintext.Line(l) != l {
			t.Errorf("Line not idempotent on %q", s)
		}
	})
}
