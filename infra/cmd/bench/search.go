package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/search"
	"github.com/parleychat/parley/shared/store"
)

// The search run (docs/search.md, "Measured"): what the index costs to
// write, per message and per contact card, through the whole system; and
// how long a search takes over one inbox of 1M messages in 100,000
// conversations.

// searchInbox is the inbox of the large corpus; nobody else writes to it.
const searchInbox = "bench-search"

// searchQueries are what agents type: a rare word, a frequent one, two
// words of very different frequencies, two frequent words never in one
// message (the search stops at its read budget), names and an address
// being typed.
var searchQueries = []string{"refund", "order", "order refund", "invoice", "delivery order", "monday friday", "jane", "mar", "maria.r"}

// chatWords fill the messages of the corpus around the words searched.
var chatWords = strings.Fields("hi hello thanks please can you help me with my the a question about account password login app " +
	"website price plan upgrade cancel today tomorrow week time support team problem error page email phone still not working " +
	"again sorry great perfect okay sure when how what where why is it this that there here we they our your")

var firstNames = []string{"Anna", "Ben", "Carla", "David", "Elena", "Jane", "Jonas", "Lukas", "Marco", "Maria", "Mark", "Martin", "Nina", "Omar", "Paula", "Sofia"}
var lastNames = []string{"Rossi", "Novak", "Schmidt", "Dubois", "Kowalski", "Doe", "Bianchi", "Weber", "Martin", "Nowak"}

// corpusMessage is message i of the corpus: conversation i/10, seq
// i%10+1, 30 seconds after message i-1 (a year for 1M messages). A
// message holds "order" one time in ten, "delivery" one in twenty (two
// thirds of them with "order"), "refund" one in a hundred, "invoice" one
// in a thousand (always with "order"), "monday" and "friday" one in fifty
// each, never together; the rest are chat words.
func corpusMessage(i int) (convID string, seq int64, at time.Time, body string) {
	r := rand.New(rand.NewPCG(uint64(i), 0x5ea4c4))
	words := make([]string, 0, 14)
	for range 8 + r.IntN(8) {
		words = append(words, chatWords[r.IntN(len(chatWords))])
	}
	order := r.Float64() < 0.10
	if order {
		words = append(words, "order")
		if r.Float64() < 0.01 {
			words = append(words, "invoice")
		}
	}
	if (order && r.Float64() < 1.0/3) || (!order && r.Float64() < 0.0185) {
		words = append(words, "delivery")
	}
	if r.Float64() < 0.01 {
		words = append(words, "refund")
	}
	switch d := r.Float64(); {
	case d < 0.02:
		words = append(words, "monday")
	case d < 0.04:
		words = append(words, "friday")
	}
	r.Shuffle(len(words), func(a, b int) { words[a], words[b] = words[b], words[a] })
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return corpusConversation(i / 10), int64(i%10 + 1), base.Add(time.Duration(i) * 30 * time.Second), strings.Join(words, " ")
}

func corpusConversation(c int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", c) }

// corpusContact is the contact of conversation c, for half of them.
func corpusContact(c int) (email.Contact, bool) {
	r := rand.New(rand.NewPCG(uint64(c), 0xc0417ac7))
	if r.IntN(2) == 0 {
		return email.Contact{}, false
	}
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	return email.Contact{
		VisitorID: fmt.Sprintf("00000000-0000-4000-9000-%012d", c),
		Name:      first + " " + last,
		Email:     fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), c),
		UpdatedAt: time.Now().UTC(),
	}, true
}

// memoryLists is the corpus's posting lists held in memory too, to tell
// which conversations the measured searches show (search.Source).
type memoryLists map[string][]search.Key

func (m memoryLists) Page(_ context.Context, list string, before search.Key, limit int) ([]search.Key, bool, error) {
	keys := m[list] // oldest first
	end := len(keys)
	if before != "" {
		end = sort.Search(len(keys), func(i int) bool { return keys[i] >= before })
	}
	var out []search.Key
	for i := end - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, keys[i])
	}
	return out, end-len(out) > 0 && len(out) > 0, nil
}

func (m memoryLists) Contains(_ context.Context, list string, keys []search.Key) ([]search.Key, error) {
	var out []search.Key
	for _, k := range keys {
		if _, ok := slices.BinarySearch(m[list], k); ok {
			out = append(out, k)
		}
	}
	return out, nil
}

