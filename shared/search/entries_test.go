package search_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleychat/parley/shared/search"
)

const (
	cid1 = "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10"
	cid2 = "2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"
)

var t0 = time.Date(2026, 11, 21, 19, 42, 10, 123_000_000, time.UTC)

func TestMessageEntries(t *testing.T) {
	rome := time.FixedZone("CET", 3600)
	e, err := search.MessageEntries(search.Message{
		InboxID: "sales", ConversationID: cid1, Seq: 7, At: t0.In(rome),
		Body: "Müller here: refund, please. REFUND!",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := search.Entries{
		Key:   search.Key("2026-11-21T19:42:10.123Z#" + cid1 + "#000000000007"),
		Lists: []string{"TERM#sales#muller", "TERM#sales#here", "TERM#sales#refund", "TERM#sales#please"},
		DocPK: "DOC#" + cid1,
		DocSK: "MSG#000000000007",
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}

	e, err = search.MessageEntries(search.Message{InboxID: "sales", ConversationID: cid1, Seq: 8, At: t0, Body: "👍 !"})
	if err != nil || len(e.Lists) != 0 {
		t.Errorf("a body without words: %v lists, err %v; want none and no error", e.Lists, err)
	}
}

func TestMessageEntriesRefuses(t *testing.T) {
	ok := search.Message{InboxID: "sales", ConversationID: cid1, Seq: 1, At: t0, Body: "hi there"}
	tests := []struct {
		name   string
		change func(*search.Message)
	}{
		{"no inbox", func(m *search.Message) { m.InboxID = "" }},
		{"inbox with the key separator", func(m *search.Message) { m.InboxID = "a#b" }},
		{"no conversation", func(m *search.Message) { m.ConversationID = "" }},
		{"seq 0 is the contact card's", func(m *search.Message) { m.Seq = 0 }},
		{"no time", func(m *search.Message) { m.At = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ok
			tt.change(&m)
			if _, err := search.MessageEntries(m); !errors.Is(err, search.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestContactEntries(t *testing.T) {
	e, err := search.ContactEntries(search.Contact{
		InboxID: "sales", ConversationID: cid1, CreatedAt: t0, Name: "Zoë O'Neil", Email: "Z.ONeil@Acme.io",
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := search.Key("2026-11-21T19:42:10.123Z#" + cid1 + "#000000000000"); e.Key != want || e.DocPK != "DOC#"+cid1 || e.DocSK != "CONTACT" {
		t.Errorf("key %q doc %q/%q, want %q DOC#%s/CONTACT", e.Key, e.DocPK, e.DocSK, want, cid1)
	}
	var prefixes []string
	for _, l := range e.Lists {
		p, ok := strings.CutPrefix(l, "NAME#sales#")
		if !ok {
			t.Fatalf("list %q is not a name list of the inbox", l)
		}
		prefixes = append(prefixes, p)
	}
	for _, typed := range []string{"z", "zo", "zoe", "o", "on", "one", "neil", "oneil", "z.o", "z.oneil@ac", "z.oneil@acme.io", "ac", "acme.io", "io"} {
		if !slices.Contains(prefixes, typed) {
			t.Errorf("%q finds nothing; prefixes: %q", typed, prefixes)
		}
	}
	for _, not := range []string{"", "o'neil", "eil", "zoë", "acme.io.", "@acme"} {
		if slices.Contains(prefixes, not) {
			t.Errorf("%q is a prefix, want not", not)
		}
	}
	if len(prefixes) != len(slices.Compact(slices.Sorted(slices.Values(prefixes)))) {
		t.Errorf("duplicate prefixes in %q", prefixes)
	}
}

func TestContactEntriesLimits(t *testing.T) {
	long := strings.Repeat("abcdefghij", 10)
	e, err := search.ContactEntries(search.Contact{InboxID: "sales", ConversationID: cid1, CreatedAt: t0, Name: long})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(e.Lists); got != search.MaxPrefixRunes {
		t.Errorf("a 100-letter name has %d prefixes, want %d", got, search.MaxPrefixRunes)
	}
	var many []string
	for i := range 100 {
		many = append(many, strings.Repeat(string(rune('a'+i%26)), 1+i/26)+"xyz")
	}
	e, err = search.ContactEntries(search.Contact{InboxID: "sales", ConversationID: cid1, CreatedAt: t0, Name: strings.Join(many, " ")})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(e.Lists); got != search.MaxContactLists {
		t.Errorf("a name of 100 words has %d prefixes, want at most %d", got, search.MaxContactLists)
	}
	e, err = search.ContactEntries(search.Contact{InboxID: "sales", ConversationID: cid1, CreatedAt: t0})
	if err != nil || len(e.Lists) != 0 {
		t.Errorf("an unknown contact: %d lists, err %v; want none", len(e.Lists), err)
	}
	if _, err := search.ContactEntries(search.Contact{InboxID: "sales", ConversationID: cid1, Name: "Jane"}); !errors.Is(err, search.ErrInvalid) {
		t.Errorf("a contact card without a time: err %v, want ErrInvalid", err)
	}
}

func TestKeys(t *testing.T) {
	older := search.NewKey(t0, cid2, 9)
	newer := search.NewKey(t0.Add(time.Millisecond), cid1, 1)
	if older >= newer {
		t.Errorf("keys do not sort by time: %q >= %q", older, newer)
	}
	if same := search.NewKey(t0, cid2, 10); same <= older {
		t.Errorf("keys of one conversation and instant do not sort by seq: %q <= %q", same, older)
	}
	if k, err := search.ParseKey(string(newer)); err != nil || k != newer {
		t.Errorf("ParseKey(%q) = %q, %v", newer, k, err)
	}
	for _, bad := range []string{
		"", "x", "2026-11-21T19:42:10.123Z#" + cid1,
		"2026-11-21T19:42:10.123Z#" + cid1 + "#7",
		"2026-11-21T19:42:10.123Z#" + cid1 + "#-00000000007",
		"2026-11-21T19:42:10Z#" + cid1 + "#000000000007",
		"2026-11-21T20:42:10.123+01:00#" + cid1 + "#000000000007",
		"2026-11-21T19:42:10.123Z##000000000007",
		"2026-11-21T19:42:10.123Z#a b#000000000007",
	} {
		if _, err := search.ParseKey(bad); !errors.Is(err, search.ErrInvalid) {
			t.Errorf("ParseKey(%q): err %v, want ErrInvalid", bad, err)
		}
	}
}
