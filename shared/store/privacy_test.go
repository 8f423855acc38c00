package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/privacy"
	"github.com/parleychat/parley/shared/store"
)

// scanKeys returns the pk of every item of the table that mentions s in
// its key or any string attribute.
func scanKeys(t *testing.T, table, s string) []string {
	t.Helper()
	out, err := ddb.Client().Scan(t.Context(), &dynamodb.ScanInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, it := range out.Items {
		for _, v := range it {
			if sv, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(sv.Value, s) {
				found = append(found, it["pk"].(*types.AttributeValueMemberS).Value+" "+it["sk"].(*types.AttributeValueMemberS).Value)
				break
			}
		}
	}
	return found
}

// TestDeleteConversationRecords: a conversation's records name every item
// of it (its messages' idempotency records and the visitor's entry
// included) and the raw mails it came in; deleting them leaves nothing
// that names it, and an open assigned conversation gives its agent's
// routing load back.
func TestDeleteConversationRecords(t *testing.T) {
	table := ddb.NewTable(t)
	s := store.New(ddb.Client(), table, nil)
	c := seed(t, s, t0)
	assigned, err := s.Append(t.Context(), chat.Append{
		Current: c,
		Message: chat.Message{Kind: chat.KindEvent, Author: chat.Author{Type: chat.RoleAgent, ID: "agent-1"}, Event: &chat.Event{Type: chat.EventAssigned, AgentID: "agent-1"}, CreatedAt: t0},
		Change:  func(c *chat.Conversation) error { c.AssigneeID = "agent-1"; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	mail := chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: c.VisitorID}, Body: "by mail", CreatedAt: t0,
		Channel: chat.ChannelEmail, MailID: "<m1@example.com>", RawMail: "inbound/ses-1"}
	if _, err := s.Append(t.Context(), chat.Append{Current: assigned.Conversation, Message: mail, ClientKey: "email#" + c.ID + "#ada@example.com#<m1@example.com>"}); err != nil {
		t.Fatal(err)
	}
	other := seed(t, s, t0)
	if _, loads, err := s.Loads(t.Context(), "main"); err != nil || loads["agent-1"] != 1 {
		t.Fatalf("load before = %v, %v; want 1", loads, err)
	}

	rec, err := s.ConversationRecords(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"inbound/ses-1"}, rec.RawMail); diff != "" {
		t.Errorf("raw mail (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]privacy.Key{{PK: "CONV#" + c.ID, SK: "META"}}, rec.Last); diff != "" {
		t.Errorf("last (-want +got):\n%s", diff)
	}
	if err := s.DeleteRecords(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	if found := scanKeys(t, table, c.ID); len(found) > 0 {
		t.Errorf("items naming the conversation after the deletion: %v", found)
	}
	if found := scanKeys(t, table, "ada@example.com"); len(found) > 0 {
		t.Errorf("items naming the sender after the deletion: %v", found)
	}
	if _, err := s.Conversation(t.Context(), other.ID); err != nil {
		t.Errorf("the other conversation: %v", err)
	}
	if _, loads, err := s.Loads(t.Context(), "main"); err != nil || loads["agent-1"] != 0 {
		t.Errorf("load after = %v, %v; want 0", loads, err)
	}
	// Again: nothing left, nothing to do.
	if err := s.DeleteRecords(t.Context(), rec); err != nil {
		t.Errorf("deleting again: %v", err)
	}
}

// TestClosedBefore lists a channel's conversations closed before the
// cutoff, and no open one, no newer one, no other channel's.
func TestClosedBefore(t *testing.T) {
	s, _ := newStore(t)
	closeAt := func(c chat.Conversation, at time.Time) {
		t.Helper()
		_, err := s.Append(t.Context(), chat.Append{
			Current: c,
			Message: chat.Message{Kind: chat.KindEvent, Author: chat.Author{Type: chat.RoleAgent, ID: "a"}, Event: &chat.Event{Type: chat.EventClosed}, CreatedAt: at},
			Change:  func(c *chat.Conversation) error { c.Status, c.LastActivityAt = chat.StatusClosed, at; return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	old := seed(t, s, t0)
	closeAt(old, t0.Add(time.Hour))
	recent := seed(t, s, t0)
	closeAt(recent, t0.Add(10*24*time.Hour))
	seed(t, s, t0) // open
	elsewhere := chat.Conversation{ID: uuid.NewString(), ChannelID: "shop", InboxID: "main", VisitorID: uuid.NewString(), Status: chat.StatusOpen, CreatedAt: t0, LastActivityAt: t0}
	res, err := s.CreateConversation(t.Context(), chat.NewConversation{Conversation: elsewhere, Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: elsewhere.VisitorID}, Body: "hi", CreatedAt: t0}})
	if err != nil {
		t.Fatal(err)
	}
	closeAt(res.Conversation, t0.Add(time.Hour))

	got, err := s.ClosedBefore(t.Context(), "main", "main", t0.Add(5*24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{old.ID}, ids); diff != "" {
		t.Errorf("closed before the cutoff (-want +got):\n%s", diff)
	}
}
