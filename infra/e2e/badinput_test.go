package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// startConversation gives a visitor a conversation with one message and
// returns the socket, the conversation id and the message's seq. It takes
// the message's own frame (by its client id): another entry of the new
// conversation, such as routing's assignment, may arrive first and stays
// on the socket for the test.
func startConversation(t *testing.T, v *chatclient.Visitor, body string) (*chatclient.Socket, string, int64) {
	t.Helper()
	s := connect(t, v)
	id, err := chatclient.SendMessage(wait(t), s, "", body)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Next(wait(t), func(f chatclient.Frame) bool { return msgClientID(f) == id })
	if err != nil {
		t.Fatalf("first message: %v", err)
	}
	return s, f.ConversationID, mustMsg(t, f).Seq
}

func TestBadFrames(t *testing.T) {
	v := newVisitor(t)
	s, convID, _ := startConversation(t, v, "hi")
	agent := newAgent(t, "chiara")

	tests := []struct {
		name  string
		frame any
		code  string
	}{
		{"not JSON", "this is not json", "invalid_request"},
		{"truncated JSON", `{"action":"sendMessage","body":`, "invalid_request"},
		{"JSON but not an object", `[1,2,3]`, "invalid_request"},
		{"unknown action", map[string]any{"action": "deleteEverything"}, "unknown_action"},
		{"no action", map[string]any{"body": "hello"}, "unknown_action"},
		{"body not a string", map[string]any{"action": "sendMessage", "clientId": uuid.NewString(), "conversationId": convID, "body": 42}, "invalid_request"},
		{"empty body", map[string]any{"action": "sendMessage", "clientId": uuid.NewString(), "conversationId": convID, "body": "   "}, "invalid_request"},
		{"missing client id", map[string]any{"action": "sendMessage", "conversationId": convID, "body": "x"}, "invalid_request"},
		{"malformed client id", map[string]any{"action": "sendMessage", "clientId": "not-a-uuid", "conversationId": convID, "body": "x"}, "invalid_request"},
		{"malformed conversation id", map[string]any{"action": "sendMessage", "clientId": uuid.NewString(), "conversationId": "../../etc", "body": "x"}, "invalid_request"},
		{"body over 5000 characters", map[string]any{"action": "sendMessage", "clientId": uuid.NewString(), "conversationId": convID, "body": strings.Repeat("é", 5001)}, "too_large"},
		{"resume with negative seq", map[string]any{"action": "resume", "conversationId": convID, "afterSeq": -1}, "invalid_request"},
		{"resume with a malformed subscription", map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0, "subscription": "mine"}, "invalid_request"},
		{"leave without a subscription", map[string]any{"action": "leave", "conversationId": convID}, "invalid_request"},
		{"leave with a malformed conversation id", map[string]any{"action": "leave", "conversationId": "../x", "subscription": uuid.NewString()}, "invalid_request"},
		{"leave by a visitor", map[string]any{"action": "leave", "conversationId": convID, "subscription": uuid.NewString()}, "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Send(wait(t), tc.frame); err != nil {
				t.Fatal(err)
			}
			f, err := s.Next(wait(t), chatclient.IsType("error"))
			if err != nil {
				t.Fatalf("no error frame: %v", err)
			}
			if f.Code != tc.code {
				t.Errorf("error code %q, want %q (%s)", f.Code, tc.code, f.Raw)
			}
			if f.ErrorMessage() == "" {
				t.Errorf("error frame without a message: %s", f.Raw)
			}
		})
	}

	// Nothing was stored by any of them.
	thread, err := agent.Get(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if len(thread.Messages) != 1 || thread.Conversation.LastSeq != 1 {
		t.Errorf("after rejected frames the conversation has %d messages, lastSeq %d; want 1 and 1", len(thread.Messages), thread.Conversation.LastSeq)
	}
}

