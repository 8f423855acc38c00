package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/store"
)

// chatStore is the store of the local cloud's chat table, over the wire,
// for setting up what no API can create (a conversation of another inbox).
func chatStore(t *testing.T) *store.Store {
	t.Helper()
	db, table := chatDB(t)
	return store.New(db, table, nil)
}

// chatDB is the local cloud's DynamoDB client and the chat table's name.
func chatDB(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	db := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(cloud.URL()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
	})
	for _, tb := range cloud.Model().Tables {
		if tb.LogicalID == "ChatTable" {
			return db, tb.Name
		}
	}
	t.Fatal("the template has no ChatTable")
	return nil, ""
}

// partitionItems counts the items of a partition of the chat table.
func partitionItems(t *testing.T, pk string) int32 {
	t.Helper()
	db, table := chatDB(t)
	out, err := db.Query(wait(t), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
		Select:                    types.SelectCount,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Count
}

// rawCall sends one HTTP API request and returns the status and the body
// exactly as they came.
func rawCall(t *testing.T, method, path, origin, bearer, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(wait(t), method, endpoints().HTTPAPI+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestObjectLevelAuthorization asks every id-bearing HTTP route and socket
// action (template.yaml's routes, shared/wsapi's actions) about an object
// the caller may not reach (another visitor's conversation; a conversation
// of an inbox the agent is not in) and about an id that does not exist:
// the two answers must be byte for byte the same, a refusal, and the
// object unchanged.
func TestObjectLevelAuthorization(t *testing.T) {
	// Visitor A's conversation, which visitor B must not reach.
	owner := newVisitor(t)
	_, visitorConv, _ := startConversation(t, owner, "private to A")

	// A conversation of an inbox no demo agent belongs to.
	st := chatStore(t)
	now := time.Now().UTC()
	otherConv := uuid.NewString()
	_, err := st.CreateConversation(wait(t), chat.NewConversation{
		Conversation: chat.Conversation{
			ID: otherConv, ChannelID: "main", InboxID: "other-inbox", VisitorID: uuid.NewString(), Status: chat.StatusOpen,
			LastSeq: 1, Preview: "another team's", CreatedAt: now, LastActivityAt: now,
		},
		Message: chat.Message{ConversationID: otherConv, Seq: 1, Kind: chat.KindText, Author: chat.Author{Type: chat.RoleVisitor, ID: "x"}, Body: "another team's", CreatedAt: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	otherBefore, err := st.Conversation(wait(t), otherConv)
	if err != nil {
		t.Fatal(err)
	}

	// Saved replies: ben's own, and a shared one (which only admins change).
	benReply := createReply(t, newAgent(t, "ben"), "personal", savedReply{Title: "Ben's", Body: "only ben's"})
	sharedReply := createReply(t, newAgent(t, "alice"), "shared", savedReply{Title: "Team's", Body: "everyone's"})
	t.Cleanup(func() {
		_ = newAgent(t, "alice").Call(t.Context(), http.MethodDelete, "/agent/saved-replies/shared/"+sharedReply.ID, nil, nil)
	})

	stranger := newVisitor(t)
	aliceSub, err := oidc.DemoSub("alice")
	if err != nil {
		t.Fatal(err)
	}
	agentBearer := agentToken(t, "alice")
	// Alice's profile exists (assign checks the assignee first).
	if status, body := rawCall(t, "GET", "/agent/me", "", agentBearer, ""); status != 200 {
		t.Fatalf("GET /agent/me = %d %s", status, body)
	}

	type call struct{ method, path, body string }
	routes := []struct {
		name             string
		origin, bearer   string
		forbidden, known string // the object's id, substituted for {id}
		call             call
	}{
		{"GET /widget/conversations/{id}/messages", widgetOrigin(), stranger.Token, visitorConv, "", call{"GET", "/widget/conversations/{id}/messages", ""}},
		{"PUT /widget/conversations/{id}/rating", widgetOrigin(), stranger.Token, visitorConv, "", call{"PUT", "/widget/conversations/{id}/rating", `{"score":1}`}},
		{"POST /widget/conversations/{id}/attachments/{attachmentId}", widgetOrigin(), stranger.Token, visitorConv, "", call{"POST", "/widget/conversations/{id}/attachments/" + b64url(uuid.NewString()+"/1-a.pdf"), ""}},
		{"GET /agent/conversations/{id}", "", agentBearer, otherConv, "", call{"GET", "/agent/conversations/{id}", ""}},
		{"GET /agent/conversations/{id}/messages", "", agentBearer, otherConv, "", call{"GET", "/agent/conversations/{id}/messages", ""}},
		{"POST /agent/conversations/{id}/messages", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/messages", `{"clientId":"` + uuid.NewString() + `","body":"hello"}`}},
		{"POST /agent/conversations/{id}/notes", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/notes", `{"clientId":"` + uuid.NewString() + `","body":"@Alice Moreau hello"}`}},
		{"POST /agent/conversations/{id}/assign", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/assign", `{"agentId":"` + aliceSub + `","expectedAssigneeId":""}`}},
		{"POST /agent/conversations/{id}/takeover", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/takeover", `{"expectedAssigneeId":""}`}},
		{"POST /agent/conversations/{id}/unassign", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/unassign", `{}`}},
		{"POST /agent/conversations/{id}/close", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/close", `{}`}},
		{"POST /agent/conversations/{id}/reopen", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/reopen", `{}`}},
		{"POST /agent/conversations/{id}/read", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/read", `{"seq":1}`}},
		{"POST /agent/conversations/{id}/transcript", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/transcript", `{"to":"someone@example.com"}`}},
		{"PUT /agent/conversations/{id}/contact", "", agentBearer, otherConv, "", call{"PUT", "/agent/conversations/{id}/contact", `{"email":"someone@example.com"}`}},
		{"GET /agent/conversations/{id}/contact", "", agentBearer, otherConv, "", call{"GET", "/agent/conversations/{id}/contact", ""}},
		{"GET /agent/conversations/{id}/attachments", "", agentBearer, otherConv, "", call{"GET", "/agent/conversations/{id}/attachments", ""}},
		{"GET /agent/conversations/{id}/attachments/{attachmentId}", "", agentBearer, otherConv, "", call{"GET", "/agent/conversations/{id}/attachments/" + b64url("m/1-a.pdf"), ""}},
		{"POST /agent/conversations/{id}/uploads", "", agentBearer, otherConv, "", call{"POST", "/agent/conversations/{id}/uploads", `{"filename":"a.pdf","size":10}`}},
		// Only admins manage agents and settings: anyone else is refused
		// (403, below), whatever the id.
		{"PUT /agent/agents/{id}/access", "", agentToken(t, "ben"), aliceSub, "", call{"PUT", "/agent/agents/{id}/access", `{"disabled":true}`}},
		{"PUT /agent/team/{id}", "", agentToken(t, "ben"), aliceSub, "", call{"PUT", "/agent/team/{id}", `{"role":"agent","inboxIds":[]}`}},
		// Another agent's saved replies are unknown ids; the shared ones
		// are the admins' to change: an agent is refused, whatever the id.
		{"PUT /agent/saved-replies/personal/{id}", "", agentBearer, benReply.ID, "", call{"PUT", "/agent/saved-replies/personal/{id}", `{"title":"mine","body":"now"}`}},
		{"DELETE /agent/saved-replies/personal/{id}", "", agentBearer, benReply.ID, "", call{"DELETE", "/agent/saved-replies/personal/{id}", ""}},
		{"PUT /agent/saved-replies/shared/{id}", "", agentToken(t, "ben"), sharedReply.ID, "", call{"PUT", "/agent/saved-replies/shared/{id}", `{"title":"mine","body":"now"}`}},
		{"DELETE /agent/saved-replies/shared/{id}", "", agentToken(t, "ben"), sharedReply.ID, "", call{"DELETE", "/agent/saved-replies/shared/{id}", ""}},
		// Settings are the admins': an agent is refused, whatever the id.
		{"GET /agent/settings/channels/{id}", "", agentToken(t, "ben"), "main", "", call{"GET", "/agent/settings/channels/{id}", ""}},
		{"PUT /agent/settings/channels/{id}", "", agentToken(t, "ben"), "main", "", call{"PUT", "/agent/settings/channels/{id}", `{"name":"Taken over"}`}},
		{"PUT /agent/settings/inboxes/{id}", "", agentToken(t, "ben"), "main", "", call{"PUT", "/agent/settings/inboxes/{id}", `{"name":"Taken over","memberIds":[],"routing":{"mode":"manual","capacity":5}}`}},
		// A contact's export and erasure are the admins': an agent is
		// refused, whatever the contact.
		{"GET /agent/contacts/{id}/export", "", agentToken(t, "ben"), owner.ID, "", call{"GET", "/agent/contacts/{id}/export", ""}},
		{"DELETE /agent/contacts/{id}", "", agentToken(t, "ben"), owner.ID, "", call{"DELETE", "/agent/contacts/{id}", ""}},
	}
	// The admins' routes refuse an agent with 403 whatever the id; every
	// other route answers 404.
	adminsOnly := map[string]bool{
		"PUT /agent/agents/{id}/access": true, "PUT /agent/team/{id}": true, "GET /agent/settings/channels/{id}": true,
		"PUT /agent/settings/channels/{id}": true, "PUT /agent/settings/inboxes/{id}": true,
		"PUT /agent/saved-replies/shared/{id}": true, "DELETE /agent/saved-replies/shared/{id}": true,
		"GET /agent/contacts/{id}/export": true, "DELETE /agent/contacts/{id}": true,
	}
	// The table covers every id-bearing route of the template.
	covered := map[string]bool{}
	for _, r := range routes {
		covered[r.name] = true
	}
	for _, api := range cloud.Model().HTTPAPIs {
		for _, r := range api.Routes {
			if key := r.Method + " " + r.Path; strings.Contains(r.Path, "{") && !covered[key] {
				t.Errorf("%s carries an id and is not in this test's table", key)
			}
		}
	}
	for _, tt := range routes {
		t.Run(tt.name, func(t *testing.T) {
			unknown := uuid.NewString()
			if !strings.Contains(tt.forbidden, "-") || len(tt.forbidden) != 36 {
				unknown = "unknown-" + tt.forbidden
			}
			fs, fb := rawCall(t, tt.call.method, strings.ReplaceAll(tt.call.path, "{id}", tt.forbidden), tt.origin, tt.bearer, tt.call.body)
			us, ub := rawCall(t, tt.call.method, strings.ReplaceAll(tt.call.path, "{id}", unknown), tt.origin, tt.bearer, tt.call.body)
			if fs != us || fb != ub {
				t.Errorf("forbidden id answered %d %s; unknown id %d %s: must be the same", fs, fb, us, ub)
			}
			want := 404
			if adminsOnly[tt.name] {
				want = 403
			}
			if fs != want {
				t.Errorf("forbidden id answered %d %s, want %d", fs, fb, want)
			}
		})
	}

	// To an admin, an agent that never signed in is an unknown id like any
	// other: nothing is written for it.
	t.Run("PUT /agent/agents/{id}/access by an admin, unknown agent", func(t *testing.T) {
		nobody := uuid.NewString()
		status, body := rawCall(t, "PUT", "/agent/agents/"+nobody+"/access", "", agentBearer, `{"disabled":true}`)
		if status != 404 {
			t.Errorf("admin naming an unknown agent: %d %s, want 404", status, body)
		}
		if n := partitionItems(t, "AGENT#"+nobody); n != 0 {
			t.Errorf("%d items written for the unknown agent %s", n, nobody)
		}
	})

	// Socket actions: the stranger's socket on A's conversation, alice's on
	// the other inbox's; each refusal frame must equal the one for an
	// unknown id (the client id a frame echoes aside).
	strangerTab := connect(t, stranger)
	aliceTab := connect(t, newAgent(t, "alice"))
	frames := []struct {
		who       string
		sock      *chatclient.Socket
		forbidden string
		frame     string // {id} and {clientId} are filled in
	}{}
	for _, a := range []struct {
		who  string
		sock *chatclient.Socket
		id   string
	}{{"visitor", strangerTab, visitorConv}, {"agent", aliceTab, otherConv}} {
		for _, fr := range []string{
			`{"action":"sendMessage","clientId":"{clientId}","conversationId":"{id}","body":"let me in"}`,
			`{"action":"typing","conversationId":"{id}","on":true}`,
			`{"action":"typing","conversationId":"{id}","on":true,"note":true}`,
			`{"action":"view","conversationId":"{id}","on":true}`,
			`{"action":"read","conversationId":"{id}","seq":1}`,
			`{"action":"resume","conversationId":"{id}","afterSeq":0}`,
			`{"action":"leave","conversationId":"{id}","subscription":"{clientId}"}`,
			`{"action":"page","conversationId":"{id}","url":"https://www.example.com/"}`,
		} {
			frames = append(frames, struct {
				who       string
				sock      *chatclient.Socket
				forbidden string
				frame     string
			}{a.who, a.sock, a.id, fr})
		}
	}
	// ... and every socket action but ping and startBot, which carry no id
	// (TestStartBotRefused covers startBot).
	for _, api := range cloud.Model().WebSocketAPIs {
		for key := range api.Routes {
			if !strings.HasPrefix(key, "$") && key != "ping" && key != "startBot" && !strings.Contains(fmt.Sprint(frames), `"action":"`+key+`"`) {
				t.Errorf("socket action %s is not in this test's table", key)
			}
		}
	}
	answer := func(t *testing.T, s *chatclient.Socket, frame, id string) string {
		t.Helper()
		clientID := uuid.NewString()
		var v any
		if err := json.Unmarshal([]byte(strings.NewReplacer("{id}", id, "{clientId}", clientID).Replace(frame)), &v); err != nil {
			t.Fatal(err)
		}
		if err := s.Send(wait(t), v); err != nil {
			t.Fatal(err)
		}
		got, err := s.Next(wait(t), chatclient.IsType("error"))
		if err != nil {
			t.Fatalf("no refusal: %v", err)
		}
		return strings.ReplaceAll(string(got.Raw), clientID, "{clientId}")
	}
	for _, tt := range frames {
		action := strings.Split(tt.frame, `"`)[3]
		t.Run(fmt.Sprintf("%s socket %s", tt.who, action), func(t *testing.T) {
			forbidden := answer(t, tt.sock, tt.frame, tt.forbidden)
			unknown := answer(t, tt.sock, tt.frame, uuid.NewString())
			if forbidden != unknown {
				t.Errorf("forbidden id answered %s; unknown id %s: must be the same", forbidden, unknown)
			}
			if !strings.Contains(forbidden, `"not_found"`) {
				t.Errorf("forbidden id answered %s, want not_found", forbidden)
			}
		})
	}

	// Nothing reached either object.
	msgs, err := owner.Messages(wait(t), visitorConv)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Errorf("A's conversation has %d messages after the stranger's attempts, want 1", len(msgs))
	}
	otherAfter, err := st.Conversation(wait(t), otherConv)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(otherBefore, otherAfter); diff != "" {
		t.Errorf("the other inbox's conversation changed (-before +after):\n%s", diff)
	}
	for who, list := range map[string]savedReplies{"ben's": listReplies(t, newAgent(t, "ben")), "alice's": listReplies(t, newAgent(t, "alice"))} {
		for _, r := range list.Replies {
			if (r.ID == benReply.ID && r.Body != benReply.Body) || (r.ID == sharedReply.ID && r.Body != sharedReply.Body) {
				t.Errorf("%s saved reply %s changed: %+v", who, r.ID, r)
			}
		}
		if !has(list, sharedReply.ID) {
			t.Errorf("the shared reply is gone from %s list", who)
		}
	}
	if !has(listReplies(t, newAgent(t, "ben")), benReply.ID) {
		t.Error("ben's reply is gone")
	}
	var apiErr *chatclient.APIError
	if _, err := stranger.Messages(wait(t), visitorConv); !errors.As(err, &apiErr) {
		t.Errorf("stranger still reads A's conversation: %v", err)
	}
}

// TestEachPrincipalFromItsOwnOrigin: a visitor's token and tickets work
// only from the chat window's origin, an agent's tickets only from the
// inbox's; the inbox, which holds agents' tokens, and the chat window,
// which shows visitors' text on sites it is framed by, share no origin.
func TestEachPrincipalFromItsOwnOrigin(t *testing.T) {
	chatWindow, inbox, site := widgetOrigin(), cloud.URL(), siteOrigin()
	if chatWindow == inbox {
		t.Fatalf("the chat window and the inbox share the origin %s", inbox)
	}
	v := newVisitor(t)
	_, convID, _ := startConversation(t, v, "which origin")
	user := "origin-" + uuid.NewString()
	visitorRoutes := []struct {
		name, method, path, token string
		body                      any
	}{
		{"session", http.MethodPost, "/widget/session", "", map[string]string{"channelId": "main"}},
		{"ticket", http.MethodPost, "/widget/ticket", v.Token, nil},
		{"history", http.MethodGet, "/widget/conversations/" + convID + "/messages", v.Token, nil},
		{"contact", http.MethodPut, "/widget/contact", v.Token, map[string]string{"email": "origin-" + uuid.NewString()[:8] + "@visitor.test"}},
		{"identify", http.MethodPost, "/widget/identify", v.Token, map[string]string{"externalId": user, "signature": identity.Sign(identitySecret(t), user)}},
		{"attributes", http.MethodPut, "/widget/attributes", v.Token, map[string]any{"attributes": map[string]any{"plan": "pro"}}},
	}
	for _, r := range visitorRoutes {
		t.Run("visitor "+r.name, func(t *testing.T) {
			for name, origin := range map[string]string{"inbox": inbox, "site": site} {
				if status, code := widgetCall(t, r.method, r.path, origin, r.token, r.body); status != http.StatusUnauthorized || code != "unauthorized" {
					t.Errorf("from the %s's origin %s: %d %s, want 401 unauthorized", name, origin, status, code)
				}
			}
			if status, code := widgetCall(t, r.method, r.path, chatWindow, r.token, r.body); status != http.StatusOK {
				t.Errorf("from the chat window's origin: %d %s", status, code)
			}
		})
	}

	ws := cloud.Endpoints().WebSocket
	dial := func(t *testing.T, ticket, origin string) error {
		t.Helper()
		s, err := chatclient.DialTicket(wait(t), ws, ticket, origin)
		if err == nil {
			s.Close()
		}
		return err
	}
	refused := func(t *testing.T, err error) {
		t.Helper()
		var apiErr *chatclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
			t.Errorf("socket: %v, want HTTP 401", err)
		}
	}
	t.Run("visitor socket", func(t *testing.T) {
		for _, origin := range []string{inbox, site, chatWindow} {
			tk, err := v.Ticket(wait(t))
			if err != nil {
				t.Fatal(err)
			}
			err = dial(t, tk, origin)
			if origin == chatWindow {
				if err != nil {
					t.Errorf("from the chat window: %v", err)
				}
				continue
			}
			refused(t, err)
		}
	})
	t.Run("agent socket", func(t *testing.T) {
		agent := newAgent(t, "ben")
		for _, origin := range []string{chatWindow, site, inbox} {
			var out struct{ Ticket string }
			if err := agent.Call(wait(t), http.MethodPost, "/agent/ticket", nil, &out); err != nil {
				t.Fatal(err)
			}
			err := dial(t, out.Ticket, origin)
			if origin == inbox {
				if err != nil {
					t.Errorf("from the inbox: %v", err)
				}
				continue
			}
			refused(t, err)
		}
	})
}
