package routing

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Domain events this package consumes (docs/events.md).
const (
	eventSource  = "parley.chat"
	created      = "conversation.created"
	assigned     = "conversation.assigned"
	closed       = "conversation.closed"
	reopened     = "conversation.reopened"
	handedOver   = "conversation.handed_over"
	botActor     = "bot"
	agentStatus  = "agent.status"
	unassignedTo = "unassigned"
	systemActor  = "system"
	available    = "available"
)

// Handler serves RouterFunction, the consumer of the events after which a
// conversation may be assigned.
type Handler struct{ r *Router }

// NewHandler returns the handler.
func NewHandler(r *Router) *Handler { return &Handler{r: r} }

// detail is what routing reads of an event's Detail.
type detail struct {
	ConversationID string    `json:"conversationId"`
	InboxID        string    `json:"inboxId"`
	OccurredAt     time.Time `json:"occurredAt"`
	Actor          struct {
		Type string `json:"type"`
	} `json:"actor"`
	Change string `json:"change"`
	// AgentID and Presence are agent.status's.
	AgentID  string `json:"agentId"`
	Presence string `json:"presence"`
}

// Handle routes the event's inbox. A new, unassigned or reopened
// conversation joins the queue (only while it waits, so a late or repeated
// event queues nothing); a close, a reassignment by an agent or an
// unassignment may have freed a slot; an agent who became available may
// take what waits in its inboxes. Routing's own assignments free nothing
// and are skipped. The same event twice does what it does once: each step
// is conditional on the state it changes. A failure is returned, so the
// event is delivered again.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	var d detail
	if ev.Source != eventSource {
		slog.InfoContext(ctx, "event ignored", "source", ev.Source, "detailType", ev.DetailType)
		return nil
	}
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		// A malformed event will not improve on retry.
		slog.ErrorContext(ctx, "event detail unreadable", "eventId", ev.ID, "detailType", ev.DetailType, "error", err)
		return nil
	}
	var (
		n   int
		err error
	)
	waits := &Waiting{InboxID: d.InboxID, ConversationID: d.ConversationID, Since: d.OccurredAt}
	switch {
	case ev.DetailType == agentStatus && d.Presence == available && d.AgentID != "":
		n, err = h.r.Available(ctx, d.AgentID)
	case d.InboxID == "":
		return nil
	case ev.DetailType == created && d.Actor.Type == botActor:
		// The bot holds it until it hands over (conversation.handed_over).
		return nil
	case ev.DetailType == created, ev.DetailType == reopened, ev.DetailType == handedOver, ev.DetailType == assigned && d.Change == unassignedTo:
		n, err = h.r.Route(ctx, d.InboxID, waits)
	case ev.DetailType == closed, ev.DetailType == assigned && d.Actor.Type != systemActor:
		n, err = h.r.Route(ctx, d.InboxID, nil)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "routed", "detailType", ev.DetailType, "inboxId", d.InboxID, "agentId", d.AgentID, "conversationId", d.ConversationID, "assigned", n)
	return nil
}
