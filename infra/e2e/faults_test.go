package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/shared/email"
)

// ---------------------------------------------------------------- helpers

// injectFaults puts faults in place through the dashboard's API, as a
// developer would, and clears them when the test ends.
func injectFaults(t *testing.T, f localcloud.Faults) {
	t.Helper()
	putFaults(t, f)
	t.Cleanup(func() { putFaults(t, localcloud.Faults{}) })
}

func putFaults(t *testing.T, f localcloud.Faults) {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPut, cloud.URL()+"/_local/faults", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT /_local/faults: %s", resp.Status)
	}
}

type faultsStatus struct {
	localcloud.Faults
	Refused            map[string]map[string]int64 `json:"refused"`
	DroppedDisconnects int64                       `json:"droppedDisconnects"`
}

func getFaults(t *testing.T) faultsStatus {
	t.Helper()
	var st faultsStatus
	getJSON(t, cloud.URL()+"/_local/faults", &st)
	return st
}

// crashNext makes the next invocation of a function crash mid-way.
func crashNext(t *testing.T, function string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"function": function, "count": 1})
	resp, err := http.Post(cloud.URL()+"/_local/faults/crash", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /_local/faults/crash: %s", resp.Status)
	}
}

// table is a DynamoDB client of the local cloud with the chat table's
// name, for checks of what is stored that no API shows.
type table struct {
	db   *dynamodb.Client
	name string
}

func chatTable(t *testing.T) table {
	t.Helper()
	cfg := aws.Config{
		Region:      cloud.Model().Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(cloud.Endpoints().AWS) })
	for _, tb := range cloud.Model().Tables {
		if tb.LogicalID == "ChatTable" {
			return table{db: db, name: tb.Name}
		}
	}
	t.Fatal("no ChatTable in the template")
	return table{}
}

// items returns the items of partition pk whose sort key starts with
// prefix.
func (tb table) items(t *testing.T, pk, prefix string) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	var start map[string]types.AttributeValue
	for {
		page, err := tb.db.Query(t.Context(), &dynamodb.QueryInput{
			TableName:              &tb.name,
			KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": &types.AttributeValueMemberS{Value: pk}, ":p": &types.AttributeValueMemberS{Value: prefix},
			},
			ExclusiveStartKey: start,
		})
		if err != nil {
			t.Fatalf("query %s: %v", pk, err)
		}
		out = append(out, page.Items...)
		if len(page.LastEvaluatedKey) == 0 {
			return out
		}
		start = page.LastEvaluatedKey
	}
}

func (tb table) item(t *testing.T, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := tb.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &tb.name, Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
	}})
	if err != nil {
		t.Fatalf("get %s %s: %v", pk, sk, err)
	}
	return out.Item
}

// listenerIDs are the connection ids of a listener set's items.
func (tb table) listenerIDs(t *testing.T, pk string) []string {
	t.Helper()
	var ids []string
	for _, it := range tb.items(t, pk, "CONN#") {
		ids = append(ids, strings.TrimPrefix(attrS(it, "sk"), "CONN#"))
	}
	slices.Sort(ids)
	return ids
}

