// Package sweeper is InactivitySweeperFunction's handler: a scheduled rule
// invokes it every minute, and it fires every inactivity timer that is
// due, then deletes the closed conversations whose channel's retention
// has passed.
package sweeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/privacy"
	"github.com/parleychat/parley/shared/settings"
)

// Channels lists the stored chat channels (their retention).
type Channels interface {
	Channels(ctx context.Context) ([]settings.Channel, error)
}

// Handler sweeps the timer index and the channels' retention.
type Handler struct {
	svc      *chat.Service
	idx      chat.TimerIndex
	rights   *privacy.Service
	channels Channels
}

// New returns a Handler, or an error when a dependency is missing.
func New(svc *chat.Service, idx chat.TimerIndex, rights *privacy.Service, channels Channels) (*Handler, error) {
	if svc == nil || idx == nil || rights == nil || channels == nil {
		return nil, errors.New("sweeper: the sweep needs the chat service, the timer index, the data rights and the channels")
	}
	return &Handler{svc: svc, idx: idx, rights: rights, channels: channels}, nil
}

// retentionReserve is the time a retention pass needs left in the sweep:
// RetentionBatch conversations a channel, a few calls each.
const retentionReserve = 20 * time.Second

// Result is what one sweep did.
type Result struct {
	chat.SweepResult
	Retention privacy.RetentionResult `json:"retention"`
}

// Handle runs one sweep. The scheduled event carries nothing it needs; a
// second delivery of the same event sweeps again and changes nothing that
// the first one changed.
func (h *Handler) Handle(ctx context.Context, ev events.EventBridgeEvent) (Result, error) {
	res, err := h.svc.Sweep(ctx, h.idx)
	slog.InfoContext(ctx, "inactivity sweep", "eventId", ev.ID, "due", res.Due, "warned", res.Warned,
		"closed", res.Closed, "failed", res.Failed, "truncated", res.Truncated)
	out := Result{SweepResult: res}
	if err != nil {
		return out, fmt.Errorf("sweep: %w", err)
	}
	// Retention runs in what is left of the sweep; when the timers took
	// it, the next sweep (a minute later) deletes instead.
	if d, ok := ctx.Deadline(); ok && time.Until(d) < retentionReserve {
		slog.InfoContext(ctx, "retention sweep skipped", "eventId", ev.ID, "why", "the timers took the time")
		return out, nil
	}
	out.Retention, err = h.retain(ctx)
	slog.InfoContext(ctx, "retention sweep", "eventId", ev.ID, "deleted", out.Retention.Deleted, "failed", out.Retention.Failed)
	if err != nil {
		return out, fmt.Errorf("retention: %w", err)
	}
	return out, nil
}

// retain applies every channel's retention.
func (h *Handler) retain(ctx context.Context) (privacy.RetentionResult, error) {
	chs, err := h.channels.Channels(ctx)
	if err != nil {
		return privacy.RetentionResult{}, err
	}
	var policies []privacy.Policy
	for _, ch := range chs {
		if ch.Retention.ClosedDays > 0 {
			policies = append(policies, privacy.Policy{ChannelID: ch.ID, InboxID: ch.InboxID, Days: ch.Retention.ClosedDays})
		}
	}
	return h.rights.Retain(ctx, policies)
}
