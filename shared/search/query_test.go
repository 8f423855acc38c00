package search_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parleychat/parley/shared/search"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name, in string
		want     []search.Word
	}{
		{"words", "Refund Order", []search.Word{{Prefix: "refund", Terms: []string{"refund"}}, {Prefix: "order", Terms: []string{"order"}}}},
		{"accents typed or not", "MÜLLER muller", []search.Word{{Prefix: "muller", Terms: []string{"muller"}}}},
		{"one letter narrows contacts only", "j doe", []search.Word{{Prefix: "j"}, {Prefix: "doe", Terms: []string{"doe"}}}},
		{"quotes and punctuation separate words", `"late delivery", please!`, []search.Word{
			{Prefix: "late", Terms: []string{"late"}}, {Prefix: "delivery", Terms: []string{"delivery"}}, {Prefix: "please", Terms: []string{"please"}},
		}},
		{"an address is one word, looked up whole", "Jane.Doe@Example.com", []search.Word{{Prefix: "jane.doe@example.com", Terms: []string{"jane.doe@example.com"}}}},
		{"a partial address", "jane.doe@exa", []search.Word{{Prefix: "jane.doe@exa", Terms: []string{"jane.doe@exa"}}}},
		{"a domain", "acme.io", []search.Word{{Prefix: "acme.io", Terms: []string{"acme", "io"}}}},
		{"apostrophe", "O'Brien", []search.Word{{Prefix: "obrien", Terms: []string{"brien", "obrien"}}}},
		{"hyphen", "Jean-Luc", []search.Word{{Prefix: "jean-luc", Terms: []string{"jean", "luc"}}}},
		{"CJK", "東京都", []search.Word{{Prefix: "東京都", Terms: []string{"東京", "京都"}}}},
		{"long prefix cut", strings.Repeat("ab", 20), []search.Word{{Prefix: strings.Repeat("ab", 12), Terms: []string{strings.Repeat("ab", 20)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := search.ParseQuery(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, q.Words); diff != "" {
				t.Errorf("ParseQuery(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseQueryRefuses(t *testing.T) {
	tests := []struct{ name, in, message string }{
		{"empty", "", "no letters or digits"},
		{"only punctuation", ` "" ... !`, "no letters or digits"},
		{"too long", strings.Repeat("a", search.MaxQueryRunes+1), "longer than 200 characters"},
		{"too many words", "a b c d e f g h i", "more than 8 words"},
		{"invalid UTF-8", "caf\xe9", "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := search.ParseQuery(tt.in)
			if !errors.Is(err, search.ErrInvalid) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %v, want ErrInvalid saying %q", err, tt.message)
			}
		})
	}
	if _, err := search.ParseQuery(strings.Repeat("é", search.MaxQueryRunes)); err != nil {
		t.Errorf("200 two-byte characters: %v, want accepted", err)
	}
	if _, err := search.ParseQuery("a b c d e f g h a b"); err != nil {
		t.Errorf("8 distinct words, some repeated: %v, want accepted", err)
	}
}
