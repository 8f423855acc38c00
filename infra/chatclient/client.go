// Package chatclient speaks Parley's public APIs the way the widget and the
// inbox do: HTTP routes plus one WebSocket per tab. The end-to-end tests and
// the benchmark drive the system through it.
package chatclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Frame is a server-to-client WebSocket frame (docs/architecture.md).
// Message is raw because it is an object in "message" frames and a string in
// "error" frames.
type Frame struct {
	Type           string          `json:"type"`
	ConversationID string          `json:"conversationId"`
	Message        json.RawMessage `json:"message"`
	Messages       []Message       `json:"messages"`
	HasMore        bool            `json:"hasMore"`
	Conversation   *Conversation   `json:"conversation"`
	Code           string          `json:"code"`
	ClientID       string          `json:"clientId"`
	Retryable      bool            `json:"retryable"`
	On             bool            `json:"on"`
	Author         *Author         `json:"author"`
	Raw            []byte          `json:"-"`
	// Received is when the frame arrived, for latency measurements.
	Received time.Time `json:"-"`
}

// Msg decodes the message of a "message" frame.
func (f Frame) Msg() (Message, error) {
	var m Message
	if f.Type != "message" {
		return m, fmt.Errorf("frame of type %q has no message", f.Type)
	}
	err := json.Unmarshal(f.Message, &m)
	return m, err
}

// ErrorMessage is the text of an "error" frame.
func (f Frame) ErrorMessage() string {
	var s string
	_ = json.Unmarshal(f.Message, &s)
	return s
}

// Message is a chat message or system event.
type Message struct {
	Seq       int64           `json:"seq"`
	ClientID  string          `json:"clientId"`
	Kind      string          `json:"kind"`
	Body      string          `json:"body"`
	Author    Author          `json:"author"`
	Event     json.RawMessage `json:"event"`
	Channel   string          `json:"channel"`
	CreatedAt time.Time       `json:"createdAt"`
	// Ask is set on a bot's question.
	Ask *Ask `json:"ask"`
}

// Ask is how a bot's question may be answered.
type Ask struct {
	Type     string   `json:"type"`
	Buttons  []string `json:"buttons"`
	FreeText bool     `json:"freeText"`
}

// Author says who wrote a message.
type Author struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatarUrl"`
}

// Conversation is the part of a conversation view the clients look at; the
// agent's summary has more fields, kept in Raw.
type Conversation struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	AssigneeID string `json:"assigneeId"`
	LastSeq    int64  `json:"lastSeq"`
	// AgentReadSeq is how far the agents have read (their view).
	AgentReadSeq int64   `json:"agentReadSeq"`
	Assignee     *Author `json:"assignee"`
	// Bot is the bot's name and picture while it holds the conversation
	// (the visitor's view).
	Bot *Author         `json:"bot"`
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw summary beside the decoded fields.
func (c *Conversation) UnmarshalJSON(b []byte) error {
	type plain Conversation
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	c.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// APIError is a non-2xx answer of the HTTP API.
type APIError struct {
	Status  int
	Code    string
	Message string
	Body    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// Endpoints are the two API base URLs a client needs.
type Endpoints struct {
	HTTPAPI   string // http://127.0.0.1:3000/api
	WebSocket string // ws://127.0.0.1:3000/ws/live
	// InboxOrigin is the origin agents' sockets come from, as a browser
	// running the inbox sends it (http://127.0.0.1:3000).
	InboxOrigin string
}

// Client holds what the visitor and agent clients share.
type client struct {
	ep      Endpoints
	http    *http.Client
	origin  string
	bearer  string
	ticketP string
}

// Call sends an HTTP API request and decodes a 2xx JSON answer into out.
func (c *client) Call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.ep.HTTPAPI+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		apiErr := &APIError{Status: resp.StatusCode, Body: string(b)}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil {
			apiErr.Code, apiErr.Message = e.Error.Code, e.Error.Message
		}
		return apiErr
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode %q: %w", method, path, b, err)
		}
	}
	return nil
}

// Socket is one WebSocket connection and the frames it received that no
// Next has taken yet. Pushes carry no ordering guarantee, so a frame that
// arrives while a caller waits for another is kept for a later wait, as a
// real client keeps it in its state, rather than dropped.
type Socket struct {
	conn  *websocket.Conn
	done  chan struct{}
	tally atomic.Pointer[Tally]

	err error // why the socket closed, set before done is

	mu    sync.Mutex
	held  []heldFrame   // received, not taken, in arrival order
	count int           // frames received so far
	wake  chan struct{} // closed (and replaced) when a frame arrives

	closeMu sync.Mutex
	closed  bool
}