// A message over API Gateway's 128 KB limit is refused by the gateway.
func TestOversizedFrame(t *testing.T) {
	v := newVisitor(t)
	s := connect(t, v)
	big := `{"action":"sendMessage","clientId":"` + uuid.NewString() + `","body":"` + strings.Repeat("a", 130*1024) + `"}`
	// The gateway closes the connection as soon as it reads the frame
	// header, so the write itself may fail midway: what counts is how the
	// connection closed.
	if err := s.Send(wait(t), big); err != nil {
		t.Logf("write of the oversized frame: %v", err)
	}
	select {
	case <-s.Done():
		if status := websocket.CloseStatus(s.Err()); status != websocket.StatusMessageTooBig {
			t.Errorf("close status %v (%v), want 1009 message too big", status, s.Err())
		}
	case <-wait(t).Done():
		t.Fatal("connection still open after a 130 KB message")
	}
}

func TestTickets(t *testing.T) {
	v := newVisitor(t)
	ws := cloud.Endpoints().WebSocket
	ticket, err := v.Ticket(wait(t))
	if err != nil {
		t.Fatal(err)
	}
	forged := ticket[:len(ticket)-4] + "AAAA"
	if forged == ticket {
		forged = ticket[:len(ticket)-4] + "BBBB"
	}

	refused := func(t *testing.T, ticket string) {
		t.Helper()
		s, err := chatclient.DialTicket(wait(t), ws, ticket, widgetOrigin())
		if err == nil {
			s.Close()
			t.Fatal("connection accepted")
		}
		var apiErr *chatclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
			t.Fatalf("dial error %v, want HTTP 401", err)
		}
	}
	t.Run("missing", func(t *testing.T) { refused(t, "") })
	t.Run("garbage", func(t *testing.T) { refused(t, "not-a-ticket") })
	t.Run("forged signature", func(t *testing.T) { refused(t, forged) })
	t.Run("visitor token instead of ticket", func(t *testing.T) { refused(t, v.Token) })
	t.Run("reused", func(t *testing.T) {
		s, err := chatclient.DialTicket(wait(t), ws, ticket, widgetOrigin())
		if err != nil {
			t.Fatalf("first use refused: %v", err)
		}
		s.Close()
		refused(t, ticket)
	})
}

// A visitor asking for another visitor's conversation gets exactly what an
// unknown id gets.
func TestVisitorIsolation(t *testing.T) {
	owner := newVisitor(t)
	_, convID, _ := startConversation(t, owner, "my private question")
	other := newVisitor(t)
	s := connect(t, other)

	frameFor := func(id string) chatclient.Frame {
		t.Helper()
		if err := s.Send(wait(t), map[string]any{"action": "resume", "conversationId": id, "afterSeq": 0}); err != nil {
			t.Fatal(err)
		}
		f, err := s.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "error" || f.Type == "messages" })
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	foreign, unknown := frameFor(convID), frameFor(uuid.NewString())
	if foreign.Type != "error" || foreign.Code != "not_found" {
		t.Fatalf("resume of another visitor's conversation answered %s", foreign.Raw)
	}
	if foreign.Code != unknown.Code || foreign.ErrorMessage() != unknown.ErrorMessage() {
		t.Errorf("foreign id answered %s, unknown id %s: they must be alike", foreign.Raw, unknown.Raw)
	}

	// Writing into it is refused alike and stores nothing.
	if _, err := chatclient.SendMessage(wait(t), s, convID, "let me in"); err != nil {
		t.Fatal(err)
	}
	f, err := s.Next(wait(t), func(f chatclient.Frame) bool { return f.Type == "error" || f.Type == "message" })
	if err != nil {
		t.Fatal(err)
	}
	if f.Type == "message" && f.ConversationID == convID {
		t.Fatalf("a visitor wrote into another visitor's conversation: %s", f.Raw)
	}

	// The HTTP history route answers alike too.
	errA := other.Call(wait(t), http.MethodGet, "/widget/conversations/"+convID+"/messages", nil, nil)
	errB := other.Call(wait(t), http.MethodGet, "/widget/conversations/"+uuid.NewString()+"/messages", nil, nil)
	var pa, pb *chatclient.APIError
	if !errors.As(errA, &pa) || !errors.As(errB, &pb) {
		t.Fatalf("history of foreign/unknown conversation: %v / %v", errA, errB)
	}
	if pa.Status != http.StatusNotFound || pa.Body != pb.Body {
		t.Errorf("foreign history: %d %s; unknown: %d %s; want identical 404s", pa.Status, pa.Body, pb.Status, pb.Body)
	}

	thread, err := newAgent(t, "alice").Get(wait(t), convID)
	if err != nil {
		t.Fatal(err)
	}
	if len(thread.Messages) != 1 {
		t.Errorf("owner's conversation has %d messages after the intrusion attempts, want 1", len(thread.Messages))
	}
}