func attrS(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func attrN(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// errorFrame is the error frame's fields the chat client does not decode.
type errorFrame struct {
	Code      string `json:"code"`
	ClientID  string `json:"clientId"`
	Retryable bool   `json:"retryable"`
}

func decodeError(t *testing.T, f chatclient.Frame) errorFrame {
	t.Helper()
	var e errorFrame
	if err := json.Unmarshal(f.Raw, &e); err != nil {
		t.Fatalf("error frame %s: %v", f.Raw, err)
	}
	return e
}

// sendUntilStored sends each body with its own client id and, like the
// widget, sends a message again with the same client id whenever the
// socket says its write failed and may be retried. It returns the client
// ids by body and how many retryable failures the socket reported.
func sendUntilStored(t *testing.T, tab *chatclient.Socket, convID string, bodies []string) (map[string]string, int) {
	t.Helper()
	ids := map[string]string{}
	bodyOf := map[string]string{}
	for _, b := range bodies {
		id := uuid.NewString()
		ids[b], bodyOf[id] = id, b
		if err := chatclient.SendMessageWithID(wait(t), tab, id, convID, b); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	acked := map[string]bool{}
	retries := 0
	for len(acked) < len(bodies) {
		f, err := tab.Next(ctx, func(f chatclient.Frame) bool { return f.Type == "message" || f.Type == "error" })
		if err != nil {
			var missing []string
			for id := range bodyOf {
				if !acked[id] {
					missing = append(missing, id)
				}
			}
			t.Fatalf("%d of %d messages acknowledged after %d retries (missing %v): %v", len(acked), len(bodies), retries, missing, err)
		}
		if f.Type == "message" {
			if id := msgClientID(f); bodyOf[id] != "" {
				acked[id] = true
			}
			continue
		}
		e := decodeError(t, f)
		if bodyOf[e.ClientID] == "" {
			t.Fatalf("error frame names no message sent: %s", f.Raw)
		}
		if !e.Retryable || e.Code != "internal" {
			t.Fatalf("a failed write was answered %s; want code internal, retryable", f.Raw)
		}
		if acked[e.ClientID] {
			continue
		}
		retries++
		time.Sleep(50 * time.Millisecond)
		if err := chatclient.SendMessageWithID(wait(t), tab, e.ClientID, convID, bodyOf[e.ClientID]); err != nil {
			t.Fatal(err)
		}
	}
	return ids, retries
}

// checkWhole asserts that every message of the conversation is whole:
// seqs 1..lastSeq each stored once, the conversation's lastSeq at the last
// one, and each client id claimed by exactly the message that carries it.
func checkWhole(t *testing.T, tb table, convID string) []map[string]types.AttributeValue {
	t.Helper()
	meta := tb.item(t, "CONV#"+convID, "META")
	msgs := tb.items(t, "CONV#"+convID, "MSG#")
	if got, want := attrN(meta, "lastSeq"), fmt.Sprint(len(msgs)); got != want {
		t.Errorf("conversation lastSeq = %s with %d messages stored", got, len(msgs))
	}
	for i, m := range msgs {
		if want := fmt.Sprintf("MSG#%012d", i+1); attrS(m, "sk") != want {
			t.Fatalf("message %d is %s, want %s: a gap or a half-written message", i+1, attrS(m, "sk"), want)
		}
		cid := attrS(m, "clientId")
		if cid == "" {
			continue
		}
		authorType, authorID := attrS(m, "authorType"), attrS(m, "authorId")
		claim := tb.item(t, "CLIENT#"+authorType+":"+authorID+"#"+cid, "CLIENT")
		if attrS(claim, "conversationId") != convID || attrN(claim, "seq") != fmt.Sprint(i+1) {
			t.Errorf("message %d (client id %s) has claim %v", i+1, cid, claim)
		}
	}
	return msgs
}

// ---------------------------------------------------------------- 1. DynamoDB

// TestDynamoDBFaultsLoseNothing: with a share of DynamoDB calls throttled
// or failing (before or after they take effect), every message a visitor
// sends is stored exactly once and whole (its seq item, the conversation's
// move to it and its client-id claim, or nothing); when a write fails after
// the SDK's retries the socket says so, naming the client id and that a
// retry is safe, and the retry with the same client id stores the message
// once.
func TestDynamoDBFaultsLoseNothing(t *testing.T) {
	tb := chatTable(t)
	visitor := newVisitor(t)
	tab, convID, _ := startConversation(t, visitor, "Before the storm")
	alice := newAgent(t, "alice")

	// A write that fails past the SDK's three attempts: the socket is told,
	// nothing is stored, and the retry stores the message once. The event
	// consumers write transactions too: the faults go to the visitor's
	// write only once they are done with what came before.
	eventsDelivered(t)
	cloud.AWS().FailNext("TransactWriteItems", 3, awsemu.FaultInternal)
	t.Cleanup(func() { cloud.AWS().FailNext("TransactWriteItems", 0, awsemu.FaultInternal) })
	failedID := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), tab, failedID, convID, "Written while the table fails"); err != nil {
		t.Fatal(err)
	}
	f, err := tab.Next(wait(t), chatclient.IsType("error"))
	if err != nil {
		t.Fatalf("no error frame for a write that failed: %v", err)
	}
	if diff := cmp.Diff(errorFrame{Code: "internal", ClientID: failedID, Retryable: true}, decodeError(t, f)); diff != "" {
		t.Errorf("error frame (-want +got):\n%s", diff)
	}
	if n := countClientID(getThread(t, alice, convID).Messages, failedID); n != 0 {
		t.Fatalf("a write answered as failed is stored %d times", n)
	}
	checkWhole(t, tb, convID)
	if err := chatclient.SendMessageWithID(wait(t), tab, failedID, convID, "Written while the table fails"); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == failedID }); err != nil {
		t.Fatalf("the retry was not stored: %v", err)
	}

	// A write whose answer is lost every time: it is stored at once, the
	// socket is told it failed, and the retry finds it by its client id.
	eventsDelivered(t)
	cloud.AWS().FailNext("TransactWriteItems", 3, awsemu.FaultLostAnswer)
	lostID := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), tab, lostID, convID, "Stored, but the answer is lost"); err != nil {
		t.Fatal(err)
	}
	f, err = tab.Next(wait(t), chatclient.IsType("error"))
	if err != nil {
		t.Fatalf("no error frame for a write whose answer was lost: %v", err)
	}
	if diff := cmp.Diff(errorFrame{Code: "internal", ClientID: lostID, Retryable: true}, decodeError(t, f)); diff != "" {
		t.Errorf("error frame (-want +got):\n%s", diff)
	}
	if err := chatclient.SendMessageWithID(wait(t), tab, lostID, convID, "Stored, but the answer is lost"); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == lostID }); err != nil {
		t.Fatalf("the retry of a stored message was not answered with it: %v", err)
	}
	if n := countClientID(getThread(t, alice, convID).Messages, lostID); n != 1 {
		t.Fatalf("a message whose answer was lost, sent again, is stored %d times", n)
	}

	// A share of every DynamoDB call throttled, and of every transaction
	// failing before or after it takes effect: each message is stored once,
	// whole, in order.
	injectFaults(t, localcloud.Faults{AWS: []awsemu.RateFault{
		{Service: awsemu.ServiceDynamoDB, Operation: awsemu.AllOperations, Share: 0.2, Kind: awsemu.FaultThrottle},
		{Service: awsemu.ServiceDynamoDB, Operation: "TransactWriteItems", Share: 0.2, Kind: awsemu.FaultInternal},
		{Service: awsemu.ServiceDynamoDB, Operation: "TransactWriteItems", Share: 0.2, Kind: awsemu.FaultLostAnswer},
	}})
	var bodies []string
	for i := range 30 {
		bodies = append(bodies, fmt.Sprintf("Message %02d under faults", i))
	}
	start := time.Now()
	ids, retries := sendUntilStored(t, tab, convID, bodies)
	refused := getFaults(t).Refused[awsemu.ServiceDynamoDB]
	putFaults(t, localcloud.Faults{})
	t.Logf("30 messages under faults in %v: %d client retries; DynamoDB calls refused: %v", time.Since(start).Round(time.Millisecond), retries, refused)
	if refused["TransactWriteItems"] == 0 {
		t.Fatalf("no transaction was refused: the faults were not in effect (%v)", refused)
	}

	th := getThread(t, alice, convID)
	for body, id := range ids {
		if n := countClientID(th.Messages, id); n != 1 {
			t.Errorf("%q is stored %d times, want once", body, n)
		}
	}
	if n := countClientID(th.Messages, failedID); n != 1 {
		t.Errorf("the retried message is stored %d times, want once", n)
	}
	msgs := checkWhole(t, tb, convID)
	if want := 3 + len(bodies); len(msgs) != want {
		t.Errorf("%d messages stored, want %d", len(msgs), want)
	}
}

