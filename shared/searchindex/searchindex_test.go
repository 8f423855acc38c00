package searchindex_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/search"
	"github.com/parleychat/parley/shared/searchindex"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
)

var ddb *storetest.Server

func TestMain(m *testing.M) {
	ddb = storetest.Start()
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// world is a chat table and a search table, with the indexer and the
// finder over them.
type world struct {
	t         *testing.T
	st        *store.Store
	idx       *store.SearchIndex
	table     string
	chatTable string
	x         *searchindex.Indexer
	finder    *searchindex.Finder
	counted   *storetest.Counting
}

func newWorld(t *testing.T) *world {
	t.Helper()
	chatTable := ddb.NewTable(t)
	st := store.New(ddb.Client(), chatTable, nil)
	table := ddb.NewSearchTable(t)
	counted := storetest.NewCounting(ddb.Client())
	idx := store.NewSearchIndex(counted, table)
	return &world{t: t, st: st, idx: idx, table: table, chatTable: chatTable, counted: counted,
		x: searchindex.NewIndexer(idx, st, nil), finder: searchindex.NewFinder(idx, st)}
}

// conversation stores a conversation of inbox with a first visitor
// message, and indexes that message as the stream would deliver it.
func (w *world) conversation(inbox, visitorID, body string, at time.Time) chat.Conversation {
	w.t.Helper()
	c := chat.Conversation{ID: uuid.NewString(), ChannelID: "main", InboxID: inbox, VisitorID: visitorID, Status: chat.StatusOpen,
		Preview: body, CreatedAt: at, LastActivityAt: at}
	m := chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: visitorID}, Body: body, CreatedAt: at}
	res, err := w.st.CreateConversation(w.t.Context(), chat.NewConversation{Conversation: c, Message: m})
	if err != nil {
		w.t.Fatal(err)
	}
	w.index(res.Conversation, res.Message)
	return res.Conversation
}

