package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
)

// faultDB is DynamoDB as it behaves at the edges minidyn does not model:
// a Query page stops early (at 1 MB in AWS; after pageItems items here),
// BETWEEN with its bounds out of order is refused, and a transaction can
// be cancelled for reasons of its own (txn answers instead of the call
// when it returns an error).
type faultDB struct {
	store.DB
	pageItems int32
	mu        sync.Mutex
	txn       func(in *dynamodb.TransactWriteItemsInput) error
}

func (f *faultDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if strings.Contains(aws.ToString(in.KeyConditionExpression), "BETWEEN :lo AND :hi") {
		lo := in.ExpressionAttributeValues[":lo"].(*types.AttributeValueMemberS).Value
		hi := in.ExpressionAttributeValues[":hi"].(*types.AttributeValueMemberS).Value
		if lo > hi {
			return nil, errors.New("ValidationException: Invalid KeyConditionExpression: the BETWEEN operator requires upper bound to be greater than or equal to lower bound")
		}
	}
	if f.pageItems > 0 && (in.Limit == nil || *in.Limit > f.pageItems) {
		cp := *in
		cp.Limit = aws.Int32(f.pageItems)
		in = &cp
	}
	return f.DB.Query(ctx, in, o...)
}

func (f *faultDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.mu.Lock()
	hook := f.txn
	f.mu.Unlock()
	if hook != nil {
		if err := hook(in); err != nil {
			return nil, err
		}
	}
	return f.DB.TransactWriteItems(ctx, in, o...)
}

// cancelledWith is the error DynamoDB answers a cancelled transaction with.
func cancelledWith(codes ...string) error {
	rs := make([]types.CancellationReason, 0, len(codes))
	for _, c := range codes {
		rs = append(rs, types.CancellationReason{Code: aws.String(c)})
	}
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: rs}
}

// once answers the first n calls with err (after running before, if set).
func once(n int, before func(), err error) func(*dynamodb.TransactWriteItemsInput) error {
	var mu sync.Mutex
	return func(*dynamodb.TransactWriteItemsInput) error {
		mu.Lock()
		defer mu.Unlock()
		if n == 0 {
			return nil
		}
		n--
		if before != nil {
			before()
		}
		return err
	}
}

func newFaultStore(t *testing.T) (*store.Store, *faultDB, string) {
	t.Helper()
	table := ddb.NewTable(t)
	f := &faultDB{DB: ddb.Client()}
	return store.New(f, table, nil), f, table
}

