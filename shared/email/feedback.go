package email

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/mail"
)

// Feedback is an SES event publishing record (bounce or complaint) as the
// configuration set's event destination delivers it.
type Feedback struct {
	EventType string `json:"eventType"`
	Mail      struct {
		MessageID   string    `json:"messageId"`
		Timestamp   time.Time `json:"timestamp"`
		Destination []string  `json:"destination"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
		Timestamp time.Time `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string    `json:"complaintFeedbackType"`
		Timestamp             time.Time `json:"timestamp"`
	} `json:"complaint"`
}

// onFeedback marks the addresses of a permanent bounce or a complaint
// undeliverable; transient bounces change nothing (SES retried already and
// the next email may well arrive). Marking twice is harmless.
func (h *FeedbackHandler) onFeedback(ctx context.Context, f Feedback) error {
	now := h.now().UTC()
	var marks []AddressStatus
	switch strings.ToLower(f.EventType) {
	case "bounce":
		if f.Bounce == nil || f.Bounce.BounceType != "Permanent" {
			slog.InfoContext(ctx, "transient bounce ignored", "sesMessageId", f.Mail.MessageID)
			return nil
		}
		for _, r := range f.Bounce.BouncedRecipients {
			reason := "the address bounced (" + f.Bounce.BounceSubType + ")"
			if r.DiagnosticCode != "" {
				reason += ": " + r.DiagnosticCode
			}
			marks = append(marks, AddressStatus{Address: r.EmailAddress, Kind: "bounce", Reason: reason, At: now})
		}
	case "complaint":
		if f.Complaint == nil {
			return nil
		}
		for _, r := range f.Complaint.ComplainedRecipients {
			marks = append(marks, AddressStatus{Address: r.EmailAddress, Kind: "complaint", Reason: "the recipient marked our email as spam", At: now})
		}
	default:
		return nil
	}
	for _, m := range marks {
		addr, err := mail.ParseAddress(m.Address)
		if err != nil {
			slog.WarnContext(ctx, "feedback for a malformed address ignored", "sesMessageId", f.Mail.MessageID)
			continue
		}
		m.Address = addr
		if err := h.marks.MarkUndeliverable(ctx, m); err != nil {
			return fmt.Errorf("mark undeliverable: %w", err)
		}
		slog.InfoContext(ctx, "address marked undeliverable", "kind", m.Kind, "sesMessageId", f.Mail.MessageID)
	}
	return nil
}