// say appends a message of kind to c and indexes it.
func (w *world) say(c chat.Conversation, kind chat.Kind, body string, at time.Time) chat.Message {
	w.t.Helper()
	cur, err := w.st.Conversation(w.t.Context(), c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	res, err := w.st.Append(w.t.Context(), chat.Append{Current: cur, Message: chat.Message{Kind: kind, Author: chat.Author{Type: chat.RoleAgent, ID: "agent-1"}, Body: body, CreatedAt: at}})
	if err != nil {
		w.t.Fatal(err)
	}
	w.index(res.Conversation, res.Message)
	return res.Message
}

func (w *world) index(c chat.Conversation, m chat.Message) {
	w.t.Helper()
	if err := w.x.Message(w.t.Context(), store.StreamMessage{Message: m, InboxID: c.InboxID, VisitorID: c.VisitorID, ChannelID: c.ChannelID}); err != nil {
		w.t.Fatalf("index message %d of %s: %v", m.Seq, c.ID, err)
	}
}

func (w *world) contact(visitorID, name, addr string) {
	w.t.Helper()
	if err := w.st.PutContact(w.t.Context(), email.Contact{VisitorID: visitorID, Name: name, Email: addr, UpdatedAt: t0}); err != nil {
		w.t.Fatal(err)
	}
	if err := w.x.ContactChanged(w.t.Context(), visitorID); err != nil {
		w.t.Fatalf("contact changed: %v", err)
	}
}

// items lists every item of the search table as "pk | sk".
func (w *world) items() []string {
	w.t.Helper()
	var out []string
	var start map[string]types.AttributeValue
	for {
		page, err := ddb.Client().Scan(w.t.Context(), &dynamodb.ScanInput{TableName: aws.String(w.table), ExclusiveStartKey: start})
		if err != nil {
			w.t.Fatal(err)
		}
		for _, it := range page.Items {
			out = append(out, it["pk"].(*types.AttributeValueMemberS).Value+" | "+it["sk"].(*types.AttributeValueMemberS).Value)
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		start = page.LastEvaluatedKey
	}
	sort.Strings(out)
	return out
}

func agentIn(inboxes ...string) chat.Principal {
	return chat.Principal{Role: chat.RoleAgent, ID: "agent-1", Inboxes: inboxes}
}

// found runs a search and returns each result as "match conversation
// snippet-with-[marks]".
func (w *world) found(agent chat.Principal, q string) []string {
	w.t.Helper()
	page, err := w.finder.Search(w.t.Context(), agent, q, "", 0)
	if err != nil {
		w.t.Fatalf("search %q: %v", q, err)
	}
	var out []string
	for _, r := range page.Results {
		out = append(out, r.Match+" "+r.Conversation.ID+" "+marked(r.Snippet))
	}
	return out
}

// marked writes a snippet with its highlights in brackets (ASCII-only
// texts here, so UTF-16 offsets are byte offsets).
func marked(s search.Snippet) string {
	out, at := "", 0
	for _, h := range s.Highlights {
		out += s.Text[at:h.Start] + "[" + s.Text[h.Start:h.End] + "]"
		at = h.End
	}
	return out + s.Text[at:]
}

func TestIndexMessagesAndFind(t *testing.T) {
	w := newWorld(t)
	a := w.conversation("main", uuid.NewString(), "Where is my order? It was due Monday", t0)
	b := w.conversation("main", uuid.NewString(), "I want a refund for the order", t0.Add(time.Minute))
	w.say(a, chat.KindEvent, "Are you still there? order refund", t0.Add(2*time.Minute))
	w.say(a, chat.Kind("note"), "Refund approved by finance", t0.Add(3*time.Minute))
	other := w.conversation("sales", uuid.NewString(), "order refund please", t0.Add(4*time.Minute))
	tests := []struct {
		name  string
		agent chat.Principal
		q     string
		want  []string
	}{
		{"one word, newest first", agentIn("main"), "order",
			[]string{"message " + b.ID + " I want a refund for the [order]", "message " + a.ID + " Where is my [order]? It was due Monday"}},
		{"every word in one message", agentIn("main"), "refund ORDER", []string{"message " + b.ID + " I want a [refund] for the [order]"}},
		{"notes are found, system events are not", agentIn("main"), "approved", []string{"note " + a.ID + " Refund [approved] by finance"}},
		{"the newest match of a conversation", agentIn("main"), "refund",
			[]string{"note " + a.ID + " [Refund] approved by finance", "message " + b.ID + " I want a [refund] for the order"}},
		{"another inbox is never read", agentIn("main"), "please", nil},
		{"the agent's other inbox", agentIn("main", "sales"), "please", []string{"message " + other.ID + " order refund [please]"}},
		{"no inbox, nothing", agentIn(), "order", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, w.found(tt.agent, tt.q)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", tt.q, diff)
			}
		})
	}
}

