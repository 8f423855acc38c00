package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text is cut into chunks, with no knowledge of any language:
//
//   - a part is a run of letters and digits (after folding; combining
//     marks stay inside the word they follow);
//   - parts joined by single connectors (. @ - _ + and apostrophes) make
//     one chunk, so "jane.doe@example.com", "O'Brien" and "e-mail" each
//     stay together, and a full stop at the end of a sentence does not;
//   - Chinese and Japanese characters, written without spaces, make
//     chunks of their own, one part per character.
//
// Terms, query words and contact tokens are all made from chunks, so a
// document and a query are always cut the same way.

// part is a run of letters and digits, or one CJK character.
type part struct {
	start, end int    // byte offsets in the text, marks included
	term       string // folded
	runes      int    // runes in term
}

// chunk is parts joined by connectors: seps[i] joins parts[i] and
// parts[i+1]; every kind of apostrophe is kept as the ASCII one. A CJK
// chunk has no seps.
type chunk struct {
	parts []part
	seps  []rune
	cjk   bool
}

func connector(r rune) rune {
	switch r {
	case '.', '@', '-', '_', '+':
		return r
	case '\'', '’', 'ʼ':
		return '\''
	}
	return 0
}

func isCJK(r rune) bool {
	return r >= 0x2e80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// scan calls yield with every chunk of text in order. The chunk is reused
// after yield returns.
func scan(text string, yield func(*chunk)) {
	var (
		c          chunk
		cur, fold  []byte
		open       bool // the last character belonged to a part not yet closed
		start, end int
		sep        rune // a connector right after the last part
	)
	closePart := func() {
		if open {
			c.parts = append(c.parts, part{start: start, end: end, term: string(cur), runes: utf8.RuneCount(cur)})
			open = false
		}
	}
	flush := func() {
		closePart()
		if len(c.parts) > 0 {
			yield(&c)
		}
		c = chunk{parts: c.parts[:0], seps: c.seps[:0]}
		sep = 0
	}
	for i, w := 0, 0; i < len(text); i += w {
		var r rune
		r, w = utf8.DecodeRuneInString(text[i:])
		fold = appendFold(fold[:0], r)
		if len(fold) == 0 { // a combining mark belongs to the word before it
			switch {
			case open:
				end = i + w
			case c.cjk:
				c.parts[len(c.parts)-1].end = i + w
			}
			continue
		}
		// What the text is cut by is its folded form, so that cutting a
		// folded term again gives the term back; offsets stay the text's.
		for _, f := range string(fold) {
			switch k := connector(f); {
			case k != 0:
				if !open {
					flush()
					continue
				}
				closePart()
				sep = k
			case !isWordRune(f):
				flush()
			case isCJK(f):
				if !c.cjk {
					flush()
					c.cjk = true
				}
				c.parts = append(c.parts, part{start: i, end: i + w, term: string(f), runes: 1})
			case open:
				cur = utf8.AppendRune(cur, f)
				end = i + w
			default:
				if sep != 0 {
					c.seps = append(c.seps, sep)
					sep = 0
				} else {
					flush()
				}
				open, start, end = true, i, i+w
				cur = utf8.AppendRune(cur[:0], f)
			}
		}
	}
	flush()
}

// token is a term and where it is in the text, in bytes.
type token struct {
	term       string
	start, end int
}

// cut shortens a term to limit runes.
func cut(term string, limit int) string {
	if len(term) <= limit { // bytes >= runes
		return term
	}
	n := 0
	for i := range term {
		if n == limit {
			return term[:i]
		}
		n++
	}
	return term
}

// join writes parts[from:to] with the connectors between them; without
// apostrophes when keep is false ("o'brien" is "obrien"). CJK characters
// are written side by side.
func (c *chunk) join(from, to int, keep bool) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		if i > from && !c.cjk && (keep || c.seps[i-1] != '\'') {
			b.WriteRune(c.seps[i-1])
		}
		b.WriteString(c.parts[i].term)
	}
	return b.String()
}

// email tells whether the chunk is an email address (has an '@').
func (c *chunk) email() bool { return slices.Contains(c.seps, '@') }

// domain is the part of an email chunk after its last '@', when it has a
// dot: the index of its first part, or -1.
func (c *chunk) domain() int {
	last := -1
	for i, s := range c.seps {
		if s == '@' {
			last = i
		}
	}
	if last < 0 {
		return -1
	}
	for _, s := range c.seps[last+1:] {
		if s == '.' {
			return last + 1
		}
	}
	return -1
}

// messageTokens are the terms a chunk of a message is found by:
//   - every part of two characters or more (single letters and digits
//     find everything and mean nothing);
//   - parts joined by apostrophes, written without them ("obrien",
//     "aujourdhui", "dont"), beside the parts themselves;
//   - in an email address, the whole address and its domain;
//   - in CJK text, every pair of neighbouring characters (a word of
//     several characters is found by its pairs), or the character alone.
func (c *chunk) messageTokens(emit func(token)) {
	p := c.parts
	if c.cjk {
		if len(p) == 1 {
			emit(token{p[0].term, p[0].start, p[0].end})
		}
		for i := 0; i+1 < len(p); i++ {
			emit(token{p[i].term + p[i+1].term, p[i].start, p[i+1].end})
		}
		return
	}
	for _, q := range p {
		if q.runes >= 2 {
			emit(token{cut(q.term, MaxTermRunes), q.start, q.end})
		}
	}
	for i := 0; i < len(c.seps); {
		if c.seps[i] != '\'' {
			i++
			continue
		}
		j := i
		for j < len(c.seps) && c.seps[j] == '\'' {
			j++
		}
		emit(token{cut(c.join(i, j+1, false), MaxTermRunes), p[i].start, p[j].end})
		i = j
	}
	if c.email() {
		emit(token{cut(c.join(0, len(p), true), MaxTermRunes), p[0].start, p[len(p)-1].end})
		if d := c.domain(); d >= 0 {
			emit(token{cut(c.join(d, len(p), true), MaxTermRunes), p[d].start, p[len(p)-1].end})
		}
	}
}

// contactTokens are the tokens of a name or an email address that a
// prefix finds: every part, the whole chunk without apostrophes
// ("jean-luc", "obrien", "jane.doe@example.com"), apostrophe-joined parts,
// an email's domain, and a CJK run as one token.
func (c *chunk) contactTokens(emit func(token)) {
	p := c.parts
	last := len(p) - 1
	if c.cjk {
		emit(token{c.join(0, len(p), false), p[0].start, p[last].end})
		return
	}
	for _, q := range p {
		emit(token{q.term, q.start, q.end})
	}
	if len(p) > 1 {
		emit(token{c.join(0, len(p), false), p[0].start, p[last].end})
	}
	for i := 0; i < len(c.seps); {
		if c.seps[i] != '\'' {
			i++
			continue
		}
		j := i
		for j < len(c.seps) && c.seps[j] == '\'' {
			j++
		}
		emit(token{c.join(i, j+1, false), p[i].start, p[j].end})
		i = j
	}
	if d := c.domain(); d >= 0 {
		emit(token{c.join(d, len(p), false), p[d].start, p[last].end})
	}
}

// Terms returns the distinct terms a message's text is indexed by, in the
// order they first appear, at most MaxTerms.
func Terms(text string) []string {
	var out []string
	seen := make(map[string]bool)
	scan(text, func(c *chunk) {
		c.messageTokens(func(t token) {
			if len(out) < MaxTerms && !seen[t.term] {
				seen[t.term] = true
				out = append(out, t.term)
			}
		})
	})
	return out
}