func newConversation(vid string) (chat.NewConversation, string) {
	cid, clientID := uuid.NewString(), uuid.NewString()
	c := chat.Conversation{
		ID: cid, ChannelID: "main", InboxID: "main", VisitorID: vid, Status: chat.StatusOpen,
		Preview: "hello", CreatedAt: t0, LastActivityAt: t0,
	}
	m := chat.Message{Kind: chat.KindText, ClientID: clientID, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hello", CreatedAt: t0}
	return chat.NewConversation{Conversation: c, Message: m, ClientKey: "visitor:" + vid + "#" + clientID}, cid
}

func TestCreateConversationCancelled(t *testing.T) {
	tests := []struct {
		name string
		// others stores the same message first (a racing retry) when set.
		others        bool
		err           error
		wantErr       bool
		wantDuplicate bool
	}{
		{"racing retry stored it: TransactionConflict", true, cancelledWith("TransactionConflict", "None", "None", "None"), false, true},
		{"conflict, nothing stored: retried", false, cancelledWith("None", "TransactionConflict", "None", "None"), false, false},
		{"throttled: no retry", false, cancelledWith("None", "ThrottlingError", "None", "None"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, f, table := newFaultStore(t)
			other := store.New(ddb.Client(), table, nil)
			in, cid := newConversation(uuid.NewString())
			var stored chat.Appended
			before := func() {}
			if tt.others {
				before = func() {
					dup := in
					dup.Conversation.ID = uuid.NewString()
					var err error
					if stored, err = other.CreateConversation(t.Context(), dup); err != nil {
						t.Error(err)
					}
				}
			}
			f.txn = once(1, before, tt.err)
			got, err := s.CreateConversation(t.Context(), in)
			if tt.wantErr {
				if err == nil || errors.Is(err, chat.ErrConflict) {
					t.Fatalf("err = %v; want an internal error", err)
				}
				if _, err := s.Conversation(t.Context(), cid); !errors.Is(err, chat.ErrNotFound) {
					t.Errorf("conversation stored: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Duplicate != tt.wantDuplicate {
				t.Errorf("Duplicate = %v, want %v", got.Duplicate, tt.wantDuplicate)
			}
			if tt.others {
				if diff := cmp.Diff(stored.Message, got.Message); diff != "" {
					t.Errorf("message (-stored +got):\n%s", diff)
				}
				return
			}
			if _, err := s.Conversation(t.Context(), cid); err != nil {
				t.Errorf("conversation after retry: %v", err)
			}
		})
	}
}

func TestAppendCancelled(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantSeq int64
	}{
		// The client key is item 0, META item 1, the message item 2.
		{"conflict on META: retried", cancelledWith("None", "TransactionConflict", "None"), 2},
		{"conflict on the message: retried", cancelledWith("None", "None", "TransactionConflict"), 2},
		{"throttled", cancelledWith("None", "ThrottlingError", "None"), 0},
		{"validation", cancelledWith("None", "ValidationError", "None"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, f, _ := newFaultStore(t)
			c := seed(t, s, t0)
			f.txn = once(1, nil, tt.err)
			res, err := s.Append(t.Context(), chat.Append{Current: c, Message: text("hi"), ClientKey: "agent:a#" + uuid.NewString()})
			if tt.wantSeq == 0 {
				if err == nil || errors.Is(err, chat.ErrConflict) {
					t.Fatalf("err = %v; want an internal error, not a conflict", err)
				}
				if got, _ := s.Conversation(t.Context(), c.ID); got.LastSeq != 1 {
					t.Errorf("lastSeq = %d, want 1", got.LastSeq)
				}
				return
			}
			if err != nil || res.Message.Seq != tt.wantSeq {
				t.Fatalf("Append = seq %d, %v; want %d", res.Message.Seq, err, tt.wantSeq)
			}
		})
	}
}

// A racing retry of the same message: the second writer is cancelled
// with TransactionConflict on the client id while the first commits.
func TestAppendRacingRetryAnswersTheStoredMessage(t *testing.T) {
	s, f, table := newFaultStore(t)
	other := store.New(ddb.Client(), table, nil)
	c := seed(t, s, t0)
	key := "agent:a#" + uuid.NewString()
	var stored chat.Appended
	f.txn = once(1, func() {
		var err error
		if stored, err = other.Append(t.Context(), chat.Append{Current: c, Message: text("hi"), ClientKey: key}); err != nil {
			t.Error(err)
		}
	}, cancelledWith("TransactionConflict", "None", "None"))
	got, err := s.Append(t.Context(), chat.Append{Current: c, Message: text("hi"), ClientKey: key})
	if err != nil || !got.Duplicate {
		t.Fatalf("Append = %+v, %v; want the duplicate", got, err)
	}
	if diff := cmp.Diff(stored.Message, got.Message); diff != "" {
		t.Errorf("message (-stored +got):\n%s", diff)
	}
}

func TestMessagesPageCutShortByDynamoDB(t *testing.T) {
	s, f, _ := newFaultStore(t)
	c := seed(t, s, t0)
	for i := range 6 {
		if _, err := s.Append(t.Context(), chat.Append{Current: c, Message: text(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	f.pageItems = 3
	var seqs []int64
	after := int64(0)
	for range 10 {
		msgs, more, err := s.Messages(t.Context(), chat.MessageQuery{ConversationID: c.ID, After: after, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			seqs = append(seqs, m.Seq)
			after = m.Seq
		}
		if !more {
			break
		}
	}
	if diff := cmp.Diff([]int64{1, 2, 3, 4, 5, 6, 7}, seqs); diff != "" {
		t.Errorf("seqs read page by page (-want +got):\n%s", diff)
	}
}

func TestMessagesBoundsBeyondTwelveDigits(t *testing.T) {
	s, _, _ := newFaultStore(t)
	c := seed(t, s, t0)
	msgs, more, err := s.Messages(t.Context(), chat.MessageQuery{ConversationID: c.ID, After: 99999999999990, Limit: 10})
	if err != nil || len(msgs) != 0 || more {
		t.Errorf("huge after = %d messages, more %v, %v; want an empty page", len(msgs), more, err)
	}
	msgs, _, err = s.Messages(t.Context(), chat.MessageQuery{ConversationID: c.ID, Before: 99999999999990, Limit: 10})
	if err != nil || len(msgs) != 1 {
		t.Errorf("huge before = %d messages, %v; want the one message", len(msgs), err)
	}
}

func TestConversationListenersSpanPages(t *testing.T) {
	s, f, _ := newFaultStore(t)
	c := seed(t, s, t0)
	vis := visitorP(c.VisitorID)
	var want []chat.Listener
	for i := range 3 {
		id := fmt.Sprint("tab", i)
		if err := s.SaveConnection(t.Context(), chat.Connection{ID: id, Principal: vis, ConnectedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := s.Subscribe(t.Context(), id, c.ID, vis, ""); err != nil {
			t.Fatal(err)
		}
		want = append(want, chat.Listener{ConnectionID: id, Principal: vis})
	}
	f.pageItems = 1
	got, ls, err := s.ConversationListeners(t.Context(), c.ID)
	if err != nil || got.ID != c.ID {
		t.Fatalf("ConversationListeners = %+v, %v", got, err)
	}
	if diff := cmp.Diff(want, ls); diff != "" {
		t.Errorf("listeners (-want +got):\n%s", diff)
	}
}

func TestGoneConnectionLosesTheListenerItemItWasReachedThrough(t *testing.T) {
	s, _, table := newFaultStore(t)
	ctx := t.Context()
	c := seed(t, s, t0)
	vis := visitorP(c.VisitorID)
	if err := s.SaveConnection(ctx, chat.Connection{ID: "v1", Principal: vis, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// Subscribing twice lists the subscription once.
	for range 2 {
		if err := s.Subscribe(ctx, "v1", c.ID, vis, ""); err != nil {
			t.Fatal(err)
		}
	}
	out, err := ddb.Client().GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "CONN#v1"}, "sk": &types.AttributeValueMemberS{Value: "CONN"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ss, ok := out.Item["subs"].(*types.AttributeValueMemberSS)
	if !ok {
		t.Fatalf("subs = %#v, want a string set", out.Item["subs"])
	}
	if diff := cmp.Diff([]string{"CONV#" + c.ID, "VISITOR#" + c.VisitorID}, slices.Sorted(slices.Values(ss.Value))); diff != "" {
		t.Errorf("subs (-want +got):\n%s", diff)
	}

	// The connection item is gone already (TTL), its subscription not.
	if _, err := ddb.Client().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "CONN#v1"}, "sk": &types.AttributeValueMemberS{Value: "CONN"},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConnectionVia(ctx, "v1", chat.Via{Kind: chat.ViaConversation, ID: c.ID}); err != nil {
		t.Fatal(err)
	}
	if _, ls, _ := s.ConversationListeners(ctx, c.ID); len(ls) != 0 {
		t.Errorf("listeners after the push found v1 gone: %+v", ls)
	}
}
