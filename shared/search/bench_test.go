package search_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/search"
)

// message5000 is a long email-like message in several languages, cut to
// the longest body a message may have (5,000 characters).
func message5000(b *testing.B) string {
	b.Helper()
	para := "Hello Jane, thanks for your message about order #A-10233 (shipped 12.03.2026). " +
		"The parcel left our warehouse in Łódź on Monday; tracking: https://track.example.com/p/10233. " +
		"Grüße aus München — bei Fragen schreiben Sie an support@example.de oder rufen Sie +49 89 1234567 an. " +
		"Merci de votre patience, l'équipe est là aujourd'hui jusqu'à 18h. Dziękujemy za cierpliwość! 東京の倉庫から発送しました。 "
	text := strings.Repeat(para, 5000/utf8.RuneCountInString(para)+1)
	r := []rune(text)
	return string(r[:5000])
}

func BenchmarkTerms5000(b *testing.B) {
	text := message5000(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(search.Terms(text))
	}
	b.ReportMetric(float64(n), "terms")
}

func BenchmarkMessageEntriesChat(b *testing.B) {
	m := search.Message{InboxID: "sales", ConversationID: cid1, Seq: 3, At: t0, Body: "Hi, my order 1234 still hasn't arrived, can you check the tracking please?"}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		e, err := search.MessageEntries(m)
		if err != nil {
			b.Fatal(err)
		}
		n = len(e.Lists)
	}
	b.ReportMetric(float64(n), "postings")
}

func BenchmarkContactEntries(b *testing.B) {
	c := search.Contact{InboxID: "sales", ConversationID: cid1, CreatedAt: t0, Name: "Jane O'Brien", Email: "jane.obrien@example.com"}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		e, err := search.ContactEntries(c)
		if err != nil {
			b.Fatal(err)
		}
		n = len(e.Lists)
	}
	b.ReportMetric(float64(n), "postings")
}

func BenchmarkSnippet5000(b *testing.B) {
	text := message5000(b)
	q, err := search.ParseQuery("tracking warehouse")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		q.Snippet(text)
	}
}

// benchIndex is one inbox of 1M messages in 100,000 conversations as
// posting lists in memory, for the words the benchmarks ask for: "common"
// in 30% of the messages, "frequent" in 20% (two thirds of them with
// "common"), "rare" in 0.1% (with both), "odd" and "even" in alternate
// messages (together in none); "jane" is the contact card of 1% of the
// conversations.
func benchIndex(b *testing.B) *memIndex {
	b.Helper()
	m := newIndex(b)
	lists := func(words ...string) []string {
		var out []string
		for _, w := range words {
			out = append(out, search.TermList("sales", w))
		}
		return out
	}
	for i := range 1_000_000 {
		k := search.NewKey(t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("00000000-0000-4000-8000-%012d", i/10), int64(1+i%10))
		words := []string{[]string{"even", "odd"}[i%2]}
		if i%10 < 3 {
			words = append(words, "common")
		}
		if i%10 == 0 || i%10 == 1 || i%10 == 3 {
			words = append(words, "frequent")
		}
		if i%1000 == 1 {
			words = append(words, "rare")
		}
		for _, l := range lists(words...) {
			m.lists[l] = append(m.lists[l], k)
		}
		if i%1000 == 0 {
			c := search.NewKey(t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("00000000-0000-4000-8000-%012d", i/10), 0)
			m.lists[search.NameList("sales", "jane")] = append(m.lists[search.NameList("sales", "jane")], c)
		}
	}
	return m
}

// BenchmarkFind is the search's own work over posting lists held in
// memory (paging, intersecting, merging): what the reads in DynamoDB add
// to it is in docs/search.md.
func BenchmarkFind(b *testing.B) {
	m := benchIndex(b)
	for _, query := range []string{"common", "jane", "common frequent", "rare common", "rare common frequent", "odd even"} {
		b.Run(strings.ReplaceAll(query, " ", "+"), func(b *testing.B) {
			q, err := search.ParseQuery(query)
			if err != nil {
				b.Fatal(err)
			}
			req := search.Request{Query: q, Inboxes: []string{"sales"}, Limit: 20}
			m.pages, m.probed = 0, 0
			b.ReportAllocs()
			var hits int
			for b.Loop() {
				res, err := search.Find(b.Context(), m, req)
				if err != nil {
					b.Fatal(err)
				}
				hits = len(res.Hits)
			}
			b.ReportMetric(float64(hits), "hits")
			b.ReportMetric(float64(m.pages)/float64(b.N), "pages/op")
			b.ReportMetric(float64(m.probed)/float64(b.N), "probes/op")
		})
	}
}