func TestAgentAuth(t *testing.T) {
	base := endpoints()
	expired := agentTokenTTL(t, "alice", -time.Minute)
	valid := agentToken(t, "alice")
	tests := []struct {
		name, token string
	}{
		{"no token", ""},
		{"garbage", "not.a.jwt"},
		{"expired", expired},
		{"tampered signature", valid[:len(valid)-6] + "AAAAAA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := chatclient.NewAgent(base, tc.token)
			_, err := a.List(wait(t), "open", "all", "", 0)
			var apiErr *chatclient.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
				t.Fatalf("list with %s: %v, want 401", tc.name, err)
			}
			if _, err := a.Connect(wait(t)); err == nil {
				t.Fatal("agent ticket issued without a valid token")
			}
		})
	}
}

func TestMalformedIDsAndCursors(t *testing.T) {
	a := newAgent(t, "alice")
	for _, tc := range []struct{ name, path string }{
		{"conversation id", "/agent/conversations/not-a-uuid"},
		{"conversation id with dots", "/agent/conversations/..%2f..%2fetc"},
		{"cursor", "/agent/conversations?status=open&view=all&cursor=!!not-base64!!"},
		{"cursor not ours", "/agent/conversations?status=open&view=all&cursor=eyJmb28iOiJiYXIifQ"},
		{"status", "/agent/conversations?status=deleted&view=all"},
		{"view", "/agent/conversations?status=open&view=everyone"},
		{"limit", "/agent/conversations?status=open&view=all&limit=100000"},
		{"limit 0", "/agent/conversations?status=open&view=all&limit=0"},
		{"thread limit 0", "/agent/conversations/" + uuid.NewString() + "?limit=0"},
		{"messages limit 0", "/agent/conversations/" + uuid.NewString() + "/messages?limit=0"},
		{"messages limit 101", "/agent/conversations/" + uuid.NewString() + "/messages?limit=101"},
		{"quarantine limit 0", "/agent/quarantine?limit=0"},
		{"after seq", "/agent/conversations/" + uuid.NewString() + "/messages?after=abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := a.Call(wait(t), http.MethodGet, tc.path, nil, nil)
			var apiErr *chatclient.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code != "invalid_request" {
				t.Fatalf("GET %s: %v, want 400 invalid_request", tc.path, err)
			}
		})
	}
	t.Run("unknown conversation", func(t *testing.T) {
		_, err := a.Get(wait(t), uuid.NewString())
		var apiErr *chatclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
			t.Fatalf("unknown conversation: %v, want 404", err)
		}
	})
}

// TestWidgetHistoryLimit: the visitor's history takes the same limits as
// the agents' routes.
func TestWidgetHistoryLimit(t *testing.T) {
	v := newVisitor(t)
	_, convID, _ := startConversation(t, v, "limits")
	for _, limit := range []string{"0", "101", "-1", "x"} {
		if status, code := widgetCall(t, http.MethodGet, "/widget/conversations/"+convID+"/messages?limit="+limit, widgetOrigin(), v.Token, nil); status != http.StatusBadRequest || code != "invalid_request" {
			t.Errorf("limit=%s: %d %s, want 400 invalid_request", limit, status, code)
		}
	}
}

