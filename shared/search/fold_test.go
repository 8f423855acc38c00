package search_test

import (
	"testing"

	"github.com/parleychat/parley/shared/search"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ascii upper case", "MULLER Muller", "muller muller"},
		{"umlaut", "Müller", "muller"},
		{"umlaut as combining mark", "Mu\u0308ller", "muller"},
		{"French accents", "Élodie Gaëlle à côté", "elodie gaelle a cote"},
		{"Polish", "Łódź Żółć Ślęża", "lodz zolc sleza"},
		{"sharp s and capital sharp s", "Straße STRAẞE", "strasse strasse"},
		{"Scandinavian", "Søren Ærø", "soren aero"},
		{"Icelandic", "Þór Guðrún", "thor gudrun"},
		{"Croatian d with stroke", "Đurđević", "durdevic"},
		{"ligatures", "Œuvre ﬁle", "oeuvre file"},
		{"Turkish dotted and dotless i", "İstanbul Işık ılık", "istanbul isik ilik"},
		{"Greek final sigma and tonos", "Οδυσσεύς ΟΔΥΣΣΕΥΣ", "οδυσσευσ οδυσσευσ"},
		{"full-width letters and digits", "Ｐａｒｌｅｙ１２", "parley12"},
		{"circled digits and superscripts", "①² ", "12 "},
		{"long s and Kelvin sign", "ſ K", "s k"},
		{"Cyrillic keeps its letters", "Ёлка ПРИВЕТ", "елка привет"},
		{"CJK unchanged", "東京", "東京"},
		{"half-width katakana", "ｶﾀｶﾅ", "カタカナ"},
		{"emoji unchanged", "ok 👍", "ok 👍"},
		{"punctuation unchanged", "a.b@c-d_e+f 'g’", "a.b@c-d_e+f 'g’"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := search.Fold(tt.in); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
