package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
)

// TestUnsubscribe: an agent's socket leaves a thread: its listener item
// goes and the connection item's subs forgets the conversation, but only
// for the subscription named; anything else changes nothing.
func TestUnsubscribe(t *testing.T) {
	ctx := t.Context()
	db := storetest.NewCounting(ddb.Client())
	table := ddb.NewTable(t)
	s := store.New(db, table, nil)
	c := seed(t, s, t0)
	agent := chat.Principal{Role: chat.RoleAgent, ID: "agent-1", Name: "Ann", Inboxes: []string{"main"}}
	if err := s.SaveConnection(ctx, chat.Connection{ID: "a1", Principal: agent, Inboxes: []string{"main"}, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	subs := func(t *testing.T, id string) []string {
		t.Helper()
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CONN#" + id}, "sk": &types.AttributeValueMemberS{Value: "CONN"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			return nil
		}
		ss, _ := out.Item["subs"].(*types.AttributeValueMemberSS)
		if ss == nil {
			return []string{}
		}
		return slices.Sorted(slices.Values(ss.Value))
	}
	listeners := func(t *testing.T) []chat.Listener {
		t.Helper()
		_, ls, err := s.ConversationListeners(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ls
	}
	first, second := uuid.NewString(), uuid.NewString()
	for _, sub := range []string{first, second} {
		if err := s.Subscribe(ctx, "a1", c.ID, agent, sub); err != nil {
			t.Fatal(err)
		}
	}
	following := []chat.Listener{{ConnectionID: "a1", Principal: agent, Subscription: second}}
	if diff := cmp.Diff(following, listeners(t)); diff != "" {
		t.Fatalf("subscribed again (-want +got):\n%s", diff)
	}
	for _, stale := range []string{first, uuid.NewString()} {
		if err := s.Unsubscribe(ctx, "a1", c.ID, stale); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(following, listeners(t)); diff != "" {
		t.Errorf("another subscription's leave (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"CONV#" + c.ID, "INBOX#main"}, subs(t, "a1")); diff != "" {
		t.Errorf("subs before leaving (-want +got):\n%s", diff)
	}
	for range 2 {
		if err := s.Unsubscribe(ctx, "a1", c.ID, second); err != nil {
			t.Fatal(err)
		}
	}
	if ls := listeners(t); len(ls) != 0 {
		t.Errorf("listeners after leaving = %+v, want none", ls)
	}
	if diff := cmp.Diff([]string{"INBOX#main"}, subs(t, "a1")); diff != "" {
		t.Errorf("subs after leaving (-want +got):\n%s", diff)
	}
	if err := s.Unsubscribe(ctx, "ghost", c.ID, second); err != nil {
		t.Errorf("unknown connection: %v", err)
	}
	if got := subs(t, "ghost"); got != nil {
		t.Errorf("leaving made a connection item for an unknown connection: subs %v", got)
	}
}