// searchRun measures indexing through the system, then searches over the
// large corpus.
func (b *bench) searchRun(ctx context.Context, rounds int) error {
	if err := b.indexingCost(ctx); err != nil {
		return fmt.Errorf("indexing cost: %w", err)
	}
	return b.searchLatency(ctx, rounds)
}

func (b *bench) tableName(logicalID string) string {
	for _, t := range b.cloud.Model().Tables {
		if t.LogicalID == logicalID {
			return t.Name
		}
	}
	return ""
}

func (b *bench) dynamo() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(b.cloud.URL()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
	})
}

// indexingCost sends chat messages of the corpus's kind through the widget
// and reads what the indexer wrote for them from the capacity meter; then
// the visitor leaves a name and an address (the contact card).
func (b *bench) indexingCost(ctx context.Context) error {
	const n = 100
	fmt.Printf("\n## Search index: what indexing costs (%d visitor messages through the system, then a contact card)\n", n)
	b.cloud.MeterCapacity()
	defer b.cloud.StopMeteringCapacity()
	table := b.tableName("SearchTable")
	v, _, err := chatclient.NewVisitor(ctx, b.ep, b.origin, "main", "")
	if err != nil {
		return err
	}
	s, err := v.Connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	send := func(conv, body string) (string, error) {
		id, err := chatclient.SendMessage(ctx, s, conv, body)
		if err != nil {
			return "", err
		}
		f, err := s.Next(ctx, func(f chatclient.Frame) bool { m, err := f.Msg(); return err == nil && m.ClientID == id })
		return f.ConversationID, err
	}
	conv, err := send("", "Hello")
	if err != nil {
		return err
	}
	b.settle()
	before := b.cloud.Usage()
	var terms int
	for i := range n {
		_, _, _, body := corpusMessage(i)
		terms += len(search.Terms(body))
		if _, err := send(conv, body); err != nil {
			return err
		}
	}
	b.settle()
	after := b.cloud.Usage()
	w := after.Capacity.WriteUnits[table] - before.Capacity.WriteUnits[table]
	inv := after.Functions["SearchIndexerFunction"].Invocations - before.Functions["SearchIndexerFunction"].Invocations
	fmt.Printf("  per message: %.1f WRU on the search table (%.1f distinct terms a message: a posting each, and the document item), %.2f indexer invocations\n",
		w/n, float64(terms)/n, float64(inv)/n)

	before = b.cloud.Usage()
	if err := v.Call(ctx, http.MethodPut, "/widget/contact", map[string]string{"email": "maria.rossi@example.com", "name": "Maria Rossi"}, nil); err != nil {
		return err
	}
	b.settle()
	after = b.cloud.Usage()
	fmt.Printf("  a contact card (\"Maria Rossi\", maria.rossi@example.com): %.0f WRU, %.1f RRU on the search table\n",
		after.Capacity.WriteUnits[table]-before.Capacity.WriteUnits[table], after.Capacity.ReadUnits[table]-before.Capacity.ReadUnits[table])
	return nil
}

