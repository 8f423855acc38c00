package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// follow opens a thread as the inbox does: resume with a subscription,
// and wait for the answer.
func follow(t *testing.T, s *chatclient.Socket, convID, subscription string) {
	t.Helper()
	sendFrame(t, s, map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0, "subscription": subscription})
	if _, err := s.Next(wait(t), chatclient.IsType("messages", convID)); err != nil {
		t.Fatalf("resume %s: %v", convID, err)
	}
}

// followers counts the agents' sockets that follow a conversation (its
// agents' listener items).
func followers(t *testing.T, convID string) int {
	t.Helper()
	db, table := chatDB(t)
	out, err := db.Query(wait(t), &dynamodb.QueryInput{
		TableName:                aws.String(table),
		KeyConditionExpression:   aws.String("pk = :pk AND begins_with(sk, :conn)"),
		FilterExpression:         aws.String("#role = :agent"),
		ExpressionAttributeNames: map[string]string{"#role": "role"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "CONV#" + convID}, ":conn": &types.AttributeValueMemberS{Value: "CONN#"},
			":agent": &types.AttributeValueMemberS{Value: "agent"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// TestLeaveThread: an agent who opened conversation A, then B, no longer
// hears A's typing or the replies its list does not show, and still hears
// A in the list when the list needs it (the visitor's messages). The leave
// is answered with nothing, also when sent twice.
func TestLeaveThread(t *testing.T) {
	va, vb := newVisitor(t), newVisitor(t)
	vaTab, convA, _ := startConversation(t, va, "Where is parcel A?")
	vbTab, convB, _ := startConversation(t, vb, "Where is parcel B?")
	alice, ben := newAgent(t, "alice"), newAgent(t, "ben")
	aliceTab, benTab := connect(t, alice), connect(t, ben)
	subA := uuid.NewString()
	follow(t, aliceTab, convA, subA)
	// Ben keeps A open: what alice no longer hears, he does.
	follow(t, benTab, convA, uuid.NewString())

	typing := func(t *testing.T, on bool) {
		t.Helper()
		sendFrame(t, vaTab, map[string]any{"action": "typing", "conversationId": convA, "on": on})
		if _, err := benTab.Next(wait(t), chatclient.IsType("typing", convA)); err != nil {
			t.Fatalf("ben did not hear A's typing: %v", err)
		}
	}
	typing(t, true)
	if _, err := aliceTab.Next(wait(t), chatclient.IsType("typing", convA)); err != nil {
		t.Fatalf("alice did not hear the typing of the thread she follows: %v", err)
	}

	// Alice opens B: the inbox leaves A and follows B.
	for range 2 {
		sendFrame(t, aliceTab, map[string]any{"action": "leave", "conversationId": convA, "subscription": subA})
	}
	follow(t, aliceTab, convB, uuid.NewString())
	// A leave has no answer: its effect is the listener item it deletes.
	eventually(t, "alice's socket leaving A", func() error {
		if n := followers(t, convA); n != 1 {
			return fmt.Errorf("%d agents' sockets follow A, want ben's only", n)
		}
		return nil
	})

	// A's typing reaches ben only; the visitor's next message reaches
	// alice's list.
	typing(t, false)
	if _, err := chatclient.SendMessage(wait(t), vaTab, convA, "Any news?"); err != nil {
		t.Fatal(err)
	}
	seen := framesUntil(t, aliceTab, "A's new message in alice's list", func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && f.ConversationID == convA && m.Body == "Any news?"
	})
	listed := mustMsg(t, seen[len(seen)-1])

	// Ben reads it (the unread dot flips: every list hears) and answers:
	// the answer changes no dot, so it reaches the visitor and ben's open
	// thread, not alice. B's next message, which she follows, closes the
	// window.
	if _, err := ben.Act(wait(t), convA, "read", map[string]int64{"seq": listed.Seq}); err != nil {
		t.Fatal(err)
	}
	answer, err := ben.Reply(wait(t), convA, "It ships today.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vaTab.Next(wait(t), func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.Seq == answer.Seq
	}); err != nil {
		t.Fatalf("the visitor did not get ben's answer: %v", err)
	}
	if _, err := chatclient.SendMessage(wait(t), vbTab, convB, "Thanks!"); err != nil {
		t.Fatal(err)
	}
	seen = append(seen, framesUntil(t, aliceTab, "B's new message", func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && f.ConversationID == convB && m.Body == "Thanks!"
	})...)
	for _, f := range seen {
		switch {
		case f.Type == "typing" && f.ConversationID == convA:
			t.Errorf("alice heard A's typing after leaving it: %s", f.Raw)
		case f.Type == "message" && f.ConversationID == convA && mustMsg(t, f).Seq == answer.Seq:
			t.Errorf("alice heard a reply her list does not show after leaving A: %s", f.Raw)
		case f.Type == "error":
			t.Errorf("a frame of alice's was refused: %s", f.Raw)
		}
	}
}

// TestReadSparesTheReadingTab: an agent's read over HTTP names the
// subscription of the thread its tab follows; that tab has the answer and
// its socket is not pushed the change, while the agent's other tab, the
// other agents' lists and the visitor are. A malformed subscription is
// refused.
func TestReadSparesTheReadingTab(t *testing.T) {
	v := newVisitor(t)
	vTab, convID, seq := startConversation(t, v, "Is the shop open on Sunday?")
	alice, ben := newAgent(t, "alice"), newAgent(t, "ben")
	reading, other, benTab := connect(t, alice), connect(t, alice), connect(t, ben)
	sub := uuid.NewString()
	follow(t, reading, convID, sub)
	follow(t, other, convID, uuid.NewString())

	var apiErr *chatclient.APIError
	if _, err := alice.Act(wait(t), convID, "read", map[string]any{"seq": seq, "subscription": "not-a-uuid"}); !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code != "invalid_request" {
		t.Fatalf("read naming a malformed subscription: err = %v, want 400 invalid_request", err)
	}
	got, err := alice.Act(wait(t), convID, "read", map[string]any{"seq": seq, "subscription": sub})
	if err != nil {
		t.Fatal(err)
	}
	if got.AgentReadSeq != seq {
		t.Fatalf("the read's answer says agentReadSeq %d, want %d", got.AgentReadSeq, seq)
	}
	readBy := func(f chatclient.Frame) bool {
		return f.Type == "conversation" && f.Conversation != nil && f.Conversation.ID == convID && f.Conversation.AgentReadSeq == seq
	}
	for name, s := range map[string]*chatclient.Socket{"alice's other tab": other, "ben's list": benTab} {
		if _, err := s.Next(wait(t), readBy); err != nil {
			t.Errorf("%s did not hear the read: %v", name, err)
		}
	}
	if _, err := vTab.Next(wait(t), chatclient.IsType("conversation")); err != nil {
		t.Errorf("the visitor did not hear the read (Seen): %v", err)
	}
	// The pushes of one request are written before its answer: a message
	// sent after it closes the window on the reading tab.
	if _, err := chatclient.SendMessage(wait(t), vTab, convID, "Or Monday?"); err != nil {
		t.Fatal(err)
	}
	for _, f := range framesUntil(t, reading, "the visitor's next message", func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return err == nil && m.Body == "Or Monday?"
	}) {
		if readBy(f) {
			t.Errorf("the tab that read was pushed its own read: %s", f.Raw)
		}
	}
}
