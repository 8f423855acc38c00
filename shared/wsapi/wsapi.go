// Package wsapi handles the WebSocket API's routes: $connect, $disconnect
// and the message actions.
package wsapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/plaintext"
	"github.com/parleychat/parley/shared/ratelimit"
)

// Connect serves $connect: the ticket is verified and consumed before the
// socket opens.
type Connect struct {
	svc    *chat.Service
	signer *auth.Signer
	// allow, limit and agents: see NewConnect.
	allow  *auth.Allowlist
	limit  *ratelimit.Limiter
	agents *access.Guard
}

// NewConnect returns the $connect handler. It checks the socket's Origin
// against allow (a visitor's against its channel's list, an agent's
// against the inbox's), counts the source IP against limit, and refuses
// agents that agents refuses (disabled, or signed out since the ticket was
// issued); without any of them it is not built.
func NewConnect(svc *chat.Service, signer *auth.Signer, allow *auth.Allowlist, limit *ratelimit.Limiter, agents *access.Guard) (*Connect, error) {
	if svc == nil || signer == nil || allow == nil || limit == nil || agents == nil {
		return nil, errors.New("wsapi: $connect needs the chat service, the signer, an origin allowlist, a rate limiter and an agent access guard")
	}
	return &Connect{svc: svc, signer: signer, allow: allow, limit: limit, agents: agents}, nil
}

// Handle refuses the upgrade with the error's status (401 for any ticket
// problem); nothing can be pushed from inside $connect.
func (h *Connect) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	connID := req.RequestContext.ConnectionID
	// The source IP is counted first, so floods of forged tickets count.
	err := h.limit.IP(ctx, req.RequestContext.Identity.SourceIP)
	var t chat.Ticket
	if err == nil {
		t, err = h.signer.VerifyTicket(req.QueryStringParameters["ticket"])
	}
	if err == nil {
		t, err = h.admit(ctx, t, auth.Header(req.Headers, "Origin"))
	}
	if err == nil {
		t.Device = device(req.Headers)
		err = h.svc.Connect(ctx, connID, t)
	}
	if err == nil && t.Principal.Role == chat.RoleAgent {
		// A sign-out between the first check and the connection's write
		// found no connection to close: checked again once it is stored.
		if err = h.agents.Check(ctx, t.Principal.ID, t.IssuedAt); err != nil {
			if derr := h.svc.Disconnect(ctx, connID); derr != nil {
				slog.ErrorContext(ctx, "forget refused connection", "connectionId", connID, "error", derr)
			}
			// Opened after the sign-out's mark, the refused socket would
			// count as a reload's close: the agent left after it.
			if lerr := h.svc.AgentLeft(ctx, t.Principal.ID); lerr != nil {
				slog.ErrorContext(ctx, "mark refused agent gone", "agentId", t.Principal.ID, "error", lerr)
			}
		}
	}
	if err != nil {
		return refuse(ctx, err), nil
	}
	slog.InfoContext(ctx, "connected", "connectionId", connID, "role", t.Principal.Role)
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// Disconnect serves $disconnect (best effort: TTL covers what it misses).
type Disconnect struct{ svc *chat.Service }

// NewDisconnect returns the $disconnect handler.
func NewDisconnect(svc *chat.Service) *Disconnect { return &Disconnect{svc: svc} }