// ---------------------------------------------------------------- 2. 410 Gone

// TestManyGoneConnections: 100 agent sockets and 20 visitor tabs vanish at
// once without $disconnect. The next message still reaches the live
// sockets; every gone connection's items are deleted (the sender's kept)
// and the message after it pushes to none of them.
func TestManyGoneConnections(t *testing.T) {
	const deadAgents, deadTabs = 100, 20
	tb := chatTable(t)
	injectFaults(t, localcloud.Faults{DropDisconnect: true})

	visitor := newVisitor(t)
	sender, convID, _ := startConversation(t, visitor, "Is anyone there?")
	ben := newAgent(t, "ben")
	live := connect(t, ben)
	inboxBefore := tb.listenerIDs(t, "INBOX#main")

	// The dead: agent sockets in the inbox's listener set, visitor tabs in
	// the conversation's (they resume it, which subscribes them).
	alice := newAgent(t, "alice")
	dead := make([]*chatclient.Socket, deadAgents+deadTabs)
	var wg sync.WaitGroup
	errs := make(chan error, len(dead))
	sem := make(chan struct{}, 8)
	for i := range dead {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var c interface {
				Connect(context.Context) (*chatclient.Socket, error)
			} = alice
			if i >= deadAgents {
				c = visitor
			}
			s, err := c.Connect(wait(t))
			if err != nil {
				errs <- err
				return
			}
			dead[i] = s
			if i >= deadAgents {
				if err := s.Send(wait(t), map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Next(wait(t), chatclient.IsType("messages", convID)); err != nil {
					errs <- fmt.Errorf("resume: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	inboxGone := diffIDs(tb.listenerIDs(t, "INBOX#main"), inboxBefore)
	if len(inboxGone) != deadAgents {
		t.Fatalf("%d new listeners in the inbox, want %d", len(inboxGone), deadAgents)
	}
	convListeners := tb.listenerIDs(t, "CONV#"+convID)
	if len(convListeners) != deadTabs+1 {
		t.Fatalf("%d listeners of the conversation, want %d tabs and the sender", len(convListeners), deadTabs+1)
	}

	droppedBefore := getFaults(t).DroppedDisconnects
	for _, s := range dead {
		s.Abort()
	}
	eventually(t, "the dead sockets closed without $disconnect", func() error {
		if n := getFaults(t).DroppedDisconnects - droppedBefore; n < deadAgents+deadTabs {
			return fmt.Errorf("%d of %d $disconnect dropped", n, deadAgents+deadTabs)
		}
		return nil
	})
	if got := diffIDs(tb.listenerIDs(t, "INBOX#main"), inboxBefore); len(got) != deadAgents {
		t.Fatalf("without $disconnect the inbox should still list the %d dead sockets, lists %d", deadAgents, len(got))
	}

	// A minute on: the dead sockets are past the grace a connection gets
	// while its $connect may still run (chat.connectGrace).
	advance(t, time.Minute)

	// The visitor writes: the live agent and the sender get it; the gone
	// connections answer 410 and are forgotten.
	goneBefore := cloud.Stats().GoneAnswers
	start := time.Now()
	clientID, err := chatclient.SendMessage(wait(t), sender, convID, "Hello again")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == clientID }); err != nil {
		t.Fatalf("the live agent did not get the message: %v", err)
	}
	t.Logf("message with %d gone connections in its listener sets reached the live agent in %v", deadAgents+deadTabs, time.Since(start).Round(time.Millisecond))
	if _, err := sender.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == clientID }); err != nil {
		t.Fatalf("the sender did not get its echo: %v", err)
	}
	eventually(t, "every gone connection forgotten", func() error {
		if left := diffIDs(tb.listenerIDs(t, "INBOX#main"), inboxBefore); len(left) > 0 {
			return fmt.Errorf("%d gone agent connections still in the inbox", len(left))
		}
		if left := tb.listenerIDs(t, "CONV#"+convID); len(left) != 1 {
			return fmt.Errorf("conversation listeners %v, want the sender only", left)
		}
		return nil
	})
	for _, id := range inboxGone {
		if it := tb.item(t, "CONN#"+id, "CONN"); it != nil {
			t.Errorf("connection item of gone %s kept", id)
		}
	}
	senderID := tb.listenerIDs(t, "CONV#"+convID)
	if len(senderID) != 1 || tb.item(t, "CONN#"+senderID[0], "CONN") == nil {
		t.Fatalf("the sender's connection was deleted")
	}
	if n := cloud.Stats().GoneAnswers - goneBefore; n < deadAgents+deadTabs {
		t.Errorf("%d 410 answers, want at least %d", n, deadAgents+deadTabs)
	}

	// The next message pushes to none of them.
	goneBefore = cloud.Stats().GoneAnswers
	clientID, err = chatclient.SendMessage(wait(t), sender, convID, "Still there?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == clientID }); err != nil {
		t.Fatalf("the live agent did not get the next message: %v", err)
	}
	if n := cloud.Stats().GoneAnswers - goneBefore; n != 0 {
		t.Errorf("the next message was pushed to %d gone connections", n)
	}
}

// diffIDs returns the ids in after that are not in before.
func diffIDs(after, before []string) []string {
	var out []string
	for _, id := range after {
		if !slices.Contains(before, id) {
			out = append(out, id)
		}
	}
	return out
}

// ---------------------------------------------------------------- 3. no $disconnect

// TestDisconnectNeverArrives: a visitor's tab vanishes and its $disconnect
// never runs. The next push finds it gone and the conversation reads
// offline; a tab whose connection outlived its TTL counts as gone before
// any push; and the visitor who comes back misses nothing.
func TestDisconnectNeverArrives(t *testing.T) {
	tb := chatTable(t)
	injectFaults(t, localcloud.Faults{DropDisconnect: true})
	visitor := newVisitor(t)
	tab, convID, _ := startConversation(t, visitor, "I may drop off")
	alice := newAgent(t, "alice")
	if !visitorOnline(t, alice, convID) {
		t.Fatal("visitor with an open tab reads offline")
	}
	visitorID := visitor.ID

	dropped := getFaults(t).DroppedDisconnects
	tab.Abort()
	eventually(t, "the tab closed without $disconnect", func() error {
		if getFaults(t).DroppedDisconnects == dropped {
			return errors.New("no $disconnect dropped yet")
		}
		return nil
	})
	if len(tb.listenerIDs(t, "VISITOR#"+visitorID)) != 1 {
		t.Fatal("the vanished tab's listener item should still be there without $disconnect")
	}

	// A minute on (past the grace a connection gets while its $connect
	// may still run), the agent writes: the push finds the tab gone, its
	// items go, and the conversation reads offline.
	advance(t, time.Minute)
	reply, err := alice.Reply(wait(t), convID, "Are you still with us?")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the vanished tab forgotten", func() error {
		if ids := tb.listenerIDs(t, "VISITOR#"+visitorID); len(ids) > 0 {
			return fmt.Errorf("visitor listeners %v", ids)
		}
		if ids := tb.listenerIDs(t, "CONV#"+convID); len(ids) > 0 {
			return fmt.Errorf("conversation listeners %v", ids)
		}
		return nil
	})
	if visitorOnline(t, alice, convID) {
		t.Error("visitor reads online after its only tab was found gone")
	}
	if s := conversationSummary(t, alice, convID); s.VisitorOnline {
		t.Errorf("the inbox list still shows the visitor online: %s", s.raw)
	}

	// A second tab vanishes too, and no push reaches it before its
	// connection's TTL passes (here: its expiry set in the past, as two
	// hours later): reads count it as gone all the same.
	tab2 := connect(t, visitor)
	if err := tab2.Send(wait(t), map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := tab2.Next(wait(t), chatclient.IsType("messages", convID)); err != nil {
		t.Fatal(err)
	}
	if !visitorOnline(t, alice, convID) {
		t.Fatal("visitor with a new tab reads offline")
	}
	dropped = getFaults(t).DroppedDisconnects
	tab2.Abort()
	eventually(t, "the second tab closed without $disconnect", func() error {
		if getFaults(t).DroppedDisconnects == dropped {
			return errors.New("no $disconnect dropped yet")
		}
		return nil
	})
	ids := tb.listenerIDs(t, "VISITOR#"+visitorID)
	if len(ids) != 1 {
		t.Fatalf("visitor listeners %v, want the vanished tab's", ids)
	}
	expire(t, tb, ids[0], []string{"VISITOR#" + visitorID, "CONV#" + convID})
	if visitorOnline(t, alice, convID) {
		t.Error("a tab past its connection TTL still counts as online")
	}
	// The TTL sweep (DynamoDB's, at most days later) deletes them.
	if _, err := cloud.AWS().SweepExpired(t.Context()); err != nil {
		t.Fatal(err)
	}
	if it := tb.item(t, "CONN#"+ids[0], "CONN"); it != nil {
		t.Error("the TTL sweep left the expired connection item")
	}
	if left := tb.listenerIDs(t, "VISITOR#"+visitorID); len(left) > 0 {
		t.Errorf("the TTL sweep left the listener items %v", left)
	}

	// The visitor comes back and gets everything it missed.
	tab3 := connect(t, visitor)
	if err := tab3.Send(wait(t), map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 1}); err != nil {
		t.Fatal(err)
	}
	f, err := tab3.Next(wait(t), chatclient.IsType("messages", convID))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Messages) == 0 || f.Messages[len(f.Messages)-1].Seq != reply.Seq || f.Messages[len(f.Messages)-1].Body != reply.Body {
		t.Errorf("resume after the outage = %+v, want the agent's reply", f.Messages)
	}
}