// searchLatency loads the index of one inbox of 1M messages in 100,000
// conversations and times searches over it through the HTTP API.
//
// How the index is loaded: the corpus (corpusMessage, corpusContact) is
// generated and cut into postings by shared/search, as the indexer would;
// of its postings, those of the lists the queries read are written to the
// search table through the store (store.SearchIndex.PutPostings, 25 a
// BatchWriteItem) at the size the corpus gives them. A search reads the
// lists of its words only, and a DynamoDB Query or BatchGetItem costs the
// same whatever else the table holds, so the other lists (12M postings of
// chat words) would change nothing measured here; the local cloud's
// DynamoDB, which holds every item in memory and keeps each partition as
// one sorted list, could not hold them. The conversations the measured
// pages show are then written through the store like the chat writes them
// (their messages and contacts), so the indexer indexes them and the rows
// are read as in production.
func (b *bench) searchLatency(ctx context.Context, rounds int) error {
	const conversations = 100_000
	fmt.Printf("\n## Search latency: one inbox of %d messages in %d conversations\n", conversations*10, conversations)
	db := b.dynamo()
	idx := store.NewSearchIndex(db, b.tableName("SearchTable"))
	st := store.New(db, b.tableName("ChatTable"), nil)

	needed := map[string]bool{}
	var parsed []search.Query
	for _, q := range searchQueries {
		pq, err := search.ParseQuery(q)
		if err != nil {
			return err
		}
		parsed = append(parsed, pq)
		for _, p := range pq.Prefixes() {
			needed[search.NameList(searchInbox, p)] = true
		}
		for _, t := range pq.Terms() {
			needed[search.TermList(searchInbox, t)] = true
		}
	}
	mem := memoryLists{}
	var batch []search.Entries
	var written int
	flush := func() error {
		err := idx.PutPostings(ctx, batch...)
		batch = batch[:0]
		return err
	}
	keep := func(e search.Entries) error {
		e.Lists = slices.DeleteFunc(e.Lists, func(l string) bool { return !needed[l] })
		if len(e.Lists) == 0 {
			return nil
		}
		for _, l := range e.Lists {
			mem[l] = append(mem[l], e.Key)
		}
		written += len(e.Lists)
		batch = append(batch, e)
		if len(batch) < 500 {
			return nil
		}
		return flush()
	}
	start := time.Now()
	for i := range conversations * 10 {
		cid, seq, at, body := corpusMessage(i)
		e, err := search.MessageEntries(search.Message{InboxID: searchInbox, ConversationID: cid, Seq: seq, At: at, Body: body})
		if err != nil {
			return err
		}
		if err := keep(e); err != nil {
			return err
		}
		if seq == 1 {
			if c, ok := corpusContact(i / 10); ok {
				e, err := search.ContactEntries(search.Contact{InboxID: searchInbox, ConversationID: cid, CreatedAt: at, Name: c.Name, Email: c.Email})
				if err != nil {
					return err
				}
				if err := keep(e); err != nil {
					return err
				}
			}
		}
		if i%100_000 == 99_999 {
			fmt.Printf("  loaded %d messages: %d postings in %s\n", i+1, written, time.Since(start).Round(time.Second))
		}
	}
	if err := flush(); err != nil {
		return err
	}
	var sizes []string
	for _, l := range slices.Sorted(maps.Keys(mem)) {
		sizes = append(sizes, fmt.Sprintf("%s %d", strings.TrimPrefix(l, "TERM#"+searchInbox+"#"), len(mem[l])))
	}
	fmt.Printf("  %d postings of the lists searched written in %s: %s\n", written, time.Since(start).Round(time.Second), strings.Join(sizes, ", "))

	// The conversations the measured pages show, written as the chat does.
	shown := map[int]bool{}
	for _, q := range parsed {
		cursor := search.Key("")
		for range 2 {
			res, err := search.Find(ctx, mem, search.Request{Query: q, Inboxes: []string{searchInbox}, Before: cursor, Limit: 20})
			if err != nil {
				return err
			}
			for _, h := range res.Hits {
				var c int
				if _, err := fmt.Sscanf(h.ConversationID[len(h.ConversationID)-12:], "%d", &c); err != nil {
					return err
				}
				shown[c] = true
			}
			if cursor = res.Next; cursor == "" {
				break
			}
		}
	}
	for c := range shown {
		if err := b.writeConversation(ctx, st, c); err != nil {
			return err
		}
	}
	b.settle()
	fmt.Printf("  %d conversations the measured pages show written to the chat table (and indexed by the indexer)\n", len(shown))

	agent, err := b.member(ctx, st, searchInbox)
	if err != nil {
		return err
	}
	return b.timeSearches(ctx, agent, rounds)
}

// writeConversation stores conversation c of the corpus, its ten messages
// and its contact, through the store.
func (b *bench) writeConversation(ctx context.Context, st *store.Store, c int) error {
	cid, _, at, body := corpusMessage(c * 10)
	visitor := fmt.Sprintf("00000000-0000-4000-9000-%012d", c)
	res, err := st.CreateConversation(ctx, chat.NewConversation{
		Conversation: chat.Conversation{ID: cid, ChannelID: "main", InboxID: searchInbox, VisitorID: visitor, Status: chat.StatusOpen,
			Preview: body, CreatedAt: at, LastActivityAt: at},
		Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: visitor}, Body: body, CreatedAt: at},
	})
	if err != nil {
		return err
	}
	conv := res.Conversation
	for i := c*10 + 1; i < c*10+10; i++ {
		_, _, at, body := corpusMessage(i)
		author := chat.Author{Type: chat.RoleVisitor, ID: visitor}
		if i%2 == 1 {
			author = chat.Author{Type: chat.RoleAgent, ID: "bench-agent", Name: "Bench"}
		}
		r, err := st.Append(ctx, chat.Append{Current: conv, Message: chat.Message{Kind: chat.KindText, Author: author, Body: body, CreatedAt: at},
			Change: func(c *chat.Conversation) error { c.LastActivityAt, c.Preview = at, body; return nil }})
		if err != nil {
			return err
		}
		conv = r.Conversation
	}
	if contact, ok := corpusContact(c); ok {
		return st.PutContact(ctx, contact)
	}
	return nil
}