func TestIndexingTwiceWritesTheSame(t *testing.T) {
	w := newWorld(t)
	c := w.conversation("main", uuid.NewString(), "hello world", t0)
	before := w.items()
	m, _, err := w.st.Messages(t.Context(), chat.MessageQuery{ConversationID: c.ID, After: 0, Limit: 10})
	if err != nil || len(m) != 1 {
		t.Fatal(m, err)
	}
	w.index(c, m[0])
	if diff := cmp.Diff(before, w.items()); diff != "" {
		t.Errorf("items after indexing again (-before +after):\n%s", diff)
	}
	want := []string{
		"DOC#" + c.ID + " | MSG#000000000001",
		"TERM#main#hello | " + string(search.NewKey(t0, c.ID, 1)),
		"TERM#main#world | " + string(search.NewKey(t0, c.ID, 1)),
	}
	if diff := cmp.Diff(want, before); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestMessageRemoved(t *testing.T) {
	w := newWorld(t)
	c := w.conversation("main", uuid.NewString(), "first words", t0)
	w.say(c, chat.KindText, "second thoughts", t0.Add(time.Second))
	if err := w.x.MessageRemoved(t.Context(), c.ID, 2); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"DOC#" + c.ID + " | MSG#000000000001",
		"TERM#main#first | " + string(search.NewKey(t0, c.ID, 1)),
		"TERM#main#words | " + string(search.NewKey(t0, c.ID, 1)),
	}
	if diff := cmp.Diff(want, w.items()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	// Removed again (a record delivered twice): nothing happens.
	if err := w.x.MessageRemoved(t.Context(), c.ID, 2); err != nil {
		t.Fatal(err)
	}
}

func TestContactCards(t *testing.T) {
	w := newWorld(t)
	vid := uuid.NewString()
	first := w.conversation("main", vid, "hi", t0)
	w.contact(vid, "Jane Doe", "jane.doe@acme.io")
	// A later conversation of the same visitor gets its card with its
	// first message.
	second := w.conversation("main", vid, "me again", t0.Add(time.Hour))
	card := func(c chat.Conversation) string { return "contact " + c.ID + " [Jane] Doe <[jane].doe@acme.io>" }
	if diff := cmp.Diff([]string{card(second), card(first)}, w.found(agentIn("main"), "jane")); diff != "" {
		t.Errorf("by name (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"contact " + second.ID + " Jane Doe <[jane.d]oe@acme.io>", "contact " + first.ID + " Jane Doe <[jane.d]oe@acme.io>"},
		w.found(agentIn("main"), "jane.d")); diff != "" {
		t.Errorf("by address prefix (-want +got):\n%s", diff)
	}

	// Renamed: the old name finds nothing, the new one both.
	w.contact(vid, "Jana Novak", "jana@acme.io")
	if got := w.found(agentIn("main"), "doe"); len(got) != 0 {
		t.Errorf("the old name still finds %v", got)
	}
	if got := w.found(agentIn("main"), "novak"); len(got) != 2 {
		t.Errorf("the new name finds %v, want both conversations", got)
	}
	for _, it := range w.items() {
		list, _, _ := strings.Cut(it, " | ")
		prefix, isName := strings.CutPrefix(list, "NAME#main#")
		if isName && !strings.HasPrefix("jana", prefix) && !strings.HasPrefix("novak", prefix) && !strings.HasPrefix("jana@acme.io", prefix) &&
			!strings.HasPrefix("acme.io", prefix) && !strings.HasPrefix("acme", prefix) && !strings.HasPrefix("io", prefix) {
			t.Errorf("posting %q is not a prefix of the new name or address", it)
		}
	}

	// Unchanged (the address confirmed, another field changed), or no
	// card to have: nothing is written, not even the lease.
	anonymous := w.conversation("main", uuid.NewString(), "no contact", t0)
	for _, id := range []string{first.ID, anonymous.ID} {
		w.counted.Calls()
		if err := w.x.SyncCard(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		calls := w.counted.Calls()
		if calls["BatchWriteItem"]+calls["UpdateItem"]+calls["PutItem"]+calls["DeleteItem"] != 0 {
			t.Errorf("syncing a card that needs no change wrote: %v", calls)
		}
	}

	// Erased: no card, no document item.
	if _, err := ddb.Client().DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(w.chatTable), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "VISITOR#" + vid}, "sk": &types.AttributeValueMemberS{Value: "CONTACT"}}}); err != nil {
		t.Fatal(err)
	}
	if err := w.x.ContactChanged(t.Context(), vid); err != nil {
		t.Fatal(err)
	}
	for _, it := range w.items() {
		if strings.HasPrefix(it, "NAME#") || strings.HasSuffix(it, "CONTACT") {
			t.Errorf("left after the contact was erased: %s", it)
		}
	}
}

