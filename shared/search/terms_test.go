package search_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/parleychat/parley/shared/search"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"words, once each, in order", "Hello, hello! Where is my order?", []string{"hello", "where", "is", "my", "order"}},
		{"accents and case folded", "Müller bestellte GRÖßE 42", []string{"muller", "bestellte", "grosse", "42"}},
		{"single letters and digits are left out", "I got 2 of a kind", []string{"got", "of", "kind"}},
		{"sentence punctuation is not a connector", "Done. Next-", []string{"done", "next"}},
		{"email: parts, address and domain", "write to Jane.Doe@Example.com.", []string{"write", "to", "jane", "doe", "example", "com", "jane.doe@example.com", "example.com"}},
		{"email in angle brackets", "<ops@acme.io>", []string{"ops", "acme", "io", "ops@acme.io", "acme.io"}},
		{"address without a dotted domain", "root@localhost", []string{"root", "localhost", "root@localhost"}},
		{"URL: host and path words", "https://shop.example.com/orders/12345", []string{"https", "shop", "example", "com", "orders", "12345"}},
		{"hyphenated words by their parts", "E-Mail-Adresse Wi-Fi", []string{"mail", "adresse", "wi", "fi"}},
		{"apostrophes: parts and joined", "O'Brien aujourd’hui don't", []string{"brien", "obrien", "aujourd", "hui", "aujourdhui", "don", "dont"}},
		{"numbers with separators", "Order #A-1234, 12.50 EUR", []string{"order", "1234", "12", "50", "eur"}},
		{"double connector splits", "a..b end--start", []string{"end", "start"}},
		{"CJK: neighbouring pairs", "東京都に住む", []string{"東京", "京都", "都に", "に住", "住む"}},
		{"CJK: one character alone", "本 OK", []string{"本", "ok"}},
		{"CJK next to Latin", "iPhone買った", []string{"iphone", "買っ", "った"}},
		{"Hangul words by spaces", "안녕하세요 고객님", []string{"안녕하세요", "고객님"}},
		{"Cyrillic and Greek", "Заказ ΠΑΡΑΓΓΕΛΊΑ", []string{"заказ", "παραγγελια"}},
		{"emoji and symbols separate", "great👍thanks ★★★", []string{"great", "thanks"}},
		{"combining marks stay in the word", "Mu\u0308ller Zoe\u0308", []string{"muller", "zoe"}},
		{"invalid UTF-8 separates", "caf\xe9 ok\xffyes", []string{"caf", "ok", "yes"}},
		{"nothing to index", " ... !!! 1 a ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, search.Terms(tt.text)); diff != "" {
				t.Errorf("Terms(%q) (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestTermsLimits(t *testing.T) {
	long := strings.Repeat("x", 100)
	if got := search.Terms("see " + long); len(got) != 2 || utf8.RuneCountInString(got[1]) != search.MaxTermRunes {
		t.Errorf("a 100-letter word gave %q, want it cut to %d letters", got, search.MaxTermRunes)
	}
	// A query cuts the same way, so the long word still finds itself.
	q, err := search.ParseQuery(long + "yz")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{strings.Repeat("x", search.MaxTermRunes)}, q.Terms()); diff != "" {
		t.Errorf("query terms of a long word (-want +got):\n%s", diff)
	}

	var words []string
	for i := range 1000 {
		words = append(words, fmt.Sprintf("w%d", i))
	}
	terms := search.Terms(strings.Join(words, " "))
	if len(terms) != search.MaxTerms {
		t.Errorf("1,000 distinct words gave %d terms, want the first %d", len(terms), search.MaxTerms)
	}
	if terms[0] != search.Fold(words[0]) {
		t.Errorf("first term %q, want %q", terms[0], words[0])
	}
}
