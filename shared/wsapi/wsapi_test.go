package wsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/push"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
	"github.com/parleychat/parley/shared/wsapi"
)

var ddb *storetest.Server

func TestMain(m *testing.M) {
	ddb = storetest.Start()
	code := m.Run()
	ddb.Close()
	os.Exit(code)
}

// fakeGateway stands in for the @connections API.
type fakeGateway struct {
	mu     sync.Mutex
	frames map[string][]map[string]any
	gone   map[string]bool
	// largest is the size of the largest frame posted.
	largest int
}

func (g *fakeGateway) PostToConnection(_ context.Context, in *apigatewaymanagementapi.PostToConnectionInput, _ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gone[*in.ConnectionId] {
		return nil, &types.GoneException{}
	}
	g.largest = max(g.largest, len(in.Data))
	var f map[string]any
	if err := json.Unmarshal(in.Data, &f); err != nil {
		return nil, err
	}
	g.frames[*in.ConnectionId] = append(g.frames[*in.ConnectionId], f)
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}

func (g *fakeGateway) take() map[string][]map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.frames
	g.frames = map[string][]map[string]any{}
	return out
}

type harness struct {
	db     *storetest.Counting
	store  *store.Store
	gw     *fakeGateway
	signer *auth.Signer
	now    time.Time
	// storeAhead moves the store's clock from the service's, as the local
	// cloud's test clock does (it moves the service's only).
	storeAhead time.Duration
	svc        *chat.Service
	connect    *wsapi.Connect
	message    *wsapi.Message
	discon     *wsapi.Disconnect
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{gw: &fakeGateway{frames: map[string][]map[string]any{}, gone: map[string]bool{}}, now: time.Now()}
	h.db = storetest.NewCounting(ddb.Client())
	h.store = store.New(h.db, ddb.NewTable(t), func() time.Time { return h.now.Add(h.storeAhead) })
	signer, err := auth.NewSigner([]byte("test-secret-test-secret-test-sec"), func() time.Time { return h.now })
	if err != nil {
		t.Fatal(err)
	}
	h.signer = signer
	limiter := ratelimit.New(h.store, ratelimit.Limits{}, nil)
	h.svc = newService(t, h.store, h.gw, limiter, func() time.Time { return h.now })
	h.connect = h.newConnect(t, testOrigins(t), limiter, access.New(h.store, nil, nil, nil))
	if h.message, err = wsapi.NewMessage(h.svc, limiter); err != nil {
		t.Fatal(err)
	}
	h.discon = wsapi.NewDisconnect(h.svc)
	return h
}

