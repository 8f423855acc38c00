// Package sweeper is InactivitySweeperFunction's handler: a scheduled rule
// invokes it every minute, and it fires every inactivity timer that is due.
package sweeper

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/chat"
)

// Handler sweeps the timer index.
type Handler struct {
	svc *chat.Service
	idx chat.TimerIndex
}

// New returns a Handler.
func New(svc *chat.Service, idx chat.TimerIndex) *Handler { return &Handler{svc: svc, idx: idx} }

// Handle runs one sweep. The scheduled event carries nothing it needs; a
// second delivery of the same event sweeps again and changes nothing that
// the first one changed.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) (chat.SweepResult, error) {
	res, err := h.svc.Sweep(ctx, h.idx)
	slog.InfoContext(ctx, "inactivity sweep", "eventId", ev.ID, "due", res.Due, "warned", res.Warned,
		"closed", res.Closed, "failed", res.Failed, "truncated", res.Truncated)
	if err != nil {
		return res, fmt.Errorf("sweep: %w", err)
	}
	return res, nil
}