// expire moves a connection's TTL (its item and its listener items) into
// the past, as the clock would two hours after it connected.
func expire(t *testing.T, tb table, connID string, listenerPKs []string) {
	t.Helper()
	past := &types.AttributeValueMemberN{Value: fmt.Sprint(time.Now().Add(-time.Minute).Unix())}
	keys := [][2]string{{"CONN#" + connID, "CONN"}}
	for _, pk := range listenerPKs {
		keys = append(keys, [2]string{pk, "CONN#" + connID})
	}
	for _, k := range keys {
		_, err := tb.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
			TableName: &tb.name,
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: k[0]}, "sk": &types.AttributeValueMemberS{Value: k[1]},
			},
			UpdateExpression:          aws.String("SET expiresAt = :past"),
			ConditionExpression:       aws.String("attribute_exists(pk)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":past": past},
		})
		if err != nil {
			t.Fatalf("expire %s %s: %v", k[0], k[1], err)
		}
	}
}

type onlineSummary struct {
	VisitorOnline bool `json:"visitorOnline"`
	raw           string
}

func visitorOnline(t *testing.T, a *chatclient.Agent, convID string) bool {
	t.Helper()
	var th struct {
		Conversation onlineSummary `json:"conversation"`
	}
	if err := a.Call(wait(t), http.MethodGet, "/agent/conversations/"+convID, nil, &th); err != nil {
		t.Fatal(err)
	}
	return th.Conversation.VisitorOnline
}