// newService is the chat service over st that pushes through gw, as the
// functions wire it, on the clock now (nil: the system's).
func newService(t *testing.T, st *store.Store, gw push.Poster, limiter *ratelimit.Limiter, now func() time.Time) *chat.Service {
	t.Helper()
	svc, err := chat.NewService(st, push.New(gw), chat.Options{ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, SocketFrames: limiter, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// testOrigins allows the fixtures' Origin as the chat window's, on the
// default channel, and as the inbox's.
func testOrigins(t *testing.T) *auth.Allowlist {
	t.Helper()
	o, err := auth.ParseOrigins([]string{"https://www.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	allow, err := auth.NewAllowlist(auth.StaticOrigins{"main": nil}, o, o)
	if err != nil {
		t.Fatal(err)
	}
	return allow
}

func (h *harness) newConnect(t *testing.T, allow *auth.Allowlist, limit *ratelimit.Limiter, agents *access.Guard) *wsapi.Connect {
	t.Helper()
	c, err := wsapi.NewConnect(h.svc, h.signer, allow, limit, agents)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ticket issues a ticket for p as the widget and the inbox get theirs: a
// visitor's for the default channel.
func (h *harness) ticket(p chat.Principal) string {
	if p.Role == chat.RoleVisitor {
		tk, _ := h.signer.ChannelTicket(p, "main")
		return tk
	}
	tk, _ := h.signer.Ticket(p)
	return tk
}

func fixture(t *testing.T, name string) events.APIGatewayWebsocketProxyRequest {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

// open connects connID with a fresh ticket for p.
func (h *harness) open(t *testing.T, connID string, p chat.Principal) {
	t.Helper()
	tok := h.ticket(p)
	req := fixture(t, "connect.json")
	req.RequestContext.ConnectionID = connID
	req.QueryStringParameters["ticket"] = tok
	res, err := h.connect.Handle(t.Context(), req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("connect %s = %d, %v", connID, res.StatusCode, err)
	}
}

func (h *harness) send(t *testing.T, connID string, frame string) {
	t.Helper()
	req := fixture(t, "message.json")
	req.RequestContext.ConnectionID = connID
	req.Body = frame
	var f struct{ Action string }
	if json.Unmarshal([]byte(frame), &f) == nil && f.Action != "" {
		req.RequestContext.RouteKey = f.Action
	} else {
		req.RequestContext.RouteKey = "$default"
	}
	res, err := h.message.Handle(t.Context(), req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("message = %d, %v", res.StatusCode, err)
	}
}

// writes counts calls that could have stored something.
func writes(calls map[string]int) int {
	return calls["PutItem"] + calls["UpdateItem"] + calls["TransactWriteItems"] + calls["BatchWriteItem"]
}

var (
	visitor = chat.Principal{Role: chat.RoleVisitor, ID: "0d9a4f3e-6a55-4a3c-9d8e-2b1f0c7e5a11"}
	agent   = chat.Principal{Role: chat.RoleAgent, ID: "agent-sub-1", Name: "Ann"}
)

func TestConnectRefusesBadTickets(t *testing.T) {
	h := newHarness(t)
	good := h.ticket(visitor)
	other, _ := auth.NewSigner([]byte("another-secret-another-secret-an"), nil)
	forged, _ := other.Ticket(visitor)
	expiredSigner, _ := auth.NewSigner([]byte("test-secret-test-secret-test-sec"), func() time.Time { return time.Now().Add(-2 * time.Minute) })
	expired, _ := expiredSigner.Ticket(visitor)
	visitorToken := h.signer.VisitorToken(visitor.ID, "main")

	// The good ticket works once.
	req := fixture(t, "connect.json")
	req.QueryStringParameters["ticket"] = good
	if res, _ := h.connect.Handle(t.Context(), req); res.StatusCode != http.StatusOK {
		t.Fatalf("first use = %d", res.StatusCode)
	}
	tests := []struct {
		name   string
		ticket *string
	}{
		{"missing", nil},
		{"empty", ptr("")},
		{"forged", &forged},
		{"expired", &expired},
		{"visitor token instead", &visitorToken},
		{"reused", &good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := fixture(t, "connect.json")
			req.RequestContext.ConnectionID = "refused-" + strings.ReplaceAll(tt.name, " ", "-")
			delete(req.QueryStringParameters, "ticket")
			if tt.ticket != nil {
				req.QueryStringParameters["ticket"] = *tt.ticket
			}
			h.db.Calls()
			res, err := h.connect.Handle(t.Context(), req)
			if err != nil || res.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, %v; want 401", res.StatusCode, err)
			}
			calls := h.db.Calls()
			if tt.name != "reused" && writes(calls) != 0 {
				t.Errorf("refused connect wrote: %v", calls)
			}
			if _, err := h.store.Connection(t.Context(), req.RequestContext.ConnectionID); !errors.Is(err, chat.ErrNotFound) {
				t.Errorf("refused connection stored: %v", err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestConversationOverTheSocket(t *testing.T) {
	h := newHarness(t)
	h.open(t, "vis-1", visitor)
	h.open(t, "agent-1", agent)

	h.send(t, "vis-1", `{"action":"sendMessage","clientId":"6b1f6c7e-5d2a-4c1b-9a43-1f0a3c5b7d21","body":"Hello"}`)
	frames := h.gw.take()
	if len(frames["vis-1"]) != 1 || len(frames["agent-1"]) != 1 {
		t.Fatalf("pushes after first message = %v", frames)
	}
	msg := frames["vis-1"][0]["message"].(map[string]any)
	cid := msg["conversationId"].(string)
	if frames["vis-1"][0]["type"] != "message" || msg["seq"] != 1.0 || msg["body"] != "Hello" {
		t.Errorf("visitor frame = %v", frames["vis-1"][0])
	}
	if conv := frames["agent-1"][0]["conversation"].(map[string]any); conv["visitorId"] != visitor.ID {
		t.Errorf("agent frame carries no agent summary: %v", frames["agent-1"][0])
	}

	// The agent opens the conversation: the inbox resumes it and from
	// then on hears every message of it.
	sub := uuid.NewString()
	h.send(t, "agent-1", `{"action":"resume","conversationId":"`+cid+`","afterSeq":1,"subscription":"`+sub+`"}`)
	if frames = h.gw.take(); len(frames["agent-1"]) != 1 || frames["agent-1"][0]["type"] != "messages" {
		t.Fatalf("agent resume answer = %v", frames)
	}

	// A further visitor message reaches the visitor's tab and every agent.
	h.db.Calls()
	h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","conversationId":"`+cid+`","body":"Still there?"}`)
	calls := h.db.Calls()
	if diff := cmp.Diff(map[string]int{"Query": 2, "TransactWriteItems": 1}, calls); diff != "" {
		t.Errorf("DynamoDB calls per visitor message (-want +got):\n%s", diff)
	}
	frames = h.gw.take()
	if len(frames["vis-1"]) != 1 || len(frames["agent-1"]) != 1 || frames["vis-1"][0]["message"].(map[string]any)["seq"] != 2.0 {
		t.Errorf("pushes after second message = %v", frames)
	}

	// The agent reads it (the unread dot flips for every list) and replies
	// over the socket: the reply changes no unread dot, so it reaches the
	// visitor and the open thread without reading the inbox's listeners.
	h.send(t, "agent-1", `{"action":"read","conversationId":"`+cid+`","seq":2}`)
	h.gw.take()
	h.db.Calls()
	h.send(t, "agent-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","conversationId":"`+cid+`","body":"Yes!"}`)
	if diff := cmp.Diff(map[string]int{"Query": 1, "TransactWriteItems": 1}, h.db.Calls()); diff != "" {
		t.Errorf("DynamoDB calls per steady agent reply (-want +got):\n%s", diff)
	}
	frames = h.gw.take()
	if len(frames["vis-1"]) != 1 || len(frames["agent-1"]) != 1 || frames["agent-1"][0]["message"].(map[string]any)["seq"] != 3.0 {
		t.Errorf("pushes after the reply = %v", frames)
	}

	// Typing from the visitor reaches the agent only.
	h.send(t, "vis-1", `{"action":"typing","conversationId":"`+cid+`","on":true}`)
	frames = h.gw.take()
	if len(frames["agent-1"]) != 1 || frames["agent-1"][0]["type"] != "typing" || len(frames["vis-1"]) != 0 {
		t.Errorf("typing pushes = %v", frames)
	}

	// A second tab resumes after seq 2 and gets exactly seq 3.
	h.open(t, "vis-2", visitor)
	h.send(t, "vis-2", `{"action":"resume","conversationId":"`+cid+`","afterSeq":2}`)
	frames = h.gw.take()
	got := frames["vis-2"]
	if len(got) != 1 || got[0]["type"] != "messages" || len(got[0]["messages"].([]any)) != 1 {
		t.Errorf("resume answer = %v", got)
	}

	// The visitor's read marker is stored and reaches the open thread
	// only (the "Seen" under the reply); read again, nobody is pushed.
	h.send(t, "vis-1", `{"action":"read","conversationId":"`+cid+`","seq":3}`)
	frames = h.gw.take()
	if len(frames) != 1 || len(frames["agent-1"]) != 1 || frames["agent-1"][0]["conversation"].(map[string]any)["visitorReadSeq"] != 3.0 {
		t.Errorf("read pushes = %v, want the marker to the open thread", frames)
	}
	h.send(t, "vis-2", `{"action":"read","conversationId":"`+cid+`","seq":3}`)
	if frames = h.gw.take(); len(frames) != 0 {
		t.Errorf("a second tab's read pushes = %v, want none", frames)
	}

	// The agent leaves the thread (opens another, or goes back to the
	// list): the leave is answered with nothing, and the visitor's typing
	// no longer reaches the agent.
	h.send(t, "agent-1", `{"action":"leave","conversationId":"`+cid+`","subscription":"`+sub+`"}`)
	h.send(t, "vis-1", `{"action":"typing","conversationId":"`+cid+`","on":true}`)
	if frames = h.gw.take(); len(frames) != 0 {
		t.Errorf("pushes after the agent left = %v, want none", frames)
	}
	// Opened again, the thread is followed again.
	h.send(t, "agent-1", `{"action":"resume","conversationId":"`+cid+`","afterSeq":3,"subscription":"`+uuid.NewString()+`"}`)
	h.send(t, "vis-1", `{"action":"typing","conversationId":"`+cid+`","on":false}`)
	if frames = h.gw.take(); len(frames["agent-1"]) != 2 || frames["agent-1"][1]["type"] != "typing" {
		t.Errorf("pushes once the thread is open again = %v, want its resume answer and the typing", frames)
	}

	h.send(t, "vis-1", `{"action":"ping"}`)
	if diff := cmp.Diff(map[string][]map[string]any{"vis-1": {{"type": "pong"}}}, h.gw.take()); diff != "" {
		t.Errorf("ping (-want +got):\n%s", diff)
	}

	// vis-2 went away without $disconnect: the next push deletes it, and
	// only it (a minute after it connected: see TestPushRacingConnectKeepsTheConnection).
	h.now = h.now.Add(time.Minute)
	h.gw.gone["vis-2"] = true
	h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","conversationId":"`+cid+`","body":"x"}`)
	if _, err := h.store.Connection(t.Context(), "vis-2"); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("gone connection kept: %v", err)
	}
	if _, err := h.store.Connection(t.Context(), "vis-1"); err != nil {
		t.Errorf("sender's connection deleted: %v", err)
	}

	// $disconnect removes the connection and its subscriptions.
	req := fixture(t, "disconnect.json")
	req.RequestContext.ConnectionID = "vis-1"
	h.db.Calls()
	if res, err := h.discon.Handle(t.Context(), req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("disconnect = %d, %v", res.StatusCode, err)
	}
	// The connection is read once, by its delete, which lists the items to
	// delete and tells who left.
	if calls := h.db.Calls(); calls["GetItem"] != 1 {
		t.Errorf("disconnect made %v; want the connection read once", calls)
	}
	_, ls, err := h.store.ConversationListeners(t.Context(), cid)
	if err != nil || len(ls) != 1 || ls[0].ConnectionID != "agent-1" {
		t.Errorf("listeners after the visitor's disconnect = %v, %v; want the agent's only", ls, err)
	}
	req.RequestContext.ConnectionID = "agent-1"
	if res, err := h.discon.Handle(t.Context(), req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("agent disconnect = %d, %v", res.StatusCode, err)
	}
	if _, ls, err = h.store.ConversationListeners(t.Context(), cid); err != nil || len(ls) != 0 {
		t.Errorf("listeners after every disconnect = %v, %v", ls, err)
	}
}

func TestBadFramesAreRefusedAndStoreNothing(t *testing.T) {
	h := newHarness(t)
	h.open(t, "vis-1", visitor)
	h.open(t, "other", chat.Principal{Role: chat.RoleVisitor, ID: uuid.NewString()})
	h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","body":"mine"}`)
	cid := h.gw.take()["vis-1"][0]["message"].(map[string]any)["conversationId"].(string)
	unknown := uuid.NewString()
	clientID := uuid.NewString()

	tests := []struct {
		name      string
		conn      string
		frame     string
		wantFrame map[string]any
	}{
		{"not json", "vis-1", `hello there`, map[string]any{"type": "error", "code": "invalid_request", "message": "frame is not the expected JSON"}},
		{"truncated json", "vis-1", `{"action":"sendMessage",`, map[string]any{"type": "error", "code": "invalid_request", "message": "frame is not the expected JSON"}},
		{"unknown action", "vis-1", `{"action":"dance"}`, map[string]any{"type": "error", "code": "unknown_action", "message": "unknown action"}},
		{"no action", "vis-1", `{"body":"x"}`, map[string]any{"type": "error", "code": "unknown_action", "message": "unknown action"}},
		{"oversized body", "vis-1", `{"action":"sendMessage","clientId":"` + clientID + `","body":"` + strings.Repeat("a", 5001) + `"}`,
			map[string]any{"type": "error", "code": "too_large", "message": "body is longer than 5000 characters", "clientId": clientID}},
		{"empty body", "vis-1", `{"action":"sendMessage","clientId":"` + clientID + `","body":"   "}`,
			map[string]any{"type": "error", "code": "invalid_request", "message": "body must not be empty", "clientId": clientID}},
		{"malformed client id", "vis-1", `{"action":"sendMessage","clientId":"123","body":"x"}`,
			map[string]any{"type": "error", "code": "invalid_request", "message": "clientId must be a UUID"}},
		{"markup as client id", "vis-1", `{"action":"sendMessage","clientId":"<img src=x onerror=alert(1)>","body":"x"}`,
			map[string]any{"type": "error", "code": "invalid_request", "message": "clientId must be a UUID"}},
		{"malformed conversation id", "vis-1", `{"action":"sendMessage","clientId":"` + clientID + `","conversationId":"CONV#x","body":"x"}`,
			map[string]any{"type": "error", "code": "invalid_request", "message": "conversationId must be a UUID", "clientId": clientID}},
		{"wrong type", "vis-1", `{"action":"read","conversationId":"` + cid + `","seq":"2"}`,
			map[string]any{"type": "error", "code": "invalid_request", "message": "frame is not the expected JSON"}},
		{"another visitor's conversation", "other", `{"action":"sendMessage","clientId":"` + clientID + `","conversationId":"` + cid + `","body":"x"}`,
			map[string]any{"type": "error", "code": "not_found", "message": "conversation not found", "clientId": clientID}},
		{"unknown conversation", "other", `{"action":"sendMessage","clientId":"` + clientID + `","conversationId":"` + unknown + `","body":"x"}`,
			map[string]any{"type": "error", "code": "not_found", "message": "conversation not found", "clientId": clientID}},
		{"resume another visitor's", "other", `{"action":"resume","conversationId":"` + cid + `","afterSeq":0}`,
			map[string]any{"type": "error", "code": "not_found", "message": "conversation not found"}},
		{"resume unknown", "other", `{"action":"resume","conversationId":"` + unknown + `","afterSeq":0}`,
			map[string]any{"type": "error", "code": "not_found", "message": "conversation not found"}},
		{"resume malformed id", "other", `{"action":"resume","conversationId":"nope","afterSeq":0}`,
			map[string]any{"type": "error", "code": "invalid_request", "message": "conversationId must be a UUID"}},
		{"unknown connection", "never-connected", `{"action":"sendMessage","clientId":"` + clientID + `","body":"x"}`,
			map[string]any{"type": "error", "code": "unauthorized", "message": "unknown connection", "clientId": clientID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.db.Calls()
			h.send(t, tt.conn, tt.frame)
			if calls := h.db.Calls(); writes(calls) != 0 {
				t.Errorf("refused frame wrote: %v", calls)
			}
			want := map[string][]map[string]any{tt.conn: {tt.wantFrame}}
			if diff := cmp.Diff(want, h.gw.take()); diff != "" {
				t.Errorf("pushes (-want +got):\n%s", diff)
			}
		})
	}
	msgs, _, err := h.store.Messages(t.Context(), chat.MessageQuery{ConversationID: cid, Limit: 10})
	if err != nil || len(msgs) != 1 {
		t.Errorf("conversation has %d messages, %v; want 1", len(msgs), err)
	}
}

func TestResumeOfLongMessagesFitsTheGatewayFrameLimit(t *testing.T) {
	h := newHarness(t)
	h.open(t, "vis-1", visitor)
	h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","body":"hi"}`)
	cid := h.gw.take()["vis-1"][0]["message"].(map[string]any)["conversationId"].(string)
	// '<' takes 6 bytes of JSON, 'ü' 2: 5,000 characters grow to ~20 KB.
	body, err := json.Marshal(strings.Repeat("<ü", chat.MaxBodyRunes/2))
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","conversationId":"`+cid+`","body":`+string(body)+`}`)
	}
	h.gw.take()
	h.gw.largest = 0

	h.open(t, "vis-2", visitor)
	var seqs []float64
	after := 0.0
	for range 101 {
		h.send(t, "vis-2", fmt.Sprintf(`{"action":"resume","conversationId":"%s","afterSeq":%d}`, cid, int(after)))
		got := h.gw.take()["vis-2"]
		if len(got) != 1 || got[0]["type"] != "messages" {
			t.Fatalf("resume answer = %v", got)
		}
		for _, m := range got[0]["messages"].([]any) {
			after = m.(map[string]any)["seq"].(float64)
			seqs = append(seqs, after)
		}
		if got[0]["hasMore"] != true {
			break
		}
	}
	if h.gw.largest >= 128<<10 {
		t.Errorf("largest frame %d bytes; API Gateway refuses 128 KB", h.gw.largest)
	}
	if len(seqs) != 101 || seqs[0] != 1 || seqs[100] != 101 {
		t.Errorf("resumed %d messages (%v…); want seqs 1 to 101 in order", len(seqs), seqs[:min(3, len(seqs))])
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Fatalf("seq %v follows %v", seqs[i], seqs[i-1])
		}
	}
}

// API Gateway answers PostToConnection with 410 until a connection's
// $connect has returned, and $connect stores the connection first: a
// message fanned out in that moment must not delete the new connection, or
// its socket stays open unknown to the system (no pushes, every frame
// refused). Found by the soak (infra/soak): an agent reconnecting while
// visitors wrote. A connection that is still gone after the grace is
// deleted by the next push.
func TestPushRacingConnectKeepsTheConnection(t *testing.T) {
	message := func(t *testing.T, h *harness, cid string) {
		h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","conversationId":"`+cid+`","body":"again"}`)
	}
	// The visitor's last tab closes: the inbox hears it went offline.
	leaves := func(t *testing.T, h *harness, _ string) {
		req := fixture(t, "disconnect.json")
		req.RequestContext.ConnectionID = "vis-1"
		if res, err := h.discon.Handle(t.Context(), req); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("disconnect = %d, %v", res.StatusCode, err)
		}
	}
	tests := []struct {
		name        string
		push        func(*testing.T, *harness, string)
		age         time.Duration
		storeAhead  time.Duration
		wantDeleted bool
	}{
		{"message while connecting", message, 0, 0, false},
		{"presence while connecting", leaves, 0, 0, false},
		{"message while connecting, the store's clock an hour off", message, 0, time.Hour, false},
		{"message a minute after connecting", message, time.Minute, 0, true},
		{"presence a minute after connecting", leaves, time.Minute, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.storeAhead = tt.storeAhead
			h.open(t, "vis-1", visitor)
			h.send(t, "vis-1", `{"action":"sendMessage","clientId":"`+uuid.NewString()+`","body":"hello"}`)
			// The agent's socket is between its stored connection and
			// the end of $connect: pushes to it answer 410.
			h.open(t, "agent-1", agent)
			h.gw.gone["agent-1"] = true
			h.now = h.now.Add(tt.age)
			cid := h.gw.take()["vis-1"][0]["conversationId"].(string)
			tt.push(t, h, cid)

			_, err := h.store.Connection(t.Context(), "agent-1")
			if deleted := errors.Is(err, chat.ErrNotFound); deleted != tt.wantDeleted {
				t.Errorf("connection deleted = %v (%v), want %v", deleted, err, tt.wantDeleted)
			}
			ids, err := h.store.InboxListeners(t.Context(), "main")
			if err != nil {
				t.Fatal(err)
			}
			if listening := slices.Contains(ids, "agent-1"); listening == tt.wantDeleted {
				t.Errorf("agent-1 among the inbox's listeners = %v, want %v", listening, !tt.wantDeleted)
			}
		})
	}
}