// TestAgentMessagesAfter: after=0 reads a conversation from its start, as
// on the widget's route; without after or before the agent gets the
// newest page.
func TestAgentMessagesAfter(t *testing.T) {
	v := newVisitor(t)
	s, convID, _ := startConversation(t, v, "message 1")
	for i := 2; i <= 4; i++ {
		if _, err := chatclient.SendMessage(wait(t), s, convID, fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Next(wait(t), func(f chatclient.Frame) bool {
			m, err := f.Msg()
			return err == nil && m.Seq == int64(i)
		}); err != nil {
			t.Fatal(err)
		}
	}
	a := newAgent(t, "alice")
	page := func(query string) []int64 {
		t.Helper()
		var out struct{ Messages []chatclient.Message }
		if err := a.Call(wait(t), http.MethodGet, "/agent/conversations/"+convID+"/messages?"+query, nil, &out); err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, m := range out.Messages {
			seqs = append(seqs, m.Seq)
		}
		return seqs
	}
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"after=0&limit=2", []int64{1, 2}},
		{"after=1&limit=2", []int64{2, 3}},
		{"limit=2", []int64{3, 4}},
		{"before=3&limit=2", []int64{1, 2}},
	} {
		if diff := cmp.Diff(tc.want, page(tc.query)); diff != "" {
			t.Errorf("?%s: seqs (-want +got):\n%s", tc.query, diff)
		}
	}
}

// TestTextNormalisedAtTheEdge: what clients send as message bodies, notes
// and names is stored without NUL and other control characters; the line and
// paragraph separators and NEL become newlines; emoji, joiners and
// right-to-left text with its marks are kept exactly.
func TestTextNormalisedAtTheEdge(t *testing.T) {
	const kept = "👩\u200d👩\u200d👧 🇮🇹 שלום \u200fעולם\u200f مرحبا\tend"
	sent := "a\x00b\u2028c\u0085d\u2029e\x1b[31mf\u009bg\r\nh " + kept
	want := "ab\nc\nd\ne[31mfg\nh " + kept

	v := newVisitor(t)
	s := connect(t, v)
	if _, err := chatclient.SendMessage(wait(t), s, "", sent); err != nil {
		t.Fatal(err)
	}
	f, err := s.Next(wait(t), chatclient.IsType("message"))
	if err != nil {
		t.Fatal(err)
	}
	if got := mustMsg(t, f).Body; got != want {
		t.Errorf("visitor's body stored as %q, want %q", got, want)
	}
	a := newAgent(t, "alice")
	reply, err := a.Reply(wait(t), f.ConversationID, sent)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Body != want {
		t.Errorf("agent's body stored as %q, want %q", reply.Body, want)
	}
	var note noteAnswer
	if err := a.Call(wait(t), http.MethodPost, "/agent/conversations/"+f.ConversationID+"/notes", map[string]string{"clientId": uuid.NewString(), "body": sent}, &note); err != nil {
		t.Fatal(err)
	}
	if note.Message.Body != want {
		t.Errorf("note's body stored as %q, want %q", note.Message.Body, want)
	}
	var contact struct {
		Contact struct{ Name string } `json:"contact"`
	}
	if err := v.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": "edge-" + uuid.NewString()[:8] + "@visitor.test", "name": "Ada\x00\u2028Lovelace\u0085 \u200fעדה\u200f"}, &contact); err != nil {
		t.Fatal(err)
	}
	if contact.Contact.Name != "Ada Lovelace \u200fעדה\u200f" {
		t.Errorf("contact name stored as %q", contact.Contact.Name)
	}
}
