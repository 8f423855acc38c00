package search

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Query is what an agent typed, read once. Every word must match within
// one document: a conversation's contact card, where each word is the
// start of a name or email token ("jan do" finds Jane Doe), or one message
// or note, where each word is a whole term in any order ("refund order"
// finds "Order 1234: please refund"). Quotes and other punctuation only
// separate words; there are no phrases or operators.
type Query struct {
	Words []Word
}

// Word is one word of a query as each kind of document matches it.
type Word struct {
	// Prefix is matched against the start of contact tokens.
	Prefix string
	// Terms must all be in a message. Empty for a word too short to find
	// a message by (one letter): it then narrows contacts only.
	Terms []string
}

// ParseQuery reads a query. It refuses invalid UTF-8, more than
// MaxQueryRunes characters, more than MaxWords words and a query with no
// letter or digit.
func ParseQuery(s string) (Query, error) {
	switch {
	case !utf8.ValidString(s):
		return Query{}, fmt.Errorf("%w: the query is not UTF-8 text", ErrInvalid)
	case utf8.RuneCountInString(s) > MaxQueryRunes:
		return Query{}, fmt.Errorf("%w: the query is longer than %d characters", ErrInvalid, MaxQueryRunes)
	}
	var q Query
	seen := make(map[string]bool)
	scan(s, func(c *chunk) {
		w := Word{Prefix: cut(c.join(0, len(c.parts), false), MaxPrefixRunes)}
		if c.email() {
			// An address is looked up whole; its parts add nothing.
			w.Terms = []string{cut(c.join(0, len(c.parts), true), MaxTermRunes)}
		} else {
			c.messageTokens(func(t token) { w.Terms = appendNew(w.Terms, t.term) })
		}
		if key := w.Prefix + "\x00" + strings.Join(w.Terms, "\x00"); !seen[key] {
			seen[key] = true
			q.Words = append(q.Words, w)
		}
	})
	switch {
	case len(q.Words) == 0:
		return Query{}, fmt.Errorf("%w: the query has no letters or digits", ErrInvalid)
	case len(q.Words) > MaxWords:
		return Query{}, fmt.Errorf("%w: the query has more than %d words", ErrInvalid, MaxWords)
	}
	return q, nil
}

// Terms returns the distinct message terms of the query; empty when no
// word is long enough to find a message by.
func (q Query) Terms() []string {
	var out []string
	for _, w := range q.Words {
		for _, t := range w.Terms {
			out = appendNew(out, t)
		}
	}
	return out
}

// Prefixes returns the contact prefixes of the query.
func (q Query) Prefixes() []string {
	out := make([]string, len(q.Words))
	for i, w := range q.Words {
		out[i] = w.Prefix
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}
