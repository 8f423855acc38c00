package search

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Range is a highlighted span of a text, from Start up to End, in UTF-16
// code units: the indices of a JavaScript string, so the inbox slices the
// text and renders each piece as text. Nothing here is HTML.
type Range struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Snippet is a short excerpt of a message with the query's terms marked.
type Snippet struct {
	Text       string  `json:"text"`
	Highlights []Range `json:"highlights,omitempty"`
}

// SnippetRunes is the length of a snippet's excerpt, in characters,
// without the ellipses that show it was cut.
const SnippetRunes = 160

const ellipsis = "…"

// span is a range of a text in bytes.
type span struct{ start, end int }

// Snippet returns the part of body, at most SnippetRunes characters, that
// holds the most distinct terms of the query (the earliest such part),
// with every match marked. White space is collapsed to single spaces. A
// body with no match gives its beginning.
func (q Query) Snippet(body string) Snippet {
	terms := make(map[string]bool)
	for _, t := range q.Terms() {
		terms[t] = true
	}
	type match struct {
		span
		term string
	}
	var matches []match
	scan(body, func(c *chunk) {
		c.messageTokens(func(t token) {
			if terms[t.term] {
				matches = append(matches, match{span{t.start, t.end}, t.term})
			}
		})
	})
	slices.SortStableFunc(matches, func(a, b match) int { return cmp.Compare(a.start, b.start) })

	// The window starts a quarter of its width before the match that
	// begins the richest stretch.
	lead := SnippetRunes / 4
	anchor, best := 0, 0
	for i := range matches {
		if i >= 64 {
			break // enough: a long body with many matches shows one of them
		}
		limit := forward(body, matches[i].start, SnippetRunes-lead)
		distinct := make(map[string]bool)
		for _, m := range matches[i:] {
			if m.end > limit {
				break
			}
			distinct[m.term] = true
		}
		if len(distinct) > best {
			anchor, best = matches[i].start, len(distinct)
		}
	}
	start := backward(body, anchor, lead)
	end := forward(body, start, SnippetRunes)
	if end == len(body) {
		start = backward(body, end, SnippetRunes)
	}
	// Don't start or end in the middle of a word when a space is near.
	if start > 0 && !isSpaceBefore(body, start) {
		if i := strings.IndexFunc(body[start:anchor], unicode.IsSpace); i >= 0 {
			start += i
		}
	}
	if end < len(body) && !isSpaceAt(body, end) {
		if i := strings.LastIndexFunc(body[anchor:end], unicode.IsSpace); i > 0 {
			end = anchor + i
		}
	}

	var spans []span
	for _, m := range matches {
		if m.start < end && m.end > start {
			spans = append(spans, span{max(m.start, start), min(m.end, end)})
		}
	}
	return excerpt(body, start, end, spans)
}

// excerpt writes body[start:end] with white space collapsed, ellipses
// where it was cut, and spans (in body) moved into the result.
func excerpt(body string, start, end int, spans []span) Snippet {
	var b strings.Builder
	if start > 0 {
		b.WriteString(ellipsis)
	}
	// pos is the result offset of each body offset in the window; text
	// says a character was written, space that white space is owed
	// before the next one.
	pos := make([]int, end-start+1)
	text, space := false, false
	for i := start; i < end; {
		r, w := utf8.DecodeRuneInString(body[i:])
		if unicode.IsSpace(r) {
			pos[i-start] = b.Len()
			space = text
		} else {
			if space {
				b.WriteByte(' ')
				space = false
			}
			pos[i-start] = b.Len()
			b.WriteRune(r) // invalid UTF-8 becomes U+FFFD
			text = true
		}
		for j := i + 1; j < i+w; j++ {
			pos[j-start] = b.Len()
		}
		i += w
	}
	pos[end-start] = b.Len()
	if end < len(body) {
		b.WriteString(ellipsis)
	}
	moved := make([]span, 0, len(spans))
	for _, s := range spans {
		moved = append(moved, span{pos[s.start-start], pos[s.end-start]})
	}
	out := b.String()
	return Snippet{Text: out, Highlights: utf16Ranges(out, moved)}
}

// Mark returns where the query's words start a name or email token of
// field (a contact's name or address), for the inbox to highlight: the
// typed prefix only, so "mül" marks "Mül" of "Müller".
func (q Query) Mark(field string) []Range {
	var spans []span
	scan(field, func(c *chunk) {
		c.contactTokens(func(t token) {
			for _, w := range q.Words {
				if strings.HasPrefix(t.term, w.Prefix) {
					spans = append(spans, span{t.start, prefixEnd(field, t, utf8.RuneCountInString(w.Prefix))})
				}
			}
		})
	})
	return utf16Ranges(field, spans)
}

// prefixEnd is where in the text the first n folded characters of token t
// end, with the combining marks that follow them. Apostrophes are not in
// contact tokens, so they count for nothing.
func prefixEnd(text string, t token, n int) int {
	var fold []byte
	folded := 0
	for i := t.start; i < t.end; {
		r, w := utf8.DecodeRuneInString(text[i:])
		fold = appendFold(fold[:0], r)
		if folded >= n && len(fold) > 0 {
			return i
		}
		for _, f := range string(fold) {
			if k := connector(f); k != '\'' && (k != 0 || isWordRune(f)) {
				folded++
			}
		}
		i += w
	}
	return t.end
}

// utf16Ranges sorts and merges spans of text and converts them to UTF-16
// offsets.
func utf16Ranges(text string, spans []span) []Range {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	merged := spans[:1]
	for _, s := range spans[1:] {
		if last := &merged[len(merged)-1]; s.start <= last.end {
			last.end = max(last.end, s.end)
		} else {
			merged = append(merged, s)
		}
	}
	var out []Range
	units, next := 0, 0 // UTF-16 units before byte offset next
	at := func(offset int) int {
		for next < offset {
			r, w := utf8.DecodeRuneInString(text[next:])
			units += utf16.RuneLen(r)
			next += w
		}
		return units
	}
	for _, s := range merged {
		if s.end > s.start {
			out = append(out, Range{Start: at(s.start), End: at(s.end)})
		}
	}
	return out
}

// forward returns the offset n runes after i (or the end of s).
func forward(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return i
}

// backward returns the offset n runes before i (or 0).
func backward(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, w := utf8.DecodeLastRuneInString(s[:i])
		i -= w
	}
	return i
}

func isSpaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func isSpaceBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r)
}