// conversationSummary is the conversation as the inbox list shows it.
func conversationSummary(t *testing.T, a *chatclient.Agent, convID string) onlineSummary {
	t.Helper()
	for cursor := ""; ; {
		page, err := a.List(wait(t), "open", "", cursor, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Conversations {
			if c.ID == convID {
				var s onlineSummary
				if err := json.Unmarshal(c.Raw, &s); err != nil {
					t.Fatal(err)
				}
				s.raw = string(c.Raw)
				return s
			}
		}
		if page.NextCursor == "" {
			t.Fatalf("conversation %s not in the open list", convID)
		}
		cursor = page.NextCursor
	}
}

// ---------------------------------------------------------------- 4. duplicates

// closedDeliveries returns, for each conversation.closed event about the
// conversation on the bus, its detail id and the status of its delivery to
// the transcript function.
func closedDeliveries(t *testing.T, convID string) (ids, statuses []string) {
	t.Helper()
	var log eventLog
	getJSON(t, cloud.Endpoints().Events+"?detailType=conversation.closed", &log)
	for _, ev := range log.Events {
		var d detail
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if d.ConversationID != convID {
			continue
		}
		ids = append(ids, d.ID)
		for _, dl := range ev.Deliveries {
			if dl.Function == "TranscriptFunction" {
				statuses = append(statuses, dl.Status)
			}
		}
	}
	return ids, statuses
}

// TestDuplicateDeliveries: with every stream batch and every SES event
// delivered twice (both are at least once in AWS), the event publisher
// puts each domain event twice with one id, the transcript consumer sends
// one email for both, and the mail feedback consumer blocks a bounced
// address once. (Inbound mail delivered twice is TestEmailContinuation's,
// the sweeper's schedule firing twice TestInactivityTimeout's.)
func TestDuplicateDeliveries(t *testing.T) {
	injectFaults(t, localcloud.Faults{DuplicateDeliveries: true})
	visitor := newVisitor(t)
	_, convID, _ := startConversation(t, visitor, "Send me the transcript, please")
	addr := "dup-" + uuid.NewString()[:8] + "@visitor.test"
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr}, nil); err != nil {
		t.Fatal(err)
	}
	confirmAddress(t, addr)

	// The publisher: the created event twice, with one id.
	created := waitPublished(t, "conversation.created", convID, 2)
	if len(created) != 2 || created[0].ID != created[1].ID {
		t.Fatalf("conversation.created on the bus %+v, want twice with one id", created)
	}

	// The transcript consumer: one email for the doubled close.
	alice := newAgent(t, "alice")
	if _, err := alice.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Reply(wait(t), convID, "Here you are."); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both copies of the close delivered to the transcript consumer", func() error {
		ids, statuses := closedDeliveries(t, convID)
		if len(ids) != 2 || ids[0] != ids[1] {
			return fmt.Errorf("conversation.closed ids %v, want two copies of one", ids)
		}
		if !slices.Equal(statuses, []string{"delivered", "delivered"}) {
			return fmt.Errorf("deliveries %v", statuses)
		}
		return nil
	})
	if got := mailTo(t, addr, email.DefaultTranscriptSubject); len(got) != 1 {
		t.Fatalf("%d transcripts for a close delivered twice, want 1", len(got))
	}
	if st := cloud.Stats().Streams; len(st) == 0 {
		t.Fatal("no stream mapping stats")
	} else {
		for name, s := range st {
			if s.Duplicates == 0 {
				t.Errorf("stream mapping %s delivered no batch twice", name)
			}
		}
	}

	// The feedback consumer: a bounce delivered twice blocks the address
	// once, and the next email is refused as for one bounce.
	convID2 := startConversationWith(t, "Write to the bouncing address")
	bouncing := "bounce+dup-" + uuid.NewString()[:8] + "@simulator.amazonses.com"
	if err := alice.Call(wait(t), http.MethodPut, "/agent/conversations/"+convID2+"/contact", map[string]string{"email": bouncing}, nil); err != nil {
		t.Fatal(err)
	}
	before := cloud.Stats().Invocations["MailFeedbackFunction"]
	if _, err := emailReply(t, alice, convID2, "This will bounce."); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the doubled bounce blocks the address", func() error {
		if s := getThread(t, alice, convID2).Conversation; !strings.Contains(s.EmailBlocked, "bounced") {
			return fmt.Errorf("summary = %+v", s)
		}
		return nil
	})
	if n := cloud.Stats().Invocations["MailFeedbackFunction"] - before; n < 2 || n%2 != 0 {
		t.Errorf("mail feedback invoked %d times for one email, want each SES event twice", n)
	}
	_, err := emailReply(t, alice, convID2, "Did you get it?")
	var apiErr *chatclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict {
		t.Fatalf("reply to an address bounced (twice) = %v, want 409", err)
	}
}

