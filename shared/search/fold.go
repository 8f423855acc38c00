package search

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// spelled are lower-case letters that have no decomposition but that
// readers (and keyboards without them) take for a Latin letter with a mark,
// or for two letters: "Straße" is found by "strasse", "Łódź" by "lodz".
var spelled = map[rune]string{
	'ß': "ss", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th",
	'æ': "ae", 'œ': "oe", 'ħ': "h", 'ŧ': "t",
}

// Fold returns s as the index compares text: every character in its
// compatibility decomposition (NFKD: "ﬁ" is "fi", full-width "Ａ" is "A")
// without combining marks (so "é" is "e"), case-folded, and with the
// letters of spelled written out. Turkish dotted and dotless i both fold
// to "i". Folding works character by character, so the fold of a text is
// the concatenation of the folds of its characters.
func Fold(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		out = appendFold(out, r)
	}
	return string(out)
}

// appendFold appends the fold of r to dst.
func appendFold(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFKD.Properties(buf[:n]).Decomposition()
	if d == nil {
		return appendFolded(dst, r)
	}
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		d = d[size:]
		dst = appendFolded(dst, c)
	}
	return dst
}

// appendFolded appends r, already decomposed, without marks and case.
// ToLower(ToUpper(r)) folds what lower-casing alone keeps apart: final
// sigma, long s, dotless i.
func appendFolded(dst []byte, r rune) []byte {
	if unicode.Is(unicode.Mn, r) {
		return dst
	}
	r = unicode.ToLower(unicode.ToUpper(r))
	if s, ok := spelled[r]; ok {
		return append(dst, s...)
	}
	return utf8.AppendRune(dst, r)
}
