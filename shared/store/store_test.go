package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
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

func newStore(t *testing.T) (*store.Store, *storetest.Counting) {
	t.Helper()
	db := storetest.NewCounting(ddb.Client())
	return store.New(db, ddb.NewTable(t), nil), db
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func visitorP(id string) chat.Principal {
	return chat.Principal{Role: chat.RoleVisitor, ID: id, Name: "Visitor"}
}

// seed creates a conversation with one visitor message.
func seed(t *testing.T, s *store.Store, at time.Time) chat.Conversation {
	t.Helper()
	cid, vid := uuid.NewString(), uuid.NewString()
	c := chat.Conversation{
		ID: cid, ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen,
		Preview: "hello", CreatedAt: at, LastActivityAt: at,
	}
	m := chat.Message{Kind: chat.KindText, ClientID: uuid.NewString(), Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hello", CreatedAt: at}
	res, err := s.CreateConversation(t.Context(), chat.NewConversation{Conversation: c, Message: m, ClientKey: "visitor:" + vid + "#" + m.ClientID})
	if err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	return res.Conversation
}

func text(body string) chat.Message {
	return chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleAgent, ID: "agent-1"}, Body: body, CreatedAt: t0}
}

func TestCreateConversationIsIdempotent(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	key := "visitor:" + c.VisitorID + "#retry"
	first, err := s.Append(ctx, chat.Append{Current: c, Message: text("one"), ClientKey: key})
	if err != nil {
		t.Fatal(err)
	}
	// The retry names a brand-new conversation id, as a client that lost
	// the answer to its first message would: nothing new may be stored.
	c2 := c
	c2.ID = uuid.NewString()
	again, err := s.CreateConversation(ctx, chat.NewConversation{Conversation: c2, Message: text("one"), ClientKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate {
		t.Error("Duplicate = false, want true")
	}
	if diff := cmp.Diff(first.Message, again.Message); diff != "" {
		t.Errorf("message (-first +again):\n%s", diff)
	}
	if _, err := s.Conversation(ctx, c2.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("second conversation: err = %v, want ErrNotFound", err)
	}
}

func TestAppend(t *testing.T) {
	s, db := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	db.Calls()

	res, err := s.Append(ctx, chat.Append{Current: c, Message: text("hi"), ClientKey: "agent:a#1",
		Change: func(c *chat.Conversation) error { c.Preview = "hi"; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Message.Seq != 2 || res.Conversation.LastSeq != 2 || res.Duplicate {
		t.Errorf("Append = seq %d lastSeq %d dup %v, want 2 2 false", res.Message.Seq, res.Conversation.LastSeq, res.Duplicate)
	}
	if diff := cmp.Diff(map[string]int{"TransactWriteItems": 1}, db.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}

	// Stale state: the store must find seq 3 itself.
	res2, err := s.Append(ctx, chat.Append{Current: c, Message: text("stale"), ClientKey: "agent:a#2"})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Message.Seq != 3 {
		t.Errorf("stale append seq = %d, want 3", res2.Message.Seq)
	}

	// Same client key again: the stored message comes back, nothing new.
	dup, err := s.Append(ctx, chat.Append{Current: res2.Conversation, Message: text("other"), ClientKey: "agent:a#1"})
	if err != nil {
		t.Fatal(err)
	}
	if !dup.Duplicate || dup.Message.Seq != 2 || dup.Message.Body != "hi" {
		t.Errorf("duplicate = %+v, want seq 2 body hi", dup)
	}
	got, err := s.Conversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.LastSeq != 3 || got.Preview != "hi" {
		t.Errorf("conversation lastSeq %d preview %q, want 3 hi", got.LastSeq, got.Preview)
	}
}

func TestAppendRaceStoresEveryMessageOnce(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	const writers = 6
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			_, err := s.Append(ctx, chat.Append{Current: c, Message: text(fmt.Sprint(i)), ClientKey: fmt.Sprintf("agent:a#%d", i)})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	msgs, more, err := s.Messages(ctx, chat.MessageQuery{ConversationID: c.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seqs := []int64{}
	for _, m := range msgs {
		seqs = append(seqs, m.Seq)
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6, 7}, seqs); diff != "" || more {
		t.Errorf("seqs (-want +got):\n%s more=%v", diff, more)
	}
}

func TestAppendChangeSeesFreshStateOnRace(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	take := func(agent string) chat.Append {
		return chat.Append{Current: c, Message: text("event"), Change: func(cur *chat.Conversation) error {
			if cur.AssigneeID != "" {
				return &chat.ConflictError{AssigneeID: cur.AssigneeID}
			}
			cur.AssigneeID = agent
			return nil
		}}
	}
	if _, err := s.Append(ctx, take("a")); err != nil {
		t.Fatal(err)
	}
	// b read the conversation before a's write: the lastSeq condition fails,
	// the store re-reads, and Change reports the conflict naming a.
	_, err := s.Append(ctx, take("b"))
	var conflict *chat.ConflictError
	if !errors.As(err, &conflict) || conflict.AssigneeID != "a" || !errors.Is(err, chat.ErrConflict) {
		t.Fatalf("second take = %v, want conflict naming a", err)
	}
	got, _ := s.Conversation(ctx, c.ID)
	if got.AssigneeID != "a" || got.LastSeq != 2 {
		t.Errorf("conversation assignee %q lastSeq %d, want a 2", got.AssigneeID, got.LastSeq)
	}
}

func TestMessagesPages(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	for i := range 9 {
		if _, err := s.Append(ctx, chat.Append{Current: c, Message: text(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		q        chat.MessageQuery
		wantSeqs []int64
		wantMore bool
	}{
		{"from start", chat.MessageQuery{Limit: 3}, []int64{1, 2, 3}, true},
		{"after", chat.MessageQuery{After: 7, Limit: 3}, []int64{8, 9, 10}, false},
		{"after all", chat.MessageQuery{After: 10, Limit: 3}, []int64{}, false},
		{"latest", chat.MessageQuery{Before: 11, Limit: 4}, []int64{7, 8, 9, 10}, true},
		{"before", chat.MessageQuery{Before: 3, Limit: 4}, []int64{1, 2}, false},
		{"before first", chat.MessageQuery{Before: 1, Limit: 4}, []int64{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.ConversationID = c.ID
			msgs, more, err := s.Messages(t.Context(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			seqs := []int64{}
			for _, m := range msgs {
				seqs = append(seqs, m.Seq)
			}
			if diff := cmp.Diff(tt.wantSeqs, seqs); diff != "" {
				t.Errorf("seqs (-want +got):\n%s", diff)
			}
			if more != tt.wantMore {
				t.Errorf("more = %v, want %v", more, tt.wantMore)
			}
		})
	}
}

// seedMessages seeds a conversation at t0 and appends n messages to it
// (seq 2..n+1); it returns the conversation as seeded.
func seedMessages(t *testing.T, s *store.Store, n int) chat.Conversation {
	t.Helper()
	c := seed(t, s, t0)
	for range n {
		if _, err := s.Append(t.Context(), chat.Append{Current: c, Message: text("x")}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestMarkAgentReadNeverLowers(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seedMessages(t, s, 3)
	for _, step := range []struct {
		seq, want int64
	}{{3, 3}, {2, 3}, {4, 4}} {
		got, err := s.MarkAgentRead(ctx, c.ID, step.seq)
		if err != nil {
			t.Fatal(err)
		}
		if got.AgentReadSeq != step.want {
			t.Errorf("MarkAgentRead(%d) = %d, want %d", step.seq, got.AgentReadSeq, step.want)
		}
	}
	if _, err := s.MarkAgentRead(ctx, uuid.NewString(), 1); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("MarkAgentRead unknown: err = %v, want ErrNotFound", err)
	}
}

// visitorRead is the visitor's read marker of c as the visitor's next
// session reads it.
func visitorRead(t *testing.T, s *store.Store, c chat.Conversation) int64 {
	t.Helper()
	convs, err := s.VisitorConversations(t.Context(), c.VisitorID, 10)
	if err != nil || len(convs) != 1 {
		t.Fatalf("VisitorConversations = %v, %v; want one", convs, err)
	}
	return convs[0].VisitorReadSeq
}

// TestMarkVisitorRead: the visitor's marker never goes down, costs one
// UpdateItem, says whether it went up, reads back with one GetItem, and
// is kept off the conversation item, so that neither the conversation
// nor the inbox lists (the indexes that copy the conversation item) hold
// it.
func TestMarkVisitorRead(t *testing.T) {
	s, db := newStore(t)
	ctx := t.Context()
	c := seedMessages(t, s, 3)
	if seq, err := s.VisitorRead(ctx, c); err != nil || seq != 0 {
		t.Fatalf("VisitorRead before any read = %d, %v; want 0", seq, err)
	}
	for _, step := range []struct {
		seq, want int64
		raised    bool
	}{{3, 3, true}, {2, 3, false}, {3, 3, false}, {4, 4, true}} {
		db.Calls()
		raised, err := s.MarkVisitorRead(ctx, c, step.seq)
		if err != nil {
			t.Fatal(err)
		}
		if raised != step.raised {
			t.Errorf("MarkVisitorRead(%d) raised = %v, want %v", step.seq, raised, step.raised)
		}
		if diff := cmp.Diff(map[string]int{"UpdateItem": 1}, db.Calls()); diff != "" {
			t.Errorf("MarkVisitorRead(%d) calls (-want +got):\n%s", step.seq, diff)
		}
		if got := visitorRead(t, s, c); got != step.want {
			t.Errorf("after MarkVisitorRead(%d): session's marker %d, want %d", step.seq, got, step.want)
		}
		db.Calls()
		if got, err := s.VisitorRead(ctx, c); err != nil || got != step.want {
			t.Errorf("after MarkVisitorRead(%d): VisitorRead = %d, %v; want %d", step.seq, got, err, step.want)
		}
		if diff := cmp.Diff(map[string]int{"GetItem": 1}, db.Calls()); diff != "" {
			t.Errorf("VisitorRead calls (-want +got):\n%s", diff)
		}
	}
	meta, err := s.Conversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if meta.VisitorReadSeq != 0 {
		t.Errorf("the conversation item holds the visitor's marker: %d", meta.VisitorReadSeq)
	}
	for _, view := range []chat.View{chat.ViewAll, chat.ViewUnassigned} {
		listed, _, err := s.Conversations(ctx, chat.ListQuery{InboxIDs: []string{"main"}, View: view, Status: chat.StatusOpen, Limit: 10})
		if err != nil || len(listed) != 1 {
			t.Fatalf("list %s = %v, %v; want one", view, listed, err)
		}
		if listed[0].VisitorReadSeq != 0 {
			t.Errorf("list %s holds the visitor's marker: %d", view, listed[0].VisitorReadSeq)
		}
	}
}

// retriedWrite sends every UpdateItem twice, as the SDK does when the
// answer to a write that was applied got lost.
type retriedWrite struct{ store.DB }

func (r retriedWrite) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if _, err := r.DB.UpdateItem(ctx, in, opts...); err != nil {
		return nil, err
	}
	return r.DB.UpdateItem(ctx, in, opts...)
}

// TestMarkVisitorReadRetried: a marker write sent again after its
// answer got lost finds its own marker and says it raised it (the open
// threads are told); another tab's read of the same seq raised nothing.
func TestMarkVisitorReadRetried(t *testing.T) {
	table := ddb.NewTable(t)
	c := seedMessages(t, store.New(ddb.Client(), table, nil), 3)
	s := store.New(retriedWrite{ddb.Client()}, table, nil)
	raised, err := s.MarkVisitorRead(t.Context(), c, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !raised {
		t.Error("the marker went from 0 to 3 on the first send, and the retry says nothing was raised")
	}
	if seq, err := s.VisitorRead(t.Context(), c); err != nil || seq != 3 {
		t.Fatalf("marker = %d, %v; want 3", seq, err)
	}
	if raised, err := store.New(ddb.Client(), table, nil).MarkVisitorRead(t.Context(), c, 3); err != nil || raised {
		t.Errorf("another tab's read of seq 3 = %v, %v; want nothing raised", raised, err)
	}
}

// TestVisitorReadOfBefore: conversations stored before the visitor's
// marker moved off the conversation item keep theirs there; a session
// reads the higher of the two, so an upgrade loses no marker.
func TestVisitorReadOfBefore(t *testing.T) {
	for _, tt := range []struct {
		name       string
		stored     int64 // the marker on the conversation item
		mark, want int64
	}{
		{name: "the old marker alone", stored: 3, want: 3},
		{name: "a lower read after it", stored: 3, mark: 2, want: 3},
		{name: "a higher read after it", stored: 3, mark: 4, want: 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			table := ddb.NewTable(t)
			s := store.New(ddb.Client(), table, nil)
			c := seedMessages(t, s, 3)
			_, err := ddb.Client().UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
				TableName: &table,
				Key: map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: "CONV#" + c.ID}, "sk": &types.AttributeValueMemberS{Value: "META"},
				},
				UpdateExpression:          aws.String("SET visitorReadSeq = :seq"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":seq": &types.AttributeValueMemberN{Value: fmt.Sprint(tt.stored)}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if tt.mark > 0 {
				if _, err := s.MarkVisitorRead(t.Context(), c, tt.mark); err != nil {
					t.Fatal(err)
				}
			}
			if got := visitorRead(t, s, c); got != tt.want {
				t.Errorf("marker %d, want %d", got, tt.want)
			}
		})
	}
}

func TestConversationsListsAndPages(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	var all []string
	for i := range 7 {
		c := seed(t, s, t0.Add(time.Duration(i)*time.Minute))
		all = append([]string{c.ID}, all...) // newest first
		if i%2 == 0 {
			_, err := s.Append(ctx, chat.Append{Current: c, Message: text("mine"), Change: func(c *chat.Conversation) error {
				c.AssigneeID = "agent-1"
				return nil
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	ids := func(cs []chat.Conversation) []string {
		out := []string{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	// Walk the "all" view three at a time.
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		cs, next, err := s.Conversations(ctx, chat.ListQuery{InboxIDs: []string{"main"}, Status: chat.StatusOpen, View: chat.ViewAll, Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(cs)...)
		if next == "" {
			break
		}
		if page > 5 {
			t.Fatal("cursor never ends")
		}
		cursor = next
	}
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("all view (-want +got):\n%s", diff)
	}

	mine, _, err := s.Conversations(ctx, chat.ListQuery{InboxIDs: []string{"main"}, Status: chat.StatusOpen, View: chat.ViewMine, AgentID: "agent-1", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{all[0], all[2], all[4], all[6]}, ids(mine)); diff != "" {
		t.Errorf("mine (-want +got):\n%s", diff)
	}
	un, _, err := s.Conversations(ctx, chat.ListQuery{InboxIDs: []string{"main"}, Status: chat.StatusOpen, View: chat.ViewUnassigned, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{all[1], all[3], all[5]}, ids(un)); diff != "" {
		t.Errorf("unassigned (-want +got):\n%s", diff)
	}
	closed, _, err := s.Conversations(ctx, chat.ListQuery{InboxIDs: []string{"main"}, Status: chat.StatusClosed, View: chat.ViewAll, Limit: 10})
	if err != nil || len(closed) != 0 {
		t.Errorf("closed = %v, %v; want none", ids(closed), err)
	}
}

func TestConversationsRejectsMalformedCursor(t *testing.T) {
	s, _ := newStore(t)
	for _, cursor := range []string{"!!!", "bm90LWEta2V5", "MjAyNS0wMy0wMVQxMjowMDowMC4wMDBaI25vdC1hLXV1aWQ"} {
		_, _, err := s.Conversations(t.Context(), chat.ListQuery{InboxIDs: []string{"main"}, Status: chat.StatusOpen, View: chat.ViewAll, Limit: 3, Cursor: cursor})
		if !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("cursor %q: err = %v, want ErrInvalid", cursor, err)
		}
	}
}

func TestVisitorConversations(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	vid := uuid.NewString()
	var want []string
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Hour)
		c := chat.Conversation{ID: uuid.NewString(), ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen, CreatedAt: at, LastActivityAt: at}
		if _, err := s.CreateConversation(ctx, chat.NewConversation{Conversation: c, Message: text("hi")}); err != nil {
			t.Fatal(err)
		}
		want = append([]string{c.ID}, want...)
	}
	got, err := s.VisitorConversations(ctx, vid, 20)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("visitor conversations (-want +got):\n%s", diff)
	}
}

func TestConnectionsAndSubscriptions(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	vis := visitorP(c.VisitorID)
	agent := chat.Principal{Role: chat.RoleAgent, ID: "agent-1", Name: "Ann"}
	now := time.Now()
	for _, conn := range []chat.Connection{
		{ID: "v1", Principal: vis, ConnectedAt: now},
		{ID: "v2", Principal: vis, ConnectedAt: now},
		{ID: "a1", Principal: agent, Inboxes: []string{"main"}, ConnectedAt: now},
		// Connected over two hours ago: its items are expired, even if TTL
		// has not deleted them yet.
		{ID: "old", Principal: agent, Inboxes: []string{"main"}, ConnectedAt: now.Add(-3 * time.Hour)},
	} {
		if err := s.SaveConnection(ctx, conn); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Subscribe(ctx, "v1", c.ID, vis, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Subscribe(ctx, "gone", c.ID, vis, ""); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("Subscribe unknown connection: err = %v, want ErrNotFound", err)
	}

	got, err := s.Connection(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(chat.Connection{ID: "a1", Principal: agent, Inboxes: []string{"main"}, ConnectedAt: now.UTC().Truncate(time.Millisecond)}, got); diff != "" {
		t.Errorf("Connection (-want +got):\n%s", diff)
	}
	if _, err := s.Connection(ctx, "old"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("expired connection: err = %v, want ErrNotFound", err)
	}
	inbox, err := s.InboxListeners(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a1"}, inbox); diff != "" {
		t.Errorf("inbox listeners (-want +got):\n%s", diff)
	}
	tabs, _ := s.VisitorListeners(ctx, c.VisitorID)
	if diff := cmp.Diff([]string{"v1", "v2"}, tabs); diff != "" {
		t.Errorf("visitor listeners (-want +got):\n%s", diff)
	}
	_, ls, err := s.ConversationListeners(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]chat.Listener{{ConnectionID: "v1", Principal: vis}}, ls); diff != "" {
		t.Errorf("conversation listeners (-want +got):\n%s", diff)
	}

	gone, err := s.DeleteConnection(ctx, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if gone.ID != "v1" || !cmp.Equal(gone.Principal, vis) {
		t.Errorf("delete answered %+v, want connection v1 of %+v", gone, vis)
	}
	if gone, err := s.DeleteConnection(ctx, "v1"); err != nil || gone.ID != "" {
		t.Errorf("second delete: %+v, %v; want the zero connection", gone, err)
	}
	if gone, err := s.DeleteConnection(ctx, "old"); err != nil || gone.ID != "" {
		t.Errorf("delete of an expired connection: %+v, %v; want the zero connection", gone, err)
	}
	_, ls, _ = s.ConversationListeners(ctx, c.ID)
	tabs, _ = s.VisitorListeners(ctx, c.VisitorID)
	if len(ls) != 0 || !cmp.Equal([]string{"v2"}, tabs) {
		t.Errorf("after delete: conversation listeners %v, visitor tabs %v; want none and [v2]", ls, tabs)
	}
	if _, err := s.Connection(ctx, "v1"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("deleted connection: err = %v, want ErrNotFound", err)
	}
}

func TestConsumeTicketOnce(t *testing.T) {
	s, _ := newStore(t)
	jti := uuid.NewString()
	if err := s.ConsumeTicket(t.Context(), jti, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ConsumeTicket(t.Context(), jti, time.Now().Add(time.Minute)); !errors.Is(err, chat.ErrConflict) {
		t.Errorf("reuse: err = %v, want ErrConflict", err)
	}
}

func TestAgents(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	ann := chat.Agent{ID: "a-1", DisplayName: "Ann", Email: "ann@example.com", Inboxes: []string{"main"}, Role: chat.TeamAgent, Granted: chat.TeamAgent}
	got, err := s.EnsureAgent(ctx, ann)
	if err != nil || !cmp.Equal(ann, got) {
		t.Fatalf("EnsureAgent = %+v, %v", got, err)
	}
	ann.DisplayName, ann.MeetingsURL = "Ann B", "https://cal.example.com/ann"
	if err := s.UpdateProfile(ctx, ann); err != nil {
		t.Fatal(err)
	}
	// A later first-use upsert from stale claims keeps the edited profile.
	got, err = s.EnsureAgent(ctx, chat.Agent{ID: "a-1", DisplayName: "claims name", Inboxes: []string{"main"}})
	if err != nil || !cmp.Equal(ann, got) {
		t.Errorf("EnsureAgent existing = %+v, %v; want %+v", got, err, ann)
	}
	bob := chat.Agent{ID: "b-2", DisplayName: "Bob", Inboxes: []string{"main"}, Role: chat.TeamAgent, Granted: chat.TeamAgent}
	if _, err := s.EnsureAgent(ctx, bob); err != nil {
		t.Fatal(err)
	}
	list, err := s.Agents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]chat.Agent{ann, bob}, list); diff != "" {
		t.Errorf("Agents (-want +got):\n%s", diff)
	}
	if _, err := s.Agent(ctx, "nobody"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("Agent unknown: err = %v, want ErrNotFound", err)
	}
}

// TestQuarantineKeepsARedeliveryOnce: Lambda may deliver the same SES
// receipt twice, each processed at its own time; the mail is listed once,
// as first kept. Another mail is listed beside it.
func TestQuarantineKeepsARedeliveryOnce(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	q := email.Quarantined{ID: "ses0001", InboxID: "main", From: "eve@evil.test", Reason: "failed DMARC checks", RawKey: "inbound/ses0001", ReceivedAt: t0}
	again := q
	again.ReceivedAt = t0.Add(90 * time.Second)
	other := email.Quarantined{ID: "ses0002", InboxID: "main", From: "mallory@evil.test", Reason: "failed spam checks", RawKey: "inbound/ses0002", ReceivedAt: t0.Add(time.Minute)}
	for _, m := range []email.Quarantined{q, again, other} {
		if err := s.Quarantine(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.QuarantinedMail(ctx, "main", 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]email.Quarantined{other, q}, got); diff != "" {
		t.Errorf("quarantine (-want +got):\n%s", diff)
	}
}