// Handle forgets the connection.
func (h *Disconnect) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	connID := req.RequestContext.ConnectionID
	if err := h.svc.Disconnect(ctx, connID); err != nil {
		slog.ErrorContext(ctx, "disconnect", "connectionId", connID, "error", err)
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

// Message serves sendMessage, startBot, typing, view, read, resume, leave, ping, page and $default.
// Without route responses API Gateway drops the integration's return
// value, so every answer to the sender is pushed (chat.Service.Answer).
type Message struct {
	svc   *chat.Service
	limit *ratelimit.Limiter
}

// NewMessage returns the message-route handler; every frame but messages
// counts against its socket's limit (messages count against their
// visitor's, in the message write). Without a limiter it is not built.
func NewMessage(svc *chat.Service, limit *ratelimit.Limiter) (*Message, error) {
	if svc == nil || limit == nil {
		return nil, errors.New("wsapi: the message routes need the chat service and a rate limiter")
	}
	return &Message{svc: svc, limit: limit}, nil
}

type frame struct {
	Action         string `json:"action"`
	ClientID       string `json:"clientId"`
	ConversationID string `json:"conversationId"`
	Body           string `json:"body"`
	On             bool   `json:"on"`
	Note           bool   `json:"note"`
	Seq            int64  `json:"seq"`
	AfterSeq       int64  `json:"afterSeq"`
	// Subscription names an agent's resume, which leave ends.
	Subscription string `json:"subscription"`
	// page: where the visitor's chat window is shown.
	URL      string `json:"url"`
	Title    string `json:"title"`
	Referrer string `json:"referrer"`
	Language string `json:"language"`
	// Attachments are the uploads a message carries.
	Attachments []chat.Upload `json:"attachments"`
	// FlowID: the chatflow startBot runs, as the page's targeting chose it.
	FlowID string `json:"flowId"`
}

// Handle decodes the frame, runs its action and answers the sender on
// refusal.
func (h *Message) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	connID := req.RequestContext.ConnectionID
	f, err := decodeFrame(req.Body)
	if err == nil {
		actx, cancel := withAnswerReserve(ctx)
		err = h.run(actx, connID, f)
		cancel()
	}
	if err != nil {
		// The client id is echoed only when it is one: anything else the
		// client sent is not worth reflecting back.
		clientID := f.ClientID
		if !chat.ValidID(clientID) {
			clientID = ""
		}
		ef := apigw.ErrorFrame(ctx, err, clientID)
		if errors.Is(err, errUnknownAction) {
			ef.Code = apigw.CodeUnknownAction
		}
		h.svc.Answer(ctx, connID, ef)
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK}, nil
}

var errUnknownAction = &chat.Error{Kind: chat.ErrInvalid, Message: "unknown action"}

func (h *Message) run(ctx context.Context, connID string, f frame) error {
	// Messages count against their visitor's quota in the message write;
	// every other frame against its socket's.
	if f.Action != "sendMessage" {
		if err := h.limit.Connection(ctx, connID); err != nil {
			return err
		}
	}
	switch f.Action {
	case "sendMessage":
		m, err := h.svc.SendFromConnection(ctx, connID, chat.SendInput{ClientID: f.ClientID, ConversationID: f.ConversationID, Body: plaintext.Body(f.Body), Attachments: f.Attachments})
		if err == nil {
			slog.InfoContext(ctx, "message stored", "connectionId", connID, "conversationId", m.ConversationID, "seq", m.Seq)
		}
		return err
	case "startBot":
		c, entries, err := h.svc.StartBot(ctx, connID, f.ClientID, f.FlowID)
		if err == nil {
			slog.InfoContext(ctx, "bot started", "connectionId", connID, "conversationId", c.ID, "entries", len(entries))
		}
		return err
	case "typing":
		return h.svc.Typing(ctx, connID, f.ConversationID, f.On, f.Note, f.Seq)
	case "view":
		return h.svc.View(ctx, connID, f.ConversationID, f.On)
	case "read":
		return h.svc.ReadFromConnection(ctx, connID, f.ConversationID, f.Seq)
	case "resume":
		return h.svc.Resume(ctx, connID, f.ConversationID, f.AfterSeq, f.Subscription)
	case "leave":
		return h.svc.Leave(ctx, connID, f.ConversationID, f.Subscription)
	case "ping":
		h.svc.Answer(ctx, connID, chat.PongFrame{Type: "pong"})
		return nil
	case "page":
		return h.svc.RecordPage(ctx, connID, chat.PageReport{ConversationID: f.ConversationID, URL: f.URL, Title: f.Title, Referrer: f.Referrer, Language: f.Language})
	}
	return errUnknownAction
}