// startConversationWith opens a conversation from a new visitor.
func startConversationWith(t *testing.T, body string) string {
	t.Helper()
	tab, convID, _ := startConversation(t, newVisitor(t), body)
	tab.Close()
	return convID
}

// ---------------------------------------------------------------- 5. crashes

// TestFunctionCrash: a function process that dies mid-invocation fails its
// request as API Gateway does (HTTP 502 with its generic body; on a socket
// the gateway's error frame; $connect refused with 500) and the next
// request runs in a fresh process. A message whose write crashed is sent
// again with its client id and stored once.
func TestFunctionCrash(t *testing.T) {
	alice := newAgent(t, "alice")

	// The HTTP API.
	crashNext(t, "AgentApiFunction")
	_, err := alice.List(wait(t), "open", "", "", 10)
	var apiErr *chatclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadGateway || apiErr.Body != `{"message":"Internal Server Error"}` {
		t.Fatalf("request to a crashing function = %v, want 502 {\"message\":\"Internal Server Error\"}", err)
	}
	if _, err := alice.List(wait(t), "open", "", "", 10); err != nil {
		t.Fatalf("request after the crash: %v", err)
	}

	// $connect.
	visitor := newVisitor(t)
	crashNext(t, "WsConnectFunction")
	if _, err := visitor.Connect(wait(t)); !errors.As(err, &apiErr) || apiErr.Status != http.StatusInternalServerError {
		t.Fatalf("connect through a crashing $connect = %v, want the handshake refused with 500", err)
	}
	tab := connect(t, visitor)

	// A socket action: the gateway's error frame, then the retry works.
	if _, err := chatclient.SendMessage(wait(t), tab, "", "First"); err != nil {
		t.Fatal(err)
	}
	own, err := tab.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	convID := own.ConversationID
	crashNext(t, "WsMessageFunction")
	clientID := uuid.NewString()
	if err := chatclient.SendMessageWithID(wait(t), tab, clientID, convID, "Sent into a crash"); err != nil {
		t.Fatal(err)
	}
	f, err := tab.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "" || f.Type == "message" })
	if err != nil {
		t.Fatal(err)
	}
	var gw struct {
		Message      string `json:"message"`
		ConnectionID string `json:"connectionId"`
		RequestID    string `json:"requestId"`
	}
	if err := json.Unmarshal(f.Raw, &gw); err != nil || gw.Message != "Internal server error" || gw.ConnectionID == "" || gw.RequestID == "" {
		t.Fatalf("frame after a crashed action = %s, want API Gateway's internal server error frame", f.Raw)
	}
	if err := chatclient.SendMessageWithID(wait(t), tab, clientID, convID, "Sent into a crash"); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == clientID }); err != nil {
		t.Fatalf("the retry after the crash: %v", err)
	}
	if n := countClientID(getThread(t, alice, convID).Messages, clientID); n != 1 {
		t.Errorf("message sent into a crash and again stored %d times, want once", n)
	}
	checkWhole(t, chatTable(t), convID)
}

