package search_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parleychat/parley/shared/search"
)

// memIndex is the search table in memory: posting lists by name, keys
// ascending. It counts what it serves.
type memIndex struct {
	t     testing.TB
	lists map[string][]search.Key

	mu       sync.Mutex
	pages    int
	probed   int
	failList string // a list whose reads fail
}

var errRead = errors.New("read failed")

func newIndex(t testing.TB) *memIndex { return &memIndex{t: t, lists: make(map[string][]search.Key)} }

func (m *memIndex) add(e search.Entries, err error) {
	m.t.Helper()
	if err != nil {
		m.t.Fatal(err)
	}
	for _, l := range e.Lists {
		keys := m.lists[l]
		i := sort.Search(len(keys), func(i int) bool { return keys[i] >= e.Key })
		if i == len(keys) || keys[i] != e.Key {
			m.lists[l] = slices.Insert(keys, i, e.Key)
		}
	}
}

func (m *memIndex) Page(ctx context.Context, list string, before search.Key, limit int) ([]search.Key, bool, error) {
	m.mu.Lock()
	m.pages++
	m.mu.Unlock()
	if list == m.failList {
		return nil, false, errRead
	}
	keys := m.lists[list]
	i := len(keys)
	if before != "" {
		i = sort.Search(len(keys), func(i int) bool { return keys[i] >= before })
	}
	n := min(limit, i)
	out := slices.Clone(keys[i-n : i])
	slices.Reverse(out)
	return out, i-n > 0, ctx.Err()
}

func (m *memIndex) Contains(ctx context.Context, list string, keys []search.Key) ([]search.Key, error) {
	if len(keys) > search.ProbeBatch {
		return nil, fmt.Errorf("probe of %d keys", len(keys))
	}
	m.mu.Lock()
	m.probed += len(keys)
	m.mu.Unlock()
	var found []search.Key
	for _, k := range keys {
		if _, ok := slices.BinarySearch(m.lists[list], k); ok {
			found = append(found, k)
		}
	}
	return found, ctx.Err()
}

// The conversations of TestFind: two in the sales inbox, one in support.
func findCorpus(t *testing.T) *memIndex {
	m := newIndex(t)
	contact := func(inbox, cid string, created time.Time, name, email string) {
		m.add(search.ContactEntries(search.Contact{InboxID: inbox, ConversationID: cid, CreatedAt: created, Name: name, Email: email}))
	}
	message := func(inbox, cid string, seq int64, at time.Time, body string) {
		m.add(search.MessageEntries(search.Message{InboxID: inbox, ConversationID: cid, Seq: seq, At: at, Body: body}))
	}
	contact("sales", convA, t0, "Jane Müller", "jane@acme.io")
	message("sales", convA, 1, t0.Add(1*time.Minute), "Hello, my order 1234 has not arrived")
	message("sales", convA, 2, t0.Add(2*time.Minute), "Sorry! I will check the order status.")
	message("sales", convA, 3, t0.Add(3*time.Minute), "Note: customer is upset, refund if it is late")
	contact("sales", convB, t0.Add(10*time.Minute), "Marco Rossi", "marco@example.it")
	message("sales", convB, 1, t0.Add(11*time.Minute), "Vorrei un rimborso per l'ordine, refund please")
	contact("support", convC, t0.Add(20*time.Minute), "Jane Smith", "jane.smith@acme.io")
	message("support", convC, 1, t0.Add(21*time.Minute), "Refund please, the app crashes")
	return m
}

const (
	convA = "aaaaaaaa-0000-4000-8000-000000000001"
	convB = "bbbbbbbb-0000-4000-8000-000000000002"
	convC = "cccccccc-0000-4000-8000-000000000003"
)

type found struct {
	Conversation string
	Seq          int64
}

