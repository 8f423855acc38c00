package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Domain event names this package consumes (docs/events.md).
const (
	EventSource      = "parley.chat"
	DetailTypeClosed = "conversation.closed"
)

// TranscriptHandler serves TranscriptFunction, the consumer of
// conversation.closed events.
type TranscriptHandler struct{ svc *Service }

// NewTranscriptHandler returns the handler.
func NewTranscriptHandler(s *Service) *TranscriptHandler { return &TranscriptHandler{svc: s} }

// Handle sends the transcript for one closed conversation. Events of other
// types are ignored; a failure is returned so EventBridge retries.
func (h *TranscriptHandler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	if ev.Source != EventSource || ev.DetailType != DetailTypeClosed {
		slog.InfoContext(ctx, "event ignored", "source", ev.Source, "detailType", ev.DetailType)
		return nil
	}
	var c Closed
	if err := json.Unmarshal(ev.Detail, &c); err != nil {
		// A malformed event will not improve on retry.
		slog.ErrorContext(ctx, "conversation.closed detail unreadable", "eventId", ev.ID, "error", err)
		return nil
	}
	return h.svc.OnClosed(ctx, c)
}

// InboundHandler serves InboundMailFunction, the SES receipt rule's
// Lambda action (after its S3 action stored the raw mail).
type InboundHandler struct{ svc *Service }

// NewInboundHandler returns the handler.
func NewInboundHandler(s *Service) *InboundHandler { return &InboundHandler{svc: s} }

// Handle processes every record; internal failures are returned so the
// asynchronous invocation is retried (Receive is idempotent).
func (h *InboundHandler) Handle(ctx context.Context, ev events.SimpleEmailEvent) error {
	var errs []error
	for _, rec := range ev.Records {
		r := rec.SES.Receipt
		_, err := h.svc.Receive(ctx, Received{
			SESMessageID: rec.SES.Mail.MessageID,
			Recipients:   r.Recipients,
			Verdicts: Verdicts{
				SPF: r.SPFVerdict.Status, DKIM: r.DKIMVerdict.Status, DMARC: r.DMARCVerdict.Status,
				Spam: r.SpamVerdict.Status, Virus: r.VirusVerdict.Status,
			},
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("inbound mail %s: %w", rec.SES.Mail.MessageID, err))
		}
	}
	return errors.Join(errs...)
}

// FeedbackHandler serves MailFeedbackFunction: SES bounce and complaint
// events delivered through the configuration set's SNS destination. It
// only marks addresses: it needs the store and a clock, nothing else of
// the email channel.
type FeedbackHandler struct {
	marks Undeliverable
	now   func() time.Time
}

// Undeliverable marks addresses that must not be written to any more
// (the DynamoDB store implements it, as part of Store).
type Undeliverable interface {
	MarkUndeliverable(ctx context.Context, st AddressStatus) error
}

// NewFeedbackHandler returns the handler, marking in marks at now().
func NewFeedbackHandler(marks Undeliverable, now func() time.Time) (*FeedbackHandler, error) {
	if marks == nil || now == nil {
		return nil, errors.New("email: the feedback handler needs the store and a clock")
	}
	return &FeedbackHandler{marks: marks, now: now}, nil
}

// Handle marks the addresses of every bounce and complaint.
func (h *FeedbackHandler) Handle(ctx context.Context, ev events.SNSEvent) error {
	var errs []error
	for _, rec := range ev.Records {
		var f Feedback
		if err := json.Unmarshal([]byte(rec.SNS.Message), &f); err != nil {
			slog.ErrorContext(ctx, "SES event unreadable", "snsMessageId", rec.SNS.MessageID, "error", err)
			continue
		}
		if err := h.onFeedback(ctx, f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
