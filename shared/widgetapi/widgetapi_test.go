package widgetapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/mail"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
	"github.com/parleychat/parley/shared/widgetapi"
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

type harness struct {
	h        *widgetapi.Handler
	deps     widgetapi.Deps
	db       *storetest.Counting
	st       *store.Store
	svc      *chat.Service
	settings *settings.Service
	signer   *auth.Signer
	ses      *fakeSES
	// now is the clock of the settings' cache and of availability.
	now time.Time
}

// testSeed is the first inbox and channel, as a deployment's parameters
// would say.
var testSeed = settings.Seed{
	ChannelID: "main", InboxID: "main", TeamName: "Northwind Coffee", Color: "#8a4b2a",
	AllowedOrigins: []string{"https://www.example.com"}, Language: "en",
	Inactivity:    settings.Inactivity{TimeoutMinutes: 30, WarningMinutes: 2},
	SenderAddress: "chat@example.com", SenderDomain: "example.com",
}

func setup(t *testing.T) *harness {
	t.Helper()
	db := storetest.NewCounting(ddb.Client())
	st := store.New(db, ddb.NewTable(t), nil)
	h := &harness{db: db, st: st, now: time.Now().UTC()}
	clock := func() time.Time { return h.now }
	limiter := ratelimit.New(st, ratelimit.Limits{}, nil)
	channels, err := settings.NewCache(st, testSeed, clock)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := chat.NewService(st, nopNotifier{}, chat.Options{ChannelID: "main", Channels: channels, AgentInboxes: []string{"main"}, SocketFrames: limiter, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if h.settings, err = settings.NewService(channels, svc, nil); err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte("test-secret-test-secret-test-sec"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// The fixtures' Origin is the chat window's.
	chatWindow, err := auth.ParseOrigins([]string{"https://www.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	allow, err := auth.NewAllowlist(channels, chatWindow, nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := mail.NewTokens([]byte("widget-test-secret-0123456789"), 'a')
	if err != nil {
		t.Fatal(err)
	}
	ses := &fakeSES{}
	cfg := config.Mail{SenderAddress: "chat@example.com", InboundDomain: "reply.example.com", MailBucket: "mail", InboundPrefix: "inbound/", ConfigurationSet: "parley-mail"}
	h.svc, h.signer, h.ses = svc, signer, ses
	h.deps = widgetapi.Deps{
		Chat: svc, Signer: signer, ChannelID: "main", Origins: allow, Limiter: limiter,
		Email:    email.New(svc, st, channels, tokens, cfg, email.Options{ChannelID: "main", Sender: ses}),
		Settings: h.settings,
	}
	if h.deps.Identity, err = identity.NewService([]byte("identity-secret-identity-secret!"), st, svc, noSockets{}, nil); err != nil {
		t.Fatal(err)
	}
	if h.deps.Contacts, err = contact.New(st, svc); err != nil {
		t.Fatal(err)
	}
	h.build(t)
	return h
}

// build makes the harness's handler of its deps.
func (h *harness) build(t *testing.T) {
	t.Helper()
	var err error
	if h.h, err = widgetapi.New(h.deps); err != nil {
		t.Fatal(err)
	}
}

func request(t *testing.T, route, body string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile("testdata/session.json")
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	req.RouteKey, req.RequestContext.RouteKey, req.Body = route, route, body
	return req
}

type session struct {
	VisitorID     string
	VisitorToken  string
	Conversations []chat.VisitorConversation
	Ticket        string
}

func (h *harness) session(t *testing.T, body string) session {
	t.Helper()
	res, err := h.h.Handle(t.Context(), request(t, "POST /widget/session", body))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("session = %d %s, %v", res.StatusCode, res.Body, err)
	}
	var s session
	if err := json.Unmarshal([]byte(res.Body), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSessionTicketAndHistory(t *testing.T) {
	h := setup(t)
	first := h.session(t, `{"channelId":"main"}`)
	if !chat.ValidID(first.VisitorID) || len(first.Conversations) != 0 {
		t.Fatalf("new session = %+v", first)
	}
	// The session brings the ticket of the socket that follows it.
	if got, err := h.signer.VerifyTicket(first.Ticket); err != nil || got.Principal.ID != first.VisitorID || got.Principal.Role != chat.RoleVisitor || got.ChannelID != "main" {
		t.Errorf("the session's ticket verifies as %+v, %v", got, err)
	}
	// The visitor writes, then comes back with its token.
	p := chat.Principal{Role: chat.RoleVisitor, ID: first.VisitorID}
	if err := h.st.SaveConnection(t.Context(), chat.Connection{ID: "c", Principal: p, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m, err := h.svc.SendFromConnection(t.Context(), "c", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	again := h.session(t, `{"channelId":"main","visitorToken":"`+first.VisitorToken+`"}`)
	if again.VisitorID != first.VisitorID || len(again.Conversations) != 1 || again.Conversations[0].ID != m.ConversationID {
		t.Errorf("resumed session = %+v", again)
	}
	// A forged token starts a new visitor rather than failing.
	if s := h.session(t, `{"channelId":"main","visitorToken":"v1.e30.AAAA"}`); s.VisitorID == first.VisitorID {
		t.Error("forged token resumed the visitor")
	}

	req := request(t, "POST /widget/ticket", "")
	req.Headers["authorization"] = "Bearer " + first.VisitorToken
	res, _ := h.h.Handle(t.Context(), req)
	var tk struct {
		Ticket    string
		ExpiresIn int
	}
	if err := json.Unmarshal([]byte(res.Body), &tk); err != nil || tk.ExpiresIn != 60 {
		t.Fatalf("ticket = %d %s", res.StatusCode, res.Body)
	}
	if got, err := h.signer.VerifyTicket(tk.Ticket); err != nil || got.Principal.ID != first.VisitorID {
		t.Errorf("ticket verifies as %+v, %v", got, err)
	}

	hist := request(t, "GET /widget/conversations/{id}/messages", "")
	hist.PathParameters = map[string]string{"id": m.ConversationID}
	hist.Headers["authorization"] = "Bearer " + first.VisitorToken
	res, _ = h.h.Handle(t.Context(), hist)
	var page struct {
		Messages []chat.Message
		HasMore  bool
	}
	if err := json.Unmarshal([]byte(res.Body), &page); err != nil || len(page.Messages) != 1 || page.Messages[0].Body != "hello" {
		t.Errorf("history = %d %s", res.StatusCode, res.Body)
	}
}

func TestRefusals(t *testing.T) {
	h := setup(t)
	owner := h.session(t, `{}`)
	stranger := h.session(t, `{}`)
	p := chat.Principal{Role: chat.RoleVisitor, ID: owner.VisitorID}
	if err := h.st.SaveConnection(t.Context(), chat.Connection{ID: "c", Principal: p, ConnectedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m, err := h.svc.SendFromConnection(t.Context(), "c", chat.SendInput{ClientID: uuid.NewString(), Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	history := func(id, token string, query map[string]string) events.APIGatewayV2HTTPRequest {
		r := request(t, "GET /widget/conversations/{id}/messages", "")
		r.PathParameters = map[string]string{"id": id}
		r.QueryStringParameters = query
		if token != "" {
			r.Headers["authorization"] = "Bearer " + token
		}
		return r
	}
	badOrigin := request(t, "POST /widget/session", `{}`)
	badOrigin.Headers["origin"] = "https://evil.example.net"
	tests := []struct {
		name       string
		req        events.APIGatewayV2HTTPRequest
		wantStatus int
		wantBody   string
	}{
		{"origin not allowed", badOrigin, 401, `{"error":{"code":"unauthorized","message":"origin not allowed"}}`},
		// A channel that does not exist has no allowed origin either.
		{"unknown channel", request(t, "POST /widget/session", `{"channelId":"other"}`), 401, `{"error":{"code":"unauthorized","message":"origin not allowed"}}`},
		{"session not json", request(t, "POST /widget/session", `channel=main`), 400, `{"error":{"code":"invalid_request","message":"body is not the expected JSON"}}`},
		{"ticket without token", request(t, "POST /widget/ticket", ""), 401, `{"error":{"code":"unauthorized","message":"authentication required"}}`},
		{"history of another visitor", history(m.ConversationID, stranger.VisitorToken, nil), 404, `{"error":{"code":"not_found","message":"conversation not found"}}`},
		{"history of unknown id", history(uuid.NewString(), stranger.VisitorToken, nil), 404, `{"error":{"code":"not_found","message":"conversation not found"}}`},
		{"history malformed id", history("abc", owner.VisitorToken, nil), 400, `{"error":{"code":"invalid_request","message":"conversation id must be a UUID"}}`},
		{"history bad after", history(m.ConversationID, owner.VisitorToken, map[string]string{"after": "x"}), 400, `{"error":{"code":"invalid_request","message":"after must be a non-negative integer"}}`},
		{"history forged token", history(m.ConversationID, "v1.e30.AAAA", nil), 401, `{"error":{"code":"unauthorized","message":"authentication required"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.db.Calls()
			res, err := h.h.Handle(t.Context(), tt.req)
			if err != nil || res.StatusCode != tt.wantStatus || res.Body != tt.wantBody {
				t.Errorf("= %d %s, %v; want %d %s", res.StatusCode, res.Body, err, tt.wantStatus, tt.wantBody)
			}
			calls := h.db.Calls()
			if n := calls["PutItem"] + calls["UpdateItem"] + calls["TransactWriteItems"] + calls["BatchWriteItem"]; n != 0 {
				t.Errorf("refused request wrote: %v", calls)
			}
		})
	}
}

// noSockets closes no socket: these tests open none.
type noSockets struct{}

func (noSockets) DeleteConnection(context.Context, *apigatewaymanagementapi.DeleteConnectionInput, ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error) {
	return &apigatewaymanagementapi.DeleteConnectionOutput{}, nil
}
