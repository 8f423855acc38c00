package search_test

import (
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/parleychat/parley/shared/search"
)

// marked renders a snippet as the inbox would, with [brackets] around the
// highlights, slicing the text by UTF-16 offsets as JavaScript does.
func marked(text string, rs []search.Range) string {
	units := utf16.Encode([]rune(text))
	var b strings.Builder
	at := 0
	for _, r := range rs {
		b.WriteString(string(utf16.Decode(units[at:r.Start])))
		b.WriteString("[" + string(utf16.Decode(units[r.Start:r.End])) + "]")
		at = r.End
	}
	b.WriteString(string(utf16.Decode(units[at:])))
	return b.String()
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("Lorem ipsum dolor sit amet. ", 20)
	tests := []struct {
		name, query, body, want string
	}{
		{"every match, any case", "refund", "Refund please: REFUND now", "[Refund] please: [REFUND] now"},
		{"without the accent", "muller", "Frau Müller rief an", "Frau [Müller] rief an"},
		{"with a combining mark", "muller", "Mu\u0308ller!", "[Mu\u0308ller]!"},
		{"offsets count UTF-16 units after emoji", "order", "👍👍 order 🙏", "👍👍 [order] 🙏"},
		{"an address whole", "jane@acme.io", "mail jane@acme.io or bob@acme.io", "mail [jane@acme.io] or bob@acme.io"},
		{"all words of the query", "late order", "Your order is late", "Your [order] is [late]"},
		{"whole words only", "order", "orders ordered order", "orders ordered [order]"},
		{"white space collapsed", "hi", "  hi\n\n\tthere  ", "[hi] there"},
		{"no match: the beginning", "zzz", "Nothing to see here", "Nothing to see here"},
		{"CJK pairs", "東京", "私は東京に住む", "私は[東京]に住む"},
		{"cut around a late match", "needle", long + "the needle is here. " + long,
			"…amet. Lorem ipsum dolor sit amet. the [needle] is here. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor…"},
		{"the richest stretch wins", "alpha beta", "alpha " + long + "alpha beta " + long,
			"…sit amet. Lorem ipsum dolor sit amet. [alpha] [beta] Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit…"},
		{"a match at the very end", "end", long + "the end", "…sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. the [end]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := search.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			s := q.Snippet(tt.body)
			if diff := cmp.Diff(tt.want, marked(s.Text, s.Highlights)); diff != "" {
				t.Errorf("Snippet (-want +got):\n%s", diff)
			}
			if n := len([]rune(strings.Trim(s.Text, "…"))); n > search.SnippetRunes {
				t.Errorf("snippet of %d characters, want at most %d", n, search.SnippetRunes)
			}
		})
	}
}

func TestMark(t *testing.T) {
	tests := []struct {
		query, field, want string
	}{
		{"mül", "Jane Müller", "Jane [Mül]ler"},
		{"mul", "Jane Mu\u0308ller", "Jane [Mu\u0308l]ler"},
		{"ja mu", "Jane Müller", "[Ja]ne [Mü]ller"},
		{"jane.d", "Jane.Doe@Example.com", "[Jane.D]oe@Example.com"},
		{"exa", "jane.doe@example.com", "jane.doe@[exa]mple.com"},
		{"obri", "Seán O'Brien", "Seán [O'Bri]en"},
		{"stras", "Straße 1", "[Straß]e 1"},
		{"😀 ana", "😀 Ana", "😀 [Ana]"},
		{"bob", "Jane Müller", "Jane Müller"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := search.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, marked(tt.field, q.Mark(tt.field))); diff != "" {
				t.Errorf("Mark(%q) (-want +got):\n%s", tt.field, diff)
			}
		})
	}
}