// A writer that died after listing the postings it was about to write
// (its lease ran out) leaves nothing behind: the next sync finds them in
// the document item and puts the card right.
func TestCardAfterWriterDied(t *testing.T) {
	w := newWorld(t)
	// The indexer's clock moves a second at every look, so waiting for
	// a lease takes a few looks, not seconds.
	now := time.Now()
	w.x = searchindex.NewIndexer(w.idx, w.st, func() time.Time { now = now.Add(time.Second); return now })
	vid := uuid.NewString()
	c := w.conversation("main", vid, "hi", t0)
	w.contact(vid, "Ann", "")
	// The dead writer: leased, listed "Bob"'s prefixes as pending, wrote
	// one of them, died.
	dead, err := w.idx.LeaseDocument(t.Context(), "DOC#"+c.ID, "CONTACT", "dead", now, now.Add(searchindex.Lease))
	if err != nil {
		t.Fatal(err)
	}
	key := search.NewKey(c.CreatedAt, c.ID, 0)
	dead.PendingKey, dead.PendingLists = key, []string{"NAME#main#b", "NAME#main#bo", "NAME#main#bob"}
	if err := w.idx.SetPending(t.Context(), dead, "dead"); err != nil {
		t.Fatal(err)
	}
	if err := w.idx.PutPostings(t.Context(), search.Entries{Key: key, Lists: []string{"NAME#main#bo"}}); err != nil {
		t.Fatal(err)
	}
	// While the lease runs, another writer waits, then gives up.
	if err := w.x.SyncCard(t.Context(), c.ID); err == nil {
		t.Fatal("a sync went ahead while another writer's lease ran")
	}
	// The lease runs out: the next sync takes over.
	now = now.Add(searchindex.Lease)
	if err := w.x.SyncCard(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"DOC#" + c.ID + " | CONTACT", "DOC#" + c.ID + " | MSG#000000000001",
		"NAME#main#a | " + string(key), "NAME#main#an | " + string(key), "NAME#main#ann | " + string(key),
		"TERM#main#hi | " + string(search.NewKey(t0, c.ID, 1)),
	}
	if diff := cmp.Diff(want, w.items()); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestEraseConversation(t *testing.T) {
	w := newWorld(t)
	vid := uuid.NewString()
	gone := w.conversation("main", vid, "private words", t0)
	w.say(gone, chat.KindText, "more private words", t0.Add(time.Second))
	kept := w.conversation("main", uuid.NewString(), "other words", t0)
	w.contact(vid, "Erin Example", "erin@example.com")
	for range 2 { // twice: harmless
		if err := w.x.EraseConversation(t.Context(), gone.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, it := range w.items() {
		if strings.Contains(it, gone.ID) {
			t.Errorf("left after erasure: %s", it)
		}
	}
	if got := w.found(agentIn("main"), "words"); len(got) != 1 || !strings.Contains(got[0], kept.ID) {
		t.Errorf("search for words = %v, want only %s", got, kept.ID)
	}
}

func TestFinderRows(t *testing.T) {
	w := newWorld(t)
	c := w.conversation("main", uuid.NewString(), "refund please", t0)
	// A conversation indexed in main but now in another inbox (moved):
	// the index still lists it under main, the row check drops it.
	moved := w.conversation("main", uuid.NewString(), "refund now", t0.Add(time.Minute))
	if _, err := ddb.Client().UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(w.chatTable),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CONV#" + moved.ID}, "sk": &types.AttributeValueMemberS{Value: "META"},
		},
		UpdateExpression:          aws.String("SET inboxId = :i"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":i": &types.AttributeValueMemberS{Value: "elsewhere"}},
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"message " + c.ID + " [refund] please"}, w.found(agentIn("main"), "refund")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestFinderRefuses(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name          string
		agent         chat.Principal
		q, cursor     string
		limit         int
		wantKind      error
		wantInMessage string
	}{
		{"no words", agentIn("main"), "  !? ", "", 0, chat.ErrInvalid, "no letters or digits"},
		{"too long", agentIn("main"), strings.Repeat("a", 201), "", 0, chat.ErrInvalid, "longer than 200"},
		{"a cursor it never gave", agentIn("main"), "hello", "bm90IGEga2V5", 0, chat.ErrInvalid, "cursor"},
		{"a cursor that is not base64", agentIn("main"), "hello", "%%%", 0, chat.ErrInvalid, "cursor"},
		{"a limit too large", agentIn("main"), "hello", "", 51, chat.ErrInvalid, "limit"},
		{"a visitor", chat.Principal{Role: chat.RoleVisitor, ID: "v"}, "hello", "", 0, chat.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.finder.Search(t.Context(), tt.agent, tt.q, tt.cursor, tt.limit)
			var e *chat.Error
			if !errors.As(err, &e) || !errors.Is(err, tt.wantKind) || !strings.Contains(e.Message, tt.wantInMessage) {
				t.Errorf("err = %v, want %v saying %q", err, tt.wantKind, tt.wantInMessage)
			}
		})
	}
}

