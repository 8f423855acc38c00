package agentapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/agentapi"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
	"github.com/parleychat/parley/shared/privacy"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/savedreplies"
	"github.com/parleychat/parley/shared/searchindex"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
	"github.com/parleychat/parley/shared/team"
)

var ddb *storetest.Server

func TestMain(m *testing.M) {
	ddb = storetest.Start()
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

type nopNotifier struct{}

func (nopNotifier) Push(context.Context, []string, any) []string { return nil }

// noAWS stands in for the mail service, the mail bucket and the
// @connections client: these tests send no mail, read no files and close
// no sockets.
type noAWS struct{}

var errNoAWS = errors.New("no AWS here")

func (noAWS) Send(context.Context, email.Outgoing) error { return errNoAWS }

func (noAWS) List(context.Context, string, string) ([]attachment.Object, string, error) {
	return nil, "", nil
}

func (noAWS) Head(context.Context, string) (attachment.Object, error) {
	return attachment.Object{}, errNoAWS
}

func (noAWS) Open(context.Context, string) (io.ReadCloser, error) { return nil, errNoAWS }

func (noAWS) Tags(context.Context, string) (map[string]string, error) { return nil, errNoAWS }

func (noAWS) Copy(context.Context, string, string) error { return errNoAWS }

func (noAWS) Delete(context.Context, []string) error { return errNoAWS }

func (noAWS) PresignGet(context.Context, string, attachment.Serving, time.Duration) (string, error) {
	return "", errNoAWS
}

func (noAWS) PresignPost(context.Context, string, int64, string, time.Duration) (string, map[string]string, error) {
	return "", nil, errNoAWS
}

func (noAWS) PostToConnection(context.Context, *apigatewaymanagementapi.PostToConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func (noAWS) DeleteConnection(context.Context, *apigatewaymanagementapi.DeleteConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	return &apigatewaymanagementapi.DeleteConnectionOutput{}, nil
}

// deps are a handler's dependencies over st, as the function wires them.
func deps(t *testing.T, svc *chat.Service, st *store.Store, dir team.Directory) agentapi.Deps {
	t.Helper()
	signer, err := auth.NewSigner([]byte("test-secret-test-secret-test-sec"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := mail.NewTokens([]byte("agent-test-secret-0123456789"), 'a')
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Mail{SenderAddress: "chat@example.com", InboundDomain: "reply.example.com", MailBucket: "mail", InboundPrefix: "inbound/", ConfigurationSet: "parley-mail"}
	guard := access.New(st, noAWS{}, svc, nil)
	members, err := team.New(st, guard, chat.ChannelInboxes{"main": "main", "sales-chat": "sales"}, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	channels, err := settings.NewCache(st, testSeed, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := settings.NewService(channels, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	contacts, err := contact.New(st, svc)
	if err != nil {
		t.Fatal(err)
	}
	mailer := email.New(svc, st, channels, tokens, cfg, email.Options{ChannelID: "main", InboxURL: "https://inbox.example.com/", Sender: noAWS{}})
	mentions, err := email.NewMentions(mailer)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := attachment.NewBucket(noAWS{}, attachment.DefaultLimits{MaxBytes: 10 << 20, MaxFiles: 5})
	if err != nil {
		t.Fatal(err)
	}
	files, err := attachment.New(svc, bucket, signer)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := reports.NewReader(st, st)
	if err != nil {
		t.Fatal(err)
	}
	rights, err := privacy.New(st, bucket, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	page, err := attachment.LinkPage("https://chat.example.com/widget/file.html")
	if err != nil {
		t.Fatal(err)
	}
	links, err := attachment.NewMailLinks(signer, page)
	if err != nil {
		t.Fatal(err)
	}
	return agentapi.Deps{
		Chat: svc, Signer: signer, Access: guard, AdminGroup: "admins",
		Email:       mailer,
		Attachments: files,
		Contacts:    contacts,
		Mentions:    mentions,
		Search:      searchindex.NewFinder(store.NewSearchIndex(ddb.Client(), ddb.NewSearchTable(t)), st),
		Replies:     savedreplies.New(st, nil),
		Settings:    admin,
		Team:        members,
		Reports:     reader,
		Privacy:     rights,
		FileLinks:   links,
	}
}

// testSeed is what the first inbox and channel start from, as a
// deployment's parameters would say.
var testSeed = settings.Seed{
	ChannelID: "main", InboxID: "main", TeamName: "Support", Color: "#2f5bea",
	AllowedOrigins: []string{"https://www.example.com"}, Language: "en",
	Inactivity:    settings.Inactivity{TimeoutMinutes: 30, WarningMinutes: 2},
	SenderAddress: "chat@example.com", SenderDomain: "example.com",
}

func setup(t *testing.T) (*agentapi.Handler, *storetest.Counting, string) {
	t.Helper()
	f := newFixture(t)
	return f.h, f.db, f.cid
}

// fixture is a handler over its own table with one conversation a
// visitor started.
type fixture struct {
	h   *agentapi.Handler
	db  *storetest.Counting
	st  *store.Store
	svc *chat.Service
	dir *directory
	cid string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.NewCounting(ddb.Client())
	st := store.New(db, ddb.NewTable(t), nil)
	svc, err := chat.NewService(st, nopNotifier{}, chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, SocketFrames: ratelimit.New(st, ratelimit.Limits{}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	vis := chat.Principal{Role: chat.RoleVisitor, ID: uuid.NewString()}
	if err := st.SaveConnection(t.Context(), chat.Connection{ID: "v", Principal: vis, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m, err := svc.SendFromConnection(t.Context(), "v", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	dir := &directory{}
	h, err := agentapi.New(deps(t, svc, st, dir))
	if err != nil {
		t.Fatal(err)
	}
	db.Calls()
	return &fixture{h: h, db: db, st: st, svc: svc, dir: dir, cid: m.ConversationID}
}

func request(t *testing.T, route, id, body string, claims map[string]string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile("testdata/reply.json")
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	req.RouteKey, req.RequestContext.RouteKey = route, route
	req.PathParameters = map[string]string{"id": id}
	req.Body = body
	if claims != nil {
		req.RequestContext.Authorizer.JWT.Claims = claims
	}
	return req
}

var bob = map[string]string{"sub": "bob-sub", "name": "Bob"}

func writes(calls map[string]int) int {
	return calls["PutItem"] + calls["UpdateItem"] + calls["TransactWriteItems"] + calls["BatchWriteItem"]
}

func TestReply(t *testing.T) {
	h, db, cid := setup(t)
	req := request(t, "POST /agent/conversations/{id}/messages", cid, `{"clientId":"0b7c3c1e-8a57-4f7e-9a0d-3f2b1c4d5e6f","body":"Hi! How can I help?"}`, nil)
	res, err := h.Handle(t.Context(), req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("reply = %d %s, %v", res.StatusCode, res.Body, err)
	}
	// One Query admits the agent and reads its profile, which signs the
	// reply with the agent's display name and tells its inboxes; the
	// socket path (the inbox's) carries them with the connection and reads
	// nothing (wsapi's test pins that).
	if diff := cmp.Diff(map[string]int{"Query": 3, "TransactWriteItems": 1}, db.Calls()); diff != "" {
		t.Errorf("DynamoDB calls per agent reply (-want +got):\n%s", diff)
	}
	var first struct{ Message chat.Message }
	if err := json.Unmarshal([]byte(res.Body), &first); err != nil {
		t.Fatal(err)
	}
	if first.Message.Seq != 2 || first.Message.Author.ID != "9f8e7d6c-5b4a-4321-8fed-cba987654321" || first.Message.Author.Name != "Ann Agent" {
		t.Errorf("message = %+v", first.Message)
	}
	again, _ := h.Handle(t.Context(), req)
	if again.StatusCode != http.StatusOK || again.Body != res.Body {
		t.Errorf("retry = %d %s; want 200 and the same message", again.StatusCode, again.Body)
	}
}

func TestRefusals(t *testing.T) {
	h, db, cid := setup(t)
	valid := `{"clientId":"` + uuid.NewString() + `","body":"x"}`
	noClaims := request(t, "POST /agent/conversations/{id}/messages", cid, valid, nil)
	noClaims.RequestContext.Authorizer = nil
	tests := []struct {
		name       string
		req        events.APIGatewayV2HTTPRequest
		wantStatus int
		wantCode   string
	}{
		{"no claims", noClaims, 401, "unauthorized"},
		{"malformed id", request(t, "POST /agent/conversations/{id}/messages", "not-a-uuid", valid, nil), 400, "invalid_request"},
		{"unknown id", request(t, "POST /agent/conversations/{id}/messages", uuid.NewString(), valid, nil), 404, "not_found"},
		{"not json", request(t, "POST /agent/conversations/{id}/messages", cid, `{"clientId":`, nil), 400, "invalid_request"},
		{"oversized body", request(t, "POST /agent/conversations/{id}/messages", cid, `{"clientId":"`+uuid.NewString()+`","body":"`+strings.Repeat("ü", 5001)+`"}`, nil), 413, "too_large"},
		{"malformed cursor", request(t, "GET /agent/conversations", "", "", nil), 400, "invalid_request"},
		{"bad limit", request(t, "GET /agent/conversations/{id}/messages", cid, "", nil), 400, "invalid_request"},
		{"bad read seq", request(t, "POST /agent/conversations/{id}/read", cid, `{"seq":9}`, nil), 400, "invalid_request"},
	}
	tests[5].req.QueryStringParameters = map[string]string{"cursor": "%%%"}
	tests[6].req.QueryStringParameters = map[string]string{"limit": "-1"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db.Calls()
			res, err := h.Handle(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Error struct{ Code string } }
			_ = json.Unmarshal([]byte(res.Body), &body)
			if res.StatusCode != tt.wantStatus || body.Error.Code != tt.wantCode {
				t.Errorf("= %d %s; want %d %s", res.StatusCode, res.Body, tt.wantStatus, tt.wantCode)
			}
			if calls := db.Calls(); writes(calls) != 0 {
				t.Errorf("refused request wrote: %v", calls)
			}
		})
	}
}

func TestTakeOverRace(t *testing.T) {
	h, _, cid := setup(t)
	// Ann (the fixture's claims) and Bob take over the unassigned
	// conversation at the same moment: exactly one wins.
	ann := "9f8e7d6c-5b4a-4321-8fed-cba987654321"
	claims := []map[string]string{nil, bob}
	ids := []string{ann, bob["sub"]}
	results := make([]events.APIGatewayV2HTTPResponse, len(claims))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range claims {
		wg.Go(func() {
			<-start
			res, err := h.Handle(t.Context(), request(t, "POST /agent/conversations/{id}/takeover", cid, `{"expectedAssigneeId":""}`, c))
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	close(start)
	wg.Wait()
	statuses := []int{results[0].StatusCode, results[1].StatusCode}
	slices.Sort(statuses)
	if diff := cmp.Diff([]int{http.StatusOK, http.StatusConflict}, statuses); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s\n%s\n%s", diff, results[0].Body, results[1].Body)
	}
	w, l := 0, 1
	if results[w].StatusCode != http.StatusOK {
		w, l = 1, 0
	}
	want := `{"error":{"code":"conflict","message":"conflict: conversation is assigned to ` + ids[w] + `","assigneeId":"` + ids[w] + `"}}`
	if results[l].Body != want {
		t.Errorf("loser = %s; want 409 naming the winner", results[l].Body)
	}

	list := request(t, "GET /agent/conversations", "", "", claims[w])
	list.QueryStringParameters = map[string]string{"view": "mine"}
	res, _ := h.Handle(t.Context(), list)
	var page struct{ Conversations []chat.Summary }
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil || len(page.Conversations) != 1 || page.Conversations[0].AssigneeID != ids[w] {
		t.Errorf("winner's mine = %d %s", res.StatusCode, res.Body)
	}

	// One event in the stream: the loser stored nothing.
	detail, _ := h.Handle(t.Context(), request(t, "GET /agent/conversations/{id}", cid, "", nil))
	var d struct{ Messages []chat.Message }
	if err := json.Unmarshal([]byte(detail.Body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Messages) != 2 || d.Messages[1].Event == nil || d.Messages[1].Event.Type != chat.EventAssigned || d.Messages[1].Event.AgentID != ids[w] {
		t.Errorf("detail = %d %s; want the first message and one assigned event", detail.StatusCode, detail.Body)
	}
}

func TestProfileAndTicket(t *testing.T) {
	h, _, _ := setup(t)
	res, _ := h.Handle(t.Context(), request(t, "PUT /agent/me", "", `{"displayName":"Ann A.","meetingsUrl":"https://cal.example.com/ann"}`, nil))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"displayName":"Ann A."`) {
		t.Errorf("put me = %d %s", res.StatusCode, res.Body)
	}
	res, _ = h.Handle(t.Context(), request(t, "PUT /agent/me", "", `{"displayName":"Ann","avatarUrl":"javascript:alert(1)"}`, nil))
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("script avatar = %d %s", res.StatusCode, res.Body)
	}
	res, _ = h.Handle(t.Context(), request(t, "GET /agent/agents", "", "", nil))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"displayName":"Ann A."`) {
		t.Errorf("agents = %d %s", res.StatusCode, res.Body)
	}
	res, _ = h.Handle(t.Context(), request(t, "POST /agent/ticket", "", "", nil))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"expiresIn":60`) {
		t.Errorf("ticket = %d %s", res.StatusCode, res.Body)
	}
}
