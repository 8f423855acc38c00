package search_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/search"
)

var textSeeds = []string{
	"Hello, my order 1234 has not arrived",
	"Müller Mu\u0308ller STRAẞE Łódź Işık İstanbul Ελληνικός ﬁle Ｐａｒｌｅｙ ①",
	"write to Jane.Doe@Example.com. or <ops@acme.io>, https://shop.example.com/o/1",
	"O'Brien aujourd’hui don't ʼok a..b end--start -lead trail- @x y@ .",
	"東京都に住んでいます iPhone買った ｶﾞｷﾞ 안녕하세요 ㍿",
	"caf\xe9 ok\xffyes \u0301lead 東\u3099",
	strings.Repeat("a.", 100) + "@" + strings.Repeat("b", 50) + ".com",
	"½ ⅻ ǅ ﹫ ＠ ．",
}

// FuzzTerms: whatever a visitor writes, folding is stable, the terms are
// small folded keys, and every word of the text, typed as a query, finds
// the text: as a message by its terms, and as a contact by its prefixes.
func FuzzTerms(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if folded := search.Fold(s); search.Fold(folded) != folded {
			t.Fatalf("Fold is not stable: %q -> %q -> %q", s, folded, search.Fold(folded))
		}
		terms := search.Terms(s)
		if len(terms) > search.MaxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for i, term := range terms {
			switch {
			case term == "" || !utf8.ValidString(term) || utf8.RuneCountInString(term) > search.MaxTermRunes:
				t.Fatalf("term %q: empty, invalid or too long", term)
			case strings.ContainsAny(term, "# \t\n"):
				t.Fatalf("term %q holds a separator", term)
			case search.Fold(term) != term:
				t.Fatalf("term %q is not folded", term)
			case slices.Contains(terms[:i], term):
				t.Fatalf("term %q twice", term)
			}
		}
		contact, err := search.ContactEntries(search.Contact{InboxID: "i", ConversationID: "c", CreatedAt: time.Unix(1, 0), Name: s})
		if err != nil {
			t.Fatal(err)
		}
		for _, word := range strings.Fields(s) {
			q, err := search.ParseQuery(word)
			if err != nil {
				if !errors.Is(err, search.ErrInvalid) {
					t.Fatalf("ParseQuery(%q): %v", word, err)
				}
				continue
			}
			if len(terms) < search.MaxTerms {
				for _, term := range q.Terms() {
					if !slices.Contains(terms, term) {
						t.Fatalf("the word %q of %q looks for %q; the text has %q", word, s, term, terms)
					}
				}
			}
			if len(contact.Lists) < search.MaxContactLists {
				for _, p := range q.Prefixes() {
					if !slices.Contains(contact.Lists, search.NameList("i", p)) {
						t.Fatalf("the word %q of the name %q looks for the prefix %q; the name has %q", word, s, p, contact.Lists)
					}
				}
			}
		}
	})
}

// FuzzSnippet: any query over any body gives a short, valid text whose
// highlights are ordered, separate and inside it; the same for a contact
// field.
func FuzzSnippet(f *testing.F) {
	for _, s := range textSeeds {
		f.Add("order müller jane.doe@example.com 東京", s)
	}
	f.Add("a", strings.Repeat("a ", 3000))
	f.Fuzz(func(t *testing.T, query, body string) {
		q, err := search.ParseQuery(query)
		if err != nil {
			return
		}
		s := q.Snippet(body)
		if !utf8.ValidString(s.Text) {
			t.Fatalf("snippet %q is not UTF-8", s.Text)
		}
		if n := utf8.RuneCountInString(strings.TrimSuffix(strings.TrimPrefix(s.Text, "…"), "…")); n > search.SnippetRunes {
			t.Fatalf("snippet of %d characters", n)
		}
		checkRanges(t, s.Text, s.Highlights)
		checkRanges(t, body, q.Mark(body))
	})
}

func checkRanges(t *testing.T, text string, rs []search.Range) {
	t.Helper()
	n := len(utf16.Encode([]rune(text)))
	end := 0
	for _, r := range rs {
		if r.Start < end || r.End <= r.Start || r.End > n {
			t.Fatalf("ranges %+v over %d UTF-16 units of %q", rs, n, text)
		}
		end = r.End + 1 // separate: touching ranges would have been merged
	}
}