// TestFaultsAPIRefusesBadInput: a fault the local cloud cannot inject is
// refused with a reason, and the faults in effect stay as they were.
func TestFaultsAPIRefusesBadInput(t *testing.T) {
	injectFaults(t, localcloud.Faults{DropDisconnect: true})
	tests := []struct {
		name, method, path, body, want string
	}{
		{"share above one", http.MethodPut, "/_local/faults", `{"aws":[{"service":"dynamodb","operation":"PutItem","share":2,"kind":"throttle"}]}`, "share"},
		{"unknown kind", http.MethodPut, "/_local/faults", `{"aws":[{"service":"dynamodb","operation":"PutItem","share":0.5,"kind":"slow"}]}`, "kind"},
		{"misspelt field", http.MethodPut, "/_local/faults", `{"dropDisconnects":true}`, "unknown field"},
		{"not JSON", http.MethodPut, "/_local/faults", `drop`, "malformed"},
		{"unknown function", http.MethodPost, "/_local/faults/crash", `{"function":"NoSuchFunction"}`, "NoSuchFunction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, cloud.URL()+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b strings.Builder
			_, _ = io.Copy(&b, resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b.String(), tt.want) {
				t.Errorf("%s %s %s = %d %q, want 400 mentioning %q", tt.method, tt.path, tt.body, resp.StatusCode, b.String(), tt.want)
			}
		})
	}
	if diff := cmp.Diff(localcloud.Faults{AWS: []awsemu.RateFault{}, DropDisconnect: true}, getFaults(t).Faults); diff != "" {
		t.Errorf("faults after refused changes (-want +got):\n%s", diff)
	}
}

// eventsDelivered waits until the table's stream is read and every event
// on the bus has reached its consumers, so that no consumer's write is
// under way.
func eventsDelivered(t *testing.T) {
	t.Helper()
	eventually(t, "every event delivered", func() error {
		if !cloud.StreamsIdle() {
			return errors.New("the table's stream is still being read")
		}
		for _, ev := range cloud.Events().Recent("") {
			for _, d := range ev.Deliveries {
				if d.Status == "pending" {
					return fmt.Errorf("%s to %s pending", ev.DetailType, d.Function)
				}
			}
		}
		return nil
	})
}
