package e2e

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/searchindex"
	"github.com/parleychat/parley/shared/store"
)

// localDynamoDB is an SDK client of the local cloud's DynamoDB.
func localDynamoDB() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(cloud.URL()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
	})
}

func tableName(t *testing.T, logicalID string) string {
	t.Helper()
	for _, tb := range cloud.Model().Tables {
		if tb.LogicalID == logicalID {
			return tb.Name
		}
	}
	t.Fatalf("the template has no %s", logicalID)
	return ""
}

// indexed waits until the stream consumers (the search indexer among
// them) have taken every record written so far.
func indexed(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cloud.StreamsIdle() {
		if time.Now().After(deadline) {
			t.Fatal("the streams are still busy after 15 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// inboxMember is an agent of the local user pool whose profile makes it a
// member of inboxes only.
func inboxMember(t *testing.T, inboxes ...string) *chatclient.Agent {
	t.Helper()
	u, _, err := cloud.Issuer().CreateUser(map[string]string{"email": "member-" + uuid.NewString()[:8] + "@example.com", "name": "Member"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chatStore(t).EnsureAgent(wait(t), chat.Agent{ID: u.Username, DisplayName: "Member", Inboxes: inboxes}); err != nil {
		t.Fatal(err)
	}
	tok, err := cloud.Issuer().Mint(u.Username, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return chatclient.NewAgent(endpoints(), tok)
}

type searchResult struct {
	Conversation struct {
		ID      string `json:"id"`
		InboxID string `json:"inboxId"`
	} `json:"conversation"`
	Match   string `json:"match"`
	Seq     int64  `json:"seq"`
	Snippet struct {
		Text       string `json:"text"`
		Highlights []struct {
			Start int `json:"start"`
			End   int `json:"end"`
		} `json:"highlights"`
	} `json:"snippet"`
}

// marked is the snippet's text with its highlights in brackets (the
// texts of these tests are ASCII after the highlights, so UTF-16 offsets
// are byte offsets up to them).
func (r searchResult) marked() string {
	runes := []rune(r.Snippet.Text)
	out, at := "", 0
	for _, h := range r.Snippet.Highlights {
		out += string(runes[at:h.Start]) + "[" + string(runes[h.Start:h.End]) + "]"
		at = h.End
	}
	return out + string(runes[at:])
}

func search(t *testing.T, a *chatclient.Agent, q string) []searchResult {
	t.Helper()
	var out struct {
		Results    []searchResult `json:"results"`
		NextCursor string         `json:"nextCursor"`
	}
	if err := a.Call(wait(t), http.MethodGet, "/agent/search?q="+url.QueryEscape(q), nil, &out); err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return out.Results
}

// ids are the conversations of results, with what matched.
func ids(rs []searchResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Match+" "+r.Conversation.ID)
	}
	return out
}

// TestSearch: agents find conversations by the start of the contact's
// email address, by a word typed without its accents, by words of an
// agent's message; only in their own inboxes.
func TestSearch(t *testing.T) {
	tag := "t" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	alice := newAgent(t, "alice")

	refund := newVisitor(t)
	_, refundConv, _ := startConversation(t, refund, "Ich möchte eine Rückerstattung für Bestellung "+tag)

	zoe := newVisitor(t)
	_, zoeConv, _ := startConversation(t, zoe, "hello")
	addr := "zoe." + tag + "@example.com"
	var saved map[string]any
	if err := zoe.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr}, &saved); err != nil {
		t.Fatal(err)
	}

	internal := newVisitor(t)
	_, internalConv, _ := startConversation(t, internal, "Can you help?")
	if _, err := alice.Reply(wait(t), internalConv, "Escalated to finance, ticket "+tag+"-billing"); err != nil {
		t.Fatal(err)
	}

	// A conversation of another inbox, with the same words.
	other := "other-" + tag
	otherConv := uuid.NewString()
	now := time.Now().UTC()
	if _, err := chatStore(t).CreateConversation(wait(t), chat.NewConversation{
		Conversation: chat.Conversation{ID: otherConv, ChannelID: "main", InboxID: other, VisitorID: uuid.NewString(), Status: chat.StatusOpen,
			Preview: "x", CreatedAt: now, LastActivityAt: now},
		Message: chat.Message{Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: "v"}, Body: "Rückerstattung " + tag + " please", CreatedAt: now},
	}); err != nil {
		t.Fatal(err)
	}
	outsider := inboxMember(t, other)
	indexed(t)

	tests := []struct {
		name   string
		agent  *chatclient.Agent
		q      string
		want   []string
		marked string
	}{
		{"an accented word typed without accents", alice, "ruckerstattung " + tag, []string{"message " + refundConv},
			"Ich möchte eine [Rückerstattung] für Bestellung [" + tag + "]"},
		{"the start of the email address", alice, "zoe." + tag[:4], []string{"contact " + zoeConv}, "[zoe." + tag[:4] + "]" + tag[4:] + "@example.com"},
		{"the address's domain and the name part, upper case", alice, "ZOE EXAMPLE.COM " + tag, []string{"contact " + zoeConv}, ""},
		{"words of an agent's message", alice, "finance " + tag, []string{"message " + internalConv}, ""},
		{"never another inbox's conversations", alice, "please " + tag, nil, ""},
		{"the other inbox's member finds its own only", outsider, "ruckerstattung " + tag, []string{"message " + otherConv}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := search(t, tt.agent, tt.q)
			if !slices.Equal(ids(got), tt.want) {
				t.Fatalf("search %q = %v, want %v", tt.q, ids(got), tt.want)
			}
			if tt.marked != "" && got[0].marked() != tt.marked {
				t.Errorf("snippet %q, want %q", got[0].marked(), tt.marked)
			}
		})
	}

	// Bad input: a clear refusal.
	status, body := rawCall(t, http.MethodGet, "/agent/search?q="+url.QueryEscape("?! ..."), "", agentToken(t, "alice"), "")
	if status != http.StatusBadRequest || !strings.Contains(body, "no letters or digits") {
		t.Errorf("a query without words = %d %s, want 400 saying so", status, body)
	}
	status, body = rawCall(t, http.MethodGet, "/agent/search?q=hello&cursor=nonsense", "", agentToken(t, "alice"), "")
	if status != http.StatusBadRequest || !strings.Contains(body, "cursor") {
		t.Errorf("a made-up cursor = %d %s, want 400 saying so", status, body)
	}
}

// searchItems lists the search table's items that mention a conversation.
func searchItems(t *testing.T, conversationID string) []string {
	t.Helper()
	var out []string
	var start map[string]types.AttributeValue
	for {
		page, err := localDynamoDB().Scan(wait(t), &dynamodb.ScanInput{TableName: aws.String(tableName(t, "SearchTable")), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			pk, sk := it["pk"].(*types.AttributeValueMemberS).Value, it["sk"].(*types.AttributeValueMemberS).Value
			if strings.Contains(pk, conversationID) || strings.Contains(sk, conversationID) {
				out = append(out, pk+" | "+sk)
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out
		}
		start = page.LastEvaluatedKey
	}
}

// TestSearchErasure: a conversation's entries leave the index when its
// items leave the chat table (erasure, retention: the stream's removals),
// and when erasure calls the indexer's hook itself.
func TestSearchErasure(t *testing.T) {
	tag := "e" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	alice := newAgent(t, "alice")
	byStream := newVisitor(t)
	_, streamConv, _ := startConversation(t, byStream, "forget me "+tag)
	if err := byStream.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": "gone." + tag + "@example.com"}, &map[string]any{}); err != nil {
		t.Fatal(err)
	}
	byHook := newVisitor(t)
	_, hookConv, _ := startConversation(t, byHook, "forget me too "+tag)
	indexed(t)
	if got := ids(search(t, alice, "forget "+tag)); len(got) != 2 {
		t.Fatalf("before erasure: %v, want both conversations", got)
	}
	if len(searchItems(t, streamConv)) == 0 || len(searchItems(t, hookConv)) == 0 {
		t.Fatal("nothing indexed")
	}

	// The chat items of one conversation are deleted, META last.
	db, chatTable := localDynamoDB(), tableName(t, "ChatTable")
	for _, sk := range []string{"MSG#000000000001", "META"} {
		if _, err := db.DeleteItem(wait(t), &dynamodb.DeleteItemInput{TableName: &chatTable, Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CONV#" + streamConv}, "sk": &types.AttributeValueMemberS{Value: sk}}}); err != nil {
			t.Fatal(err)
		}
	}
	// The other one's entries go through the hook.
	x := searchindex.NewIndexer(store.NewSearchIndex(db, tableName(t, "SearchTable")), chatStore(t), nil)
	if err := x.EraseConversation(wait(t), hookConv); err != nil {
		t.Fatal(err)
	}
	if left := searchItems(t, hookConv); len(left) > 0 {
		t.Errorf("after the hook: %v", left)
	}
	indexed(t)
	if left := searchItems(t, streamConv); len(left) > 0 {
		t.Errorf("after the stream's removals: %v", left)
	}
	if got := search(t, alice, "forget "+tag); len(got) != 0 {
		t.Errorf("erased conversations still found: %v", ids(got))
	}
	if got := search(t, alice, "gone."+tag[:3]); len(got) != 0 {
		t.Errorf("an erased conversation's contact still found: %v", ids(got))
	}
}
