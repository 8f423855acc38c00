// Package search is the pure core of the inbox search: how text is folded
// and cut into terms, which index entries a message or a contact card
// produces, how a query is read, how posting lists are intersected and
// merged newest first, and which part of a message is shown with its
// matches marked. It imports no AWS package: the store reads and writes the
// entries it describes. The design and its arithmetic are in
// docs/search.md.
package search

import "errors"

// ErrInvalid is what every refusal of this package is (errors.Is); the
// text after it is safe to show to the agent.
var ErrInvalid = errors.New("invalid search")

// Limits that keep every index write and every query bounded.
const (
	// MaxTermRunes cuts longer terms, in documents and queries alike, so
	// a key stays small and a pasted token still matches itself.
	MaxTermRunes = 40
	// MaxTerms is the number of distinct terms indexed per message (the
	// first ones in the text): a 5,000-character email costs at most this
	// many posting writes.
	MaxTerms = 200
	// MaxPrefixRunes is the longest name or email prefix indexed; a longer
	// query word is looked up by its first MaxPrefixRunes characters.
	MaxPrefixRunes = 24
	// MaxContactLists bounds the prefix entries of one contact card.
	MaxContactLists = 128
	// MaxQueryRunes and MaxWords bound what an agent may type.
	MaxQueryRunes = 200
	MaxWords      = 8
	// MaxLimit is the largest page of results.
	MaxLimit = 50
)
