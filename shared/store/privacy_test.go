package store_test

import (
	"context"
	"errors"
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
	if raised, err := s.MarkVisitorRead(t.Context(), c, 1); err != nil || !raised {
		t.Fatalf("MarkVisitorRead = %v, %v; want raised", raised, err)
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
	// A read that raced the deletion stores nothing either.
	if raised, err := s.MarkVisitorRead(t.Context(), c, 2); err != nil || raised {
		t.Errorf("a read after the deletion = %v, %v; want nothing raised", raised, err)
	}
	if seq, err := s.VisitorRead(t.Context(), c); err != nil || seq != 0 {
		t.Errorf("the marker after the deletion = %d, %v; want 0", seq, err)
	}
	if found := scanKeys(t, table, c.ID); len(found) > 0 {
		t.Errorf("items naming the conversation after a late read: %v", found)
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

	got, _, err := s.ClosedBefore(t.Context(), "main", "main", t0.Add(5*24*time.Hour), privacy.Cursor{}, 10)
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

// failingFiles fails to delete the files of the conversations in fail
// while broken is set.
type failingFiles struct {
	fail   map[string]bool
	broken bool
}

func (f *failingFiles) DeleteConversation(_ context.Context, id string) (int, error) {
	if f.broken && f.fail[id] {
		return 0, errors.New("files unavailable")
	}
	return 0, nil
}

func (f *failingFiles) DeleteInbound(context.Context, []string) (int, error) { return 0, nil }

// TestRetentionGoesOn: a channel's retention reaches the conversations
// due behind more than a pass's worth that it cannot delete, while
// another channel of the inbox fills its closed list with older ones
// and some of its own were reopened. Those that failed are tried again
// the next round (a day later), once the cause is gone; none kept is
// deleted.
func TestRetentionGoesOn(t *testing.T) {
	s, _ := newStore(t)
	on := func(channel string, closed time.Time) chat.Conversation {
		t.Helper()
		vid := uuid.NewString()
		c := chat.Conversation{ID: uuid.NewString(), ChannelID: channel, InboxID: "main", VisitorID: vid, Status: chat.StatusOpen, CreatedAt: t0, LastActivityAt: t0}
		res, err := s.CreateConversation(t.Context(), chat.NewConversation{Conversation: c,
			Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: vid}, Body: "hi", CreatedAt: t0}})
		if err != nil {
			t.Fatal(err)
		}
		return change(t, s, res.Conversation, chat.StatusClosed, closed)
	}
	var shop, failing, due, reopened, recent []string
	for range 60 {
		shop = append(shop, on("shop", t0.Add(30*time.Minute)).ID)
	}
	for range 2 * privacy.RetentionBatch {
		failing = append(failing, on("main", t0.Add(time.Hour)).ID)
	}
	for range 5 {
		c := on("main", t0.Add(time.Hour))
		reopened = append(reopened, change(t, s, c, chat.StatusOpen, t0.Add(2*time.Hour)).ID)
	}
	for range 10 {
		due = append(due, on("main", t0.Add(3*time.Hour)).ID)
	}
	for range 3 {
		recent = append(recent, on("main", t0.Add(9*24*time.Hour+12*time.Hour)).ID)
	}

	now := t0.Add(10 * 24 * time.Hour)
	files := &failingFiles{fail: map[string]bool{}, broken: true}
	for _, id := range failing {
		files.fail[id] = true
	}
	rights, err := privacy.New(s, files, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	policy := []privacy.Policy{{ChannelID: "main", InboxID: "main", Days: 7}}
	pass := func() privacy.RetentionResult {
		t.Helper()
		res, _ := rights.Retain(t.Context(), policy) // failures are counted in res
		return res
	}
	gone := func(ids []string) int {
		t.Helper()
		n := 0
		for _, id := range ids {
			if _, err := s.Conversation(t.Context(), id); errors.Is(err, chat.ErrNotFound) {
				n++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		return n
	}

	// Three passes: each of the failing or due is tried once, and the
	// third finds none left to try this round.
	var total privacy.RetentionResult
	for range 3 {
		r := pass()
		total.Deleted += r.Deleted
		total.Failed += r.Failed
	}
	if want := (privacy.RetentionResult{Deleted: len(due), Failed: len(failing)}); total != want {
		t.Errorf("three passes = %+v, want %+v (each due or failing conversation tried once)", total, want)
	}
	if n := gone(due); n != len(due) {
		t.Errorf("%d of the %d due conversations deleted behind the failing ones, want all", n, len(due))
	}

	// The cause is fixed; the next round tries the failed ones again.
	files.broken = false
	now = now.Add(privacy.RetentionRound)
	for range 3 {
		pass()
	}
	if n := gone(failing); n != len(failing) {
		t.Errorf("%d of the %d conversations that failed deleted the next round, want all", n, len(failing))
	}
	for name, ids := range map[string][]string{"the other channel's": shop, "reopened": reopened, "recently closed": recent} {
		if n := gone(ids); n != 0 {
			t.Errorf("%d %s conversations deleted, want none", n, name)
		}
	}
}

// change sets a conversation's status at a time, with the event it takes.
func change(t *testing.T, s *store.Store, c chat.Conversation, st chat.Status, at time.Time) chat.Conversation {
	t.Helper()
	ev := chat.EventClosed
	if st == chat.StatusOpen {
		ev = chat.EventReopened
	}
	res, err := s.Append(t.Context(), chat.Append{
		Current: c,
		Message: chat.Message{Kind: chat.KindEvent, Author: chat.Author{Type: chat.RoleAgent, ID: "a"}, Event: &chat.Event{Type: ev}, CreatedAt: at},
		Change:  func(c *chat.Conversation) error { c.Status, c.LastActivityAt = st, at; return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Conversation
}