// member is an agent of the local user pool, a member of inbox only.
func (b *bench) member(ctx context.Context, st *store.Store, inbox string) (*chatclient.Agent, error) {
	u, _, err := b.cloud.Issuer().CreateUser(map[string]string{"email": "bench-search@example.com", "name": "Bench"}, "")
	if err != nil {
		return nil, err
	}
	if _, err := st.EnsureAgent(ctx, chat.Agent{ID: u.Username, DisplayName: "Bench", Inboxes: []string{inbox}}); err != nil {
		return nil, err
	}
	tok, err := b.cloud.Issuer().Mint(u.Username, 2*time.Hour)
	if err != nil {
		return nil, err
	}
	return chatclient.NewAgent(b.ep, tok), nil
}

type searchAnswer struct {
	Results []struct {
		Match string `json:"match"`
	} `json:"results"`
	NextCursor string `json:"nextCursor"`
}

// timeSearches runs every query rounds times (first pages, then the page
// after when there is one), in a shuffled order, after one warm-up round,
// through GET /agent/search; then one more round with the capacity meter
// on, for the calls and read units of a search.
func (b *bench) timeSearches(ctx context.Context, agent *chatclient.Agent, rounds int) error {
	ask := func(q, cursor string) (searchAnswer, time.Duration, error) {
		path := "/agent/search?q=" + url.QueryEscape(q)
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var out searchAnswer
		start := time.Now()
		err := agent.Call(ctx, http.MethodGet, path, nil, &out)
		return out, time.Since(start), err
	}
	first := map[string]searchAnswer{}
	for _, q := range searchQueries {
		a, _, err := ask(q, "")
		if err != nil {
			return fmt.Errorf("search %q: %w", q, err)
		}
		first[q] = a
	}
	times := map[string][]time.Duration{}
	var all []time.Duration
	r := rand.New(rand.NewPCG(1, 2))
	for range rounds {
		order := slices.Clone(searchQueries)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, q := range order {
			_, d, err := ask(q, "")
			if err != nil {
				return err
			}
			times[q] = append(times[q], d)
			all = append(all, d)
			if c := first[q].NextCursor; c != "" {
				_, d, err := ask(q, c)
				if err != nil {
					return err
				}
				times[q+" (next page)"] = append(times[q+" (next page)"], d)
				all = append(all, d)
			}
		}
	}
	// One more round, metered: what a search reads.
	b.cloud.MeterCapacity()
	calls := map[string]string{}
	units := map[string]float64{}
	for _, q := range searchQueries {
		pre, preStats := b.cloud.Usage(), b.cloud.Stats()
		if _, _, err := ask(q, ""); err != nil {
			return err
		}
		post, postStats := b.cloud.Usage(), b.cloud.Stats()
		calls[q] = dynamoCalls(preStats, postStats)
		for _, v := range post.Capacity.ReadUnits {
			units[q] += v
		}
		for _, v := range pre.Capacity.ReadUnits {
			units[q] -= v
		}
	}
	b.cloud.StopMeteringCapacity()

	fmt.Printf("  %d rounds through GET /agent/search (the agent API's Lambda, the local DynamoDB), first pages of 20:\n", rounds)
	fmt.Printf("  %-26s %8s %9s %9s %7s  %s\n", "query", "results", "p50", "p99", "RRU", "DynamoDB calls")
	for _, q := range searchQueries {
		fmt.Printf("  %-26s %8s %9s %9s %7.1f  %s\n", q, resultsOf(first[q]), pct(times[q], 50), pct(times[q], 99), units[q], calls[q])
		if n := q + " (next page)"; len(times[n]) > 0 {
			fmt.Printf("  %-26s %8s %9s %9s\n", "  next page", "", pct(times[n], 50), pct(times[n], 99))
		}
	}
	fmt.Printf("  all searches: p50 %s, p99 %s (%d)\n", pct(all, 50), pct(all, 99), len(all))
	return nil
}

func resultsOf(a searchAnswer) string {
	if a.NextCursor != "" {
		return fmt.Sprintf("%d+", len(a.Results))
	}
	return fmt.Sprint(len(a.Results))
}

// dynamoCalls is the DynamoDB calls between two snapshots, by operation.
func dynamoCalls(before, after localcloud.Stats) string {
	var parts []string
	for op, c := range after.AWS["dynamodb"] {
		if d := c - before.AWS["dynamodb"][op]; d > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", d, op))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