// heldFrame is a received frame with its arrival number, so a waiting Next
// looks at each frame once however the others take frames meanwhile.
type heldFrame struct {
	n int
	f Frame
}

// Tally counts the frames sockets received, by type: what the cost meter
// reports of the pushes, per kind of recipient.
type Tally struct {
	mu sync.Mutex
	n  map[string]int64
}

func (t *Tally) add(typ string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int64{}
	}
	t.n[typ]++
}

// Counts returns a copy of the counts by frame type.
func (t *Tally) Counts() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.n)
}

// CountInto makes the socket count every frame it receives from now on
// into t.
func (s *Socket) CountInto(t *Tally) { s.tally.Store(t) }

// Dial opens a WebSocket with a fresh ticket.
func (c *client) dial(ctx context.Context) (*Socket, error) {
	var t struct {
		Ticket string `json:"ticket"`
	}
	if err := c.Call(ctx, http.MethodPost, c.ticketP, nil, &t); err != nil {
		return nil, fmt.Errorf("get ticket: %w", err)
	}
	return DialTicket(ctx, c.ep.WebSocket, t.Ticket, c.origin)
}

// DialTicket opens a WebSocket with the given ticket (tests use it to try
// forged and reused tickets).
func DialTicket(ctx context.Context, wsURL, ticket, origin string) (*Socket, error) {
	u := wsURL
	if ticket != "" {
		u += "?ticket=" + url.QueryEscape(ticket)
	}
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp != nil {
			return nil, &APIError{Status: resp.StatusCode, Message: err.Error()}
		}
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	s := &Socket{conn: conn, done: make(chan struct{}), wake: make(chan struct{})}
	go s.read()
	return s, nil
}

func (s *Socket) read() {
	for {
		_, b, err := s.conn.Read(context.Background())
		if err != nil {
			s.err = err
			close(s.done)
			return
		}
		f := Frame{Raw: b, Received: time.Now()}
		if err := json.Unmarshal(b, &f); err != nil {
			f.Type = "unparsable"
		}
		if t := s.tally.Load(); t != nil {
			t.add(f.Type)
		}
		s.mu.Lock()
		s.count++
		s.held = append(s.held, heldFrame{n: s.count, f: f})
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
	}
}

// Send writes one frame (any JSON value, or raw bytes for malformed input).
func (s *Socket) Send(ctx context.Context, frame any) error {
	var b []byte
	switch v := frame.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	return s.conn.Write(ctx, websocket.MessageText, b)
}

// Next takes the earliest received frame for which match is true (nil
// matches any), waiting for one to arrive; the frames it passes over stay
// for later calls. Once the socket has closed and no frame received
// matches, it returns why the socket closed.
func (s *Socket) Next(ctx context.Context, match func(Frame) bool) (Frame, error) {
	seen := 0 // arrival number of the last frame this call looked at
	for {
		s.mu.Lock()
		for i, h := range s.held {
			if h.n <= seen {
				continue
			}
			seen = h.n
			if match == nil || match(h.f) {
				s.held = slices.Delete(s.held, i, i+1)
				s.mu.Unlock()
				return h.f, nil
			}
		}
		wake := s.wake
		select {
		case <-s.done:
			s.mu.Unlock()
			return Frame{}, fmt.Errorf("socket closed: %w", s.err)
		default:
		}
		s.mu.Unlock()
		select {
		case <-wake:
		case <-s.done:
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		}
	}
}

// Err is why the socket closed, once it has.
func (s *Socket) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Done is closed when the socket is closed.
func (s *Socket) Done() <-chan struct{} { return s.done }

// Close closes the socket normally.
func (s *Socket) Close() {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	_ = s.conn.Close(websocket.StatusNormalClosure, "bye")
}

// Abort drops the TCP connection without a close handshake, like a phone
// losing its network.
func (s *Socket) Abort() {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	s.closed = true
	_ = s.conn.CloseNow()
}

// IsType matches frames of one type, optionally of one conversation.
func IsType(typ string, conversationID ...string) func(Frame) bool {
	return func(f Frame) bool {
		if f.Type != typ {
			return false
		}
		return len(conversationID) == 0 || f.ConversationID == conversationID[0]
	}
}

// ErrNoConversation is returned by visitor calls that need a conversation
// before the visitor has one.
var ErrNoConversation = errors.New("visitor has no conversation yet")
