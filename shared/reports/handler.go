package reports

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// Handler serves ReportsFunction, the consumer of the events the rollups
// count.
type Handler struct{ rec *Recorder }

// NewHandler returns the handler.
func NewHandler(rec *Recorder) *Handler { return &Handler{rec: rec} }

// Handle records the event. A malformed event, or one of a conversation
// too long to count, is logged and dropped (it will not improve on retry);
// any other failure is returned, so the event is delivered again and,
// after the retries, kept in the dead-letter queue.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	e, ok, err := Parse(ev.Source, ev.DetailType, ev.Detail)
	if errors.Is(err, ErrMalformed) {
		slog.ErrorContext(ctx, "event detail unreadable", "eventId", ev.ID, "detailType", ev.DetailType, "error", err)
		return nil
	}
	if !ok {
		return nil
	}
	recorded, err := h.rec.Record(ctx, e)
	if errors.Is(err, ErrTooLong) {
		slog.ErrorContext(ctx, "event not counted", "eventId", ev.ID, "detailType", ev.DetailType, "error", err)
		return nil
	}
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "report event", "detailType", ev.DetailType, "conversationId", e.ConversationID, "seq", e.Entry.Seq, "recorded", recorded)
	return nil
}