func TestFinderPages(t *testing.T) {
	w := newWorld(t)
	var want []string
	for i := range 25 {
		c := w.conversation("main", uuid.NewString(), "shipping question", t0.Add(time.Duration(i)*time.Minute))
		want = append([]string{c.ID}, want...)
	}
	var got []string
	cursor := ""
	for range 10 {
		page, err := w.finder.Search(t.Context(), agentIn("main"), "shipping", cursor, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Results {
			got = append(got, r.Conversation.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

// poisoned fails every write of a posting of the term "poison".
type poisoned struct{ store.DB }

func (p poisoned) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	for _, reqs := range in.RequestItems {
		for _, r := range reqs {
			if r.PutRequest != nil && r.PutRequest.Item["pk"].(*types.AttributeValueMemberS).Value == "TERM#main#poison" {
				return nil, errors.New("injected failure")
			}
		}
	}
	return p.DB.BatchWriteItem(ctx, in, o...)
}

// image is an item of the chat table as its stream record carries it.
func (w *world) image(pk, sk string) map[string]events.DynamoDBAttributeValue {
	w.t.Helper()
	out, err := ddb.Client().GetItem(w.t.Context(), &dynamodb.GetItemInput{TableName: aws.String(w.chatTable), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil || len(out.Item) == 0 {
		w.t.Fatalf("read %s %s: %v", pk, sk, err)
	}
	img := map[string]events.DynamoDBAttributeValue{}
	for k, v := range out.Item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			img[k] = events.NewStringAttribute(v.Value)
		case *types.AttributeValueMemberN:
			img[k] = events.NewNumberAttribute(v.Value)
		case *types.AttributeValueMemberBOOL:
			img[k] = events.NewBooleanAttribute(v.Value)
		}
	}
	return img
}

func record(seq int, name, pk, sk string, img map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{
		SequenceNumber: fmt.Sprintf("%021d", seq),
		Keys:           map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute(pk), "sk": events.NewStringAttribute(sk)},
		NewImage:       img,
	}}
}

// The stream handler applies a batch: the records of one conversation in
// order (a message inserted and removed in one batch leaves nothing), the
// others independently; a failing record is reported, and the records of
// its conversation after it wait for the batch to be delivered again.
func TestStreamHandler(t *testing.T) {
	w := newWorld(t)
	w.x = searchindex.NewIndexer(store.NewSearchIndex(poisoned{ddb.Client()}, w.table), w.st, nil)
	h := searchindex.NewStreamHandler(w.x)
	vid := uuid.NewString()
	store := func(body string) chat.Conversation {
		c := chat.Conversation{ID: uuid.NewString(), ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen, CreatedAt: t0, LastActivityAt: t0}
		res, err := w.st.CreateConversation(t.Context(), chat.NewConversation{Conversation: c, Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: body, CreatedAt: t0}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Conversation
	}
	kept, removed, bad := store("kept words"), store("removed words"), store("poison words")
	res, err := w.st.Append(t.Context(), chat.Append{Current: bad, Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleAgent, ID: "a"}, Body: "after that", CreatedAt: t0}})
	if err != nil {
		t.Fatal(err)
	}
	later := res.Message
	if err := w.st.PutContact(t.Context(), email.Contact{VisitorID: vid, Name: "Vera", UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	msg := func(c chat.Conversation, seq int64) (string, string) {
		return "CONV#" + c.ID, fmt.Sprintf("MSG#%012d", seq)
	}
	pk1, sk1 := msg(kept, 1)
	pk2, sk2 := msg(removed, 1)
	pk3, sk3 := msg(bad, 1)
	pk4, sk4 := msg(bad, later.Seq)
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		record(1, "INSERT", pk1, sk1, w.image(pk1, sk1)),
		record(2, "INSERT", pk2, sk2, w.image(pk2, sk2)),
		record(3, "INSERT", pk3, sk3, w.image(pk3, sk3)),
		record(4, "REMOVE", pk2, sk2, nil),
		record(5, "INSERT", pk4, sk4, w.image(pk4, sk4)),
		record(6, "MODIFY", "VISITOR#"+vid, "CONTACT", w.image("VISITOR#"+vid, "CONTACT")),
	}}
	resp, err := h.Handle(t.Context(), batch)
	if err != nil {
		t.Fatal(err)
	}
	want := []events.DynamoDBBatchItemFailure{{ItemIdentifier: fmt.Sprintf("%021d", 3)}}
	if diff := cmp.Diff(want, resp.BatchItemFailures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"message " + kept.ID + " kept [words]"}, w.found(agentIn("main"), "words")); diff != "" {
		t.Errorf("words (-want +got):\n%s", diff)
	}
	if got := w.found(agentIn("main"), "after"); len(got) != 0 {
		t.Errorf("a record after the failed one in its conversation was applied: %v", got)
	}
	if got := w.found(agentIn("main"), "vera"); len(got) != 3 {
		t.Errorf("the contact's cards: %v, want its 3 conversations", got)
	}
}
