package chatclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/contact"
)

// Visitor is a website visitor: a session on one chat channel and sockets.
type Visitor struct {
	client
	ID    string
	Token string
}

// SessionAnswer is the answer of POST /widget/session.
type SessionAnswer struct {
	VisitorID     string         `json:"visitorId"`
	VisitorToken  string         `json:"visitorToken"`
	Conversations []Conversation `json:"conversations"`
}

// NewVisitor starts (or, with a token, resumes) a visitor session from a
// page on origin.
func NewVisitor(ctx context.Context, ep Endpoints, origin, channelID, token string) (*Visitor, *SessionAnswer, error) {
	v := &Visitor{client: client{ep: ep, http: &http.Client{Timeout: 30 * time.Second}, origin: origin, ticketP: "/widget/ticket"}}
	in := map[string]string{"channelId": channelID}
	if token != "" {
		in["visitorToken"] = token
	}
	var s SessionAnswer
	if err := v.Call(ctx, http.MethodPost, "/widget/session", in, &s); err != nil {
		return nil, nil, fmt.Errorf("start visitor session: %w", err)
	}
	v.ID, v.Token, v.bearer = s.VisitorID, s.VisitorToken, s.VisitorToken
	return v, &s, nil
}

// NewVisitorWithToken is a visitor that uses token as it is, without
// asking for a session first (a token kept from before).
func NewVisitorWithToken(ep Endpoints, origin, visitorID, token string) *Visitor {
	return &Visitor{client: client{ep: ep, http: &http.Client{Timeout: 30 * time.Second}, origin: origin, ticketP: "/widget/ticket", bearer: token}, ID: visitorID, Token: token}
}

// Connect opens one tab's WebSocket.
func (v *Visitor) Connect(ctx context.Context) (*Socket, error) { return v.dial(ctx) }

// Ticket asks for a WebSocket ticket.
func (v *Visitor) Ticket(ctx context.Context) (string, error) {
	var t struct {
		Ticket string `json:"ticket"`
	}
	err := v.Call(ctx, http.MethodPost, "/widget/ticket", nil, &t)
	return t.Ticket, err
}

// SendMessage writes a sendMessage frame and returns its client id.
func SendMessage(ctx context.Context, s *Socket, conversationID, body string) (string, error) {
	id := uuid.NewString()
	return id, SendMessageWithID(ctx, s, id, conversationID, body)
}

// SendMessageWithID writes a sendMessage frame with a given client id.
func SendMessageWithID(ctx context.Context, s *Socket, clientID, conversationID, body string) error {
	f := map[string]any{"action": "sendMessage", "clientId": clientID, "body": body}
	if conversationID != "" {
		f["conversationId"] = conversationID
	}
	return s.Send(ctx, f)
}

// Agent is a signed-in agent.
type Agent struct {
	client
}

// NewAgent uses a token from the OIDC issuer.
func NewAgent(ep Endpoints, token string) *Agent {
	return &Agent{client: client{ep: ep, http: &http.Client{Timeout: 30 * time.Second}, origin: ep.InboxOrigin, bearer: token, ticketP: "/agent/ticket"}}
}

// Connect opens the agent's WebSocket for live updates.
func (a *Agent) Connect(ctx context.Context) (*Socket, error) { return a.dial(ctx) }

// ListAnswer is the answer of GET /agent/conversations.
type ListAnswer struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    string         `json:"nextCursor"`
}

// List lists conversations.
func (a *Agent) List(ctx context.Context, status, view, cursor string, limit int) (*ListAnswer, error) {
	q := url.Values{"status": {status}, "view": {view}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out ListAnswer
	return &out, a.Call(ctx, http.MethodGet, "/agent/conversations?"+q.Encode(), nil, &out)
}

// ThreadAnswer is the answer of GET /agent/conversations/{id}.
type ThreadAnswer struct {
	Conversation Conversation `json:"conversation"`
	Messages     []Message    `json:"messages"`
	HasMore      bool         `json:"hasMore"`
}

// Get reads a conversation with its latest messages.
func (a *Agent) Get(ctx context.Context, id string) (*ThreadAnswer, error) {
	var out ThreadAnswer
	return &out, a.Call(ctx, http.MethodGet, "/agent/conversations/"+url.PathEscape(id), nil, &out)
}

// Reply sends a reply with a fresh client id.
func (a *Agent) Reply(ctx context.Context, id, body string) (Message, error) {
	return a.ReplyWithID(ctx, id, uuid.NewString(), body)
}

// ReplyWithID sends a reply with the given client id.
func (a *Agent) ReplyWithID(ctx context.Context, id, clientID, body string) (Message, error) {
	var out struct {
		Message Message `json:"message"`
	}
	err := a.Call(ctx, http.MethodPost, "/agent/conversations/"+url.PathEscape(id)+"/messages",
		map[string]string{"clientId": clientID, "body": body}, &out)
	return out.Message, err
}

// Act posts one of the conversation actions (takeover, assign, unassign,
// close, reopen, read) and returns the conversation after it.
func (a *Agent) Act(ctx context.Context, id, action string, in any) (Conversation, error) {
	var out struct {
		Conversation Conversation `json:"conversation"`
	}
	err := a.Call(ctx, http.MethodPost, "/agent/conversations/"+url.PathEscape(id)+"/"+action, in, &out)
	return out.Conversation, err
}

// Card reads who a conversation's visitor is (GET
// /agent/conversations/{id}/contact).
func (a *Agent) Card(ctx context.Context, id string) (contact.Card, error) {
	var out struct {
		Card contact.Card `json:"card"`
	}
	err := a.Call(ctx, http.MethodGet, "/agent/conversations/"+url.PathEscape(id)+"/contact", nil, &out)
	return out.Card, err
}

// StartBot writes a startBot frame (the widget opened on a page whose
// chatflow is a bot) with the given client id and the flow the page's
// targeting chose ("": none named, the channel's default).
func StartBot(ctx context.Context, s *Socket, clientID, flowID string) error {
	f := map[string]any{"action": "startBot", "clientId": clientID}
	if flowID != "" {
		f["flowId"] = flowID
	}
	return s.Send(ctx, f)
}
