package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// TestVisitorReadStaysOffTheLists: the visitor's read marker reaches the
// visitor's next session, and stays
// off the conversation item, which the inbox's two list indexes copy
// whole: written there, every read would cost a write in each.
func TestVisitorReadStaysOffTheLists(t *testing.T) {
	v := newVisitor(t)
	s, convID, _ := startConversation(t, v, "Is my order on its way?")
	reply, err := newAgent(t, "chiara").Reply(wait(t), convID, "It left this morning.")
	if err != nil {
		t.Fatal(err)
	}
	sendFrame(t, s, map[string]any{"action": "read", "conversationId": convID, "seq": reply.Seq})

	readStored(t, v.ID, reply.Seq)

	_, session, err := chatclient.NewVisitor(wait(t), endpoints(), widgetOrigin(), "main", v.Token)
	if err != nil {
		t.Fatal(err)
	}
	if len(session.Conversations) != 1 {
		t.Fatalf("the next session has %d conversations, want 1", len(session.Conversations))
	}
	var read struct {
		VisitorReadSeq int64 `json:"visitorReadSeq"`
	}
	if err := json.Unmarshal(session.Conversations[0].Raw, &read); err != nil {
		t.Fatal(err)
	}
	if read.VisitorReadSeq != reply.Seq {
		t.Errorf("the next session's read marker = %d, want %d", read.VisitorReadSeq, reply.Seq)
	}

	meta, err := localDynamoDB().GetItem(wait(t), &dynamodb.GetItemInput{
		TableName: aws.String(tableName(t, "ChatTable")),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CONV#" + convID}, "sk": &types.AttributeValueMemberS{Value: "META"},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.Item) == 0 {
		t.Fatal("the conversation item is missing")
	}
	if got, ok := meta.Item["visitorReadSeq"]; ok {
		t.Errorf("the conversation item holds the visitor's read marker: %v", got)
	}
}

// TestVisitorReadBeforeTheResume: the inbox reads a thread over HTTP,
// then resumes it on its socket; a visitor's read that lands in between
// reaches no open thread, so the resume's answer carries it.
func TestVisitorReadBeforeTheResume(t *testing.T) {
	v := newVisitor(t)
	s, convID, _ := startConversation(t, v, "Seen before the resume?")
	chiara := newAgent(t, "chiara")
	reply, err := chiara.Reply(wait(t), convID, "Here is your answer.")
	if err != nil {
		t.Fatal(err)
	}
	atab := connect(t, chiara)
	if _, err := chiara.Get(wait(t), convID); err != nil {
		t.Fatal(err)
	}
	sendFrame(t, s, map[string]any{"action": "read", "conversationId": convID, "seq": reply.Seq})
	readStored(t, v.ID, reply.Seq)
	sendFrame(t, atab, map[string]any{"action": "resume", "conversationId": convID, "afterSeq": reply.Seq, "subscription": uuid.NewString()})
	f, err := atab.Next(wait(t), chatclient.IsType("messages", convID))
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		VisitorReadSeq int64 `json:"visitorReadSeq"`
	}
	if err := json.Unmarshal(f.Raw, &answer); err != nil {
		t.Fatal(err)
	}
	if answer.VisitorReadSeq != reply.Seq {
		t.Errorf("the resume answers marker %d, want %d", answer.VisitorReadSeq, reply.Seq)
	}
}

// readStored waits until the store has the visitor's read of seq in the
// visitor's one conversation: nothing answers a visitor's read.
func readStored(t *testing.T, visitorID string, seq int64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		convs, err := chatStore(t).VisitorConversations(wait(t), visitorID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(convs) == 1 && convs[0].VisitorReadSeq == seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the read of seq %d is not stored after 15 s: %+v", seq, convs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
