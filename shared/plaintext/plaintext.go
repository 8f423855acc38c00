// Package plaintext normalises the text people send (message bodies,
// names) where it enters the system, so what is stored and shown carries
// no invisible control characters and one kind of line break.
//
// Body keeps tabs and line breaks: CR LF and a lone CR become LF, and so do
// NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029),
// which JavaScript and some renderers treat as line ends while others do
// not. Every other C0 control (NUL included), DEL and every C1 control are
// dropped. Invalid UTF-8 becomes U+FFFD. Everything else is kept as it
// came: emoji and their joiners (U+200D) and variation selectors, letters
// of every script, and the bidirectional marks and isolates right-to-left
// text needs.
//
// Line is Body for one-line text (names): line breaks and tabs become
// spaces, runs of spaces become one, and the ends are trimmed.
package plaintext

import (
	"strings"
	"unicode/utf8"
)

// Body returns s normalised for a multi-line text. Text that needs no
// change is returned as it is, without a copy.
func Body(s string) string {
	if clean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case dropped(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Line returns s normalised for a one-line text.
func Line(s string) string {
	s = Body(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == '\n' || r == '\t' || r == ' ' {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dropped reports the controls Body removes: C0 but tab and line feed,
// DEL, and C1.
func dropped(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7f && r <= 0x9f)
}

// clean reports whether Body would return s unchanged: valid UTF-8 with no
// control but tab and line feed, and no NEL, LS or PS. It is the path
// almost every message takes, so it reads bytes and allocates nothing.
func clean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r <= 0x9f || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += n
	}
	return true
}