func TestFind(t *testing.T) {
	m := findCorpus(t)
	both := []string{"sales", "support"}
	tests := []struct {
		name    string
		query   string
		inboxes []string
		want    []found
	}{
		{"a word, newest first", "refund", both, []found{{convC, 1}, {convB, 1}, {convA, 3}}},
		{"only the caller's inboxes", "refund", []string{"sales"}, []found{{convB, 1}, {convA, 3}}},
		{"notes are found", "upset", both, []found{{convA, 3}}},
		{"a name by its prefix", "mül", both, []found{{convA, 0}}},
		{"a name without its accent", "MULLER", both, []found{{convA, 0}}},
		{"first name in every inbox", "jane", both, []found{{convC, 0}, {convA, 0}}},
		{"first name in one inbox", "jane", []string{"support"}, []found{{convC, 0}}},
		{"first and last name prefixes", "ja sm", both, []found{{convC, 0}}},
		{"an email prefix", "jane.sm", both, []found{{convC, 0}}},
		{"a whole address", "jane@acme.io", both, []found{{convA, 0}}},
		{"a domain", "acme", both, []found{{convC, 0}, {convA, 0}}},
		{"words in one message", "status order", both, []found{{convA, 2}}},
		{"once per conversation, at its newest match", "order", both, []found{{convA, 2}}},
		{"words in different messages do not match", "order refund", both, nil},
		{"a name and a word in a message do not match", "jane refund", both, nil},
		{"an Italian word with an apostrophe", "ordine", both, []found{{convB, 1}}},
		{"no inboxes, nothing", "refund", nil, nil},
		{"a word nobody wrote", "invoice", both, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := search.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			res, err := search.Find(t.Context(), m, search.Request{Query: q, Inboxes: tt.inboxes, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			var got []found
			for _, h := range res.Hits {
				got = append(got, found{h.ConversationID, h.Seq})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find(%q) (-want +got):\n%s", tt.query, diff)
			}
			if res.Next != "" {
				t.Errorf("Next = %q after every match, want empty", res.Next)
			}
		})
	}
}

func TestFindHit(t *testing.T) {
	m := findCorpus(t)
	q, err := search.ParseQuery("crashes")
	if err != nil {
		t.Fatal(err)
	}
	res, err := search.Find(t.Context(), m, search.Request{Query: q, Inboxes: []string{"support"}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(21 * time.Minute)
	want := []search.Hit{{Key: search.NewKey(at, convC, 1), InboxID: "support", ConversationID: convC, Seq: 1, At: at}}
	if diff := cmp.Diff(want, res.Hits); diff != "" {
		t.Errorf("hits (-want +got):\n%s", diff)
	}
}

// TestFindPages pages through random corpora with small pages and checks
// the pages against a scan of every document, whatever the cursor, the
// read budget and the mix of frequent and rare words: hits newest first,
// each a match, one per conversation and page, and every match either
// shown or hidden behind a newer match of its conversation in the same
// page.
func TestFindPages(t *testing.T) {
	words := []string{"often", "common", "rare", "never"}
	freq := []float64{0.9, 0.5, 0.02, 0}
	queries := []string{"often", "often common", "common often", "rare", "often rare", "rare common often", "never", "often never", "ca", "ca common", "odd even"}
	inboxes := []string{"sales", "support"}
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 12))
		m := newIndex(t)
		type doc struct {
			key   search.Key
			cid   string
			inbox string
			lists []string
		}
		var docs []doc
		n := 3000 + int(seed)*1000
		for i := range n {
			c := rng.IntN(n / 2) // two documents per conversation on average
			inbox := []string{"sales", "support", "other"}[c%3]
			cid := fmt.Sprintf("%08x-0000-4000-8000-%012x", seed, c)
			at := t0.Add(time.Duration(rng.IntN(3_000_000)) * time.Millisecond)
			var e search.Entries
			var err error
			if rng.IntN(10) == 0 {
				e, err = search.ContactEntries(search.Contact{InboxID: inbox, ConversationID: cid, CreatedAt: at, Name: []string{"Carla", "Carl", "Bo"}[rng.IntN(3)]})
			} else {
				// "odd" and "even" are frequent and almost never together:
				// their search runs into the read budget.
				body := []string{[]string{"even", "odd"}[i%2]}
				if rng.IntN(100) == 0 {
					body = append(body, "odd", "even")
				}
				for w, f := range freq {
					if rng.Float64() < f {
						body = append(body, words[w])
					}
				}
				e, err = search.MessageEntries(search.Message{InboxID: inbox, ConversationID: cid, Seq: 1 + rng.Int64N(9), At: at, Body: fmt.Sprint(body)})
			}
			m.add(e, err)
			docs = append(docs, doc{e.Key, cid, inbox, e.Lists})
		}
		slices.SortFunc(docs, func(a, b doc) int { return strings.Compare(string(b.key), string(a.key)) })
		docs = slices.CompactFunc(docs, func(a, b doc) bool { return a.key == b.key })
		for _, query := range queries {
			q, err := search.ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			var matches []doc
			for _, d := range docs {
				if !slices.Contains(inboxes, d.inbox) {
					continue
				}
				var terms, names []string
				for _, t := range q.Terms() {
					terms = append(terms, search.TermList(d.inbox, t))
				}
				for _, p := range q.Prefixes() {
					names = append(names, search.NameList(d.inbox, p))
				}
				if containsAll(d.lists, names) || len(terms) > 0 && containsAll(d.lists, terms) {
					matches = append(matches, d)
				}
			}
			for _, limit := range []int{1, 7, 50} {
				type page struct {
					before search.Key // the page covers keys from next up to before
					res    search.Result
				}
				var pages []page
				for before := search.Key(""); ; {
					if len(pages) > len(docs) {
						t.Fatalf("seed %d %q limit %d: more pages than documents", seed, query, limit)
					}
					res, err := search.Find(t.Context(), m, search.Request{Query: q, Inboxes: inboxes, Before: before, Limit: limit})
					if err != nil {
						t.Fatal(err)
					}
					pages = append(pages, page{before, res})
					if res.Next == "" {
						break
					}
					before = res.Next
				}
				fail := func(format string, args ...any) {
					t.Helper()
					t.Fatalf("seed %d, %q, limit %d: %s", seed, query, limit, fmt.Sprintf(format, args...))
				}
				shown := make(map[search.Key]bool)
				var last search.Key
				for _, p := range pages {
					if len(p.res.Hits) > limit {
						fail("%d hits", len(p.res.Hits))
					}
					convs := make(map[string]bool)
					for _, h := range p.res.Hits {
						if last != "" && h.Key >= last {
							fail("hit %q after %q", h.Key, last)
						}
						if convs[h.ConversationID] {
							fail("conversation %s twice in a page", h.ConversationID)
						}
						i := slices.IndexFunc(matches, func(d doc) bool { return d.key == h.Key })
						if i < 0 || matches[i].inbox != h.InboxID || matches[i].cid != h.ConversationID {
							fail("hit %+v is not a match", h)
						}
						last, convs[h.ConversationID], shown[h.Key] = h.Key, true, true
					}
				}
				for _, d := range matches {
					if shown[d.key] {
						continue
					}
					i := slices.IndexFunc(pages, func(p page) bool {
						return (p.before == "" || d.key < p.before) && d.key >= p.res.Next
					})
					if i < 0 || !slices.ContainsFunc(pages[i].res.Hits, func(h search.Hit) bool { return h.ConversationID == d.cid && h.Key > d.key }) {
						fail("match %q neither shown nor behind a newer match of its conversation", d.key)
					}
				}
			}
		}
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// Two frequent words that are never in the same message: the search stops
// at its read budget, says how far back it looked, and continues from
// there when asked.
func TestFindStopsAtBudget(t *testing.T) {
	m := newIndex(t)
	for i := range 3000 {
		body := "alpha"
		if i%2 == 1 {
			body = "beta"
		}
		if i == 5 {
			body = "alpha beta" // the one match, among the oldest
		}
		m.add(search.MessageEntries(search.Message{
			InboxID: "sales", ConversationID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Seq: 1,
			At: t0.Add(time.Duration(i) * time.Second), Body: body,
		}))
	}
	q, err := search.ParseQuery("alpha beta")
	if err != nil {
		t.Fatal(err)
	}
	res, err := search.Find(t.Context(), m, search.Request{Query: q, Inboxes: []string{"sales"}, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 0 || res.Next == "" {
		t.Fatalf("first page: %d hits, next %q; want none and a cursor", len(res.Hits), res.Next)
	}
	// Name lists (2) and term lists (2) first, then 4 more pages of the
	// driver; at most 100 probes per round.
	if m.pages > 8 || m.probed > 500 {
		t.Errorf("one page read %d pages and probed %d keys, want at most 8 and 500", m.pages, m.probed)
	}
	var hits []search.Hit
	for pages := 1; res.Next != ""; pages++ {
		if pages > 10 {
			t.Fatal("no end after 10 pages")
		}
		res, err = search.Find(t.Context(), m, search.Request{Query: q, Inboxes: []string{"sales"}, Before: res.Next, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, res.Hits...)
	}
	if len(hits) != 1 || hits[0].ConversationID != "00000000-0000-4000-8000-000000000005" {
		t.Errorf("continuing found %+v, want the one message with both words", hits)
	}
}

func TestFindRefuses(t *testing.T) {
	m := findCorpus(t)
	q, err := search.ParseQuery("refund")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  search.Request
	}{
		{"limit 0", search.Request{Query: q, Inboxes: []string{"sales"}}},
		{"limit over the maximum", search.Request{Query: q, Inboxes: []string{"sales"}, Limit: search.MaxLimit + 1}},
		{"a forged cursor", search.Request{Query: q, Inboxes: []string{"sales"}, Limit: 5, Before: "TERM#other#x"}},
		{"an inbox id with the separator", search.Request{Query: q, Inboxes: []string{"sales#x"}, Limit: 5}},
		{"no query", search.Request{Inboxes: []string{"sales"}, Limit: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := search.Find(t.Context(), m, tt.req); !errors.Is(err, search.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}

	m.failList = search.TermList("support", "refund")
	_, err = search.Find(t.Context(), m, search.Request{Query: q, Inboxes: []string{"sales", "support"}, Limit: 5})
	if !errors.Is(err, errRead) {
		t.Errorf("a failing read: err = %v, want it passed on", err)
	}

	// A damaged index is the system's fault, not the agent's request.
	list := search.TermList("sales", "refund")
	m.lists[list] = append(m.lists[list], "zzz")
	_, err = search.Find(t.Context(), m, search.Request{Query: q, Inboxes: []string{"sales"}, Limit: 5})
	if err == nil || errors.Is(err, search.ErrInvalid) {
		t.Errorf("a malformed key in the index: err = %v, want an error that is not ErrInvalid", err)
	}
}
