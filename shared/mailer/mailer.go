// Package mailer sends the email channel's rendered emails with SES v2
// (email.Sender), through the deployment's configuration set so that
// bounces and complaints come back. SES's MessageRejected becomes an
// *email.RejectedError.
//
// It calls SES's SendEmail as a signed request (shared/awscall) rather
// than through the SDK's client, which would cost every function that
// sends email about 0.6 MB of binary (docs/cost.md).
package mailer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/parleychat/parley/shared/awscall"
	"github.com/parleychat/parley/shared/email"
)

// Mailer sends through one configuration set.
type Mailer struct {
	c                *awscall.Client
	configurationSet string
}

var _ email.Sender = (*Mailer)(nil)

// New returns the mailer of configurationSet through SES v2 in cfg's
// region at endpoint (nil: AWS's).
func New(cfg aws.Config, endpoint *string, configurationSet string) (*Mailer, error) {
	if configurationSet == "" {
		return nil, errors.New("mailer: a configuration set is required")
	}
	return &Mailer{c: awscall.New(cfg, "ses", "email", endpoint), configurationSet: configurationSet}, nil
}

// sendEmail is SES v2's SendEmail request, as much of it as Parley sends.
type sendEmail struct {
	ConfigurationSetName string
	Content              struct {
		Raw struct{ Data []byte }
	}
	Destination      struct{ ToAddresses []string }
	EmailTags        []tag `json:",omitempty"`
	FromEmailAddress string
}

type tag struct{ Name, Value string }

// Send implements email.Sender.
func (m *Mailer) Send(ctx context.Context, o email.Outgoing) error {
	in := sendEmail{ConfigurationSetName: m.configurationSet, FromEmailAddress: o.From}
	in.Content.Raw.Data = o.Raw
	in.Destination.ToAddresses = []string{o.To}
	// In name order, so the same email makes the same request.
	for _, name := range slices.Sorted(maps.Keys(o.Tags)) {
		in.EmailTags = append(in.EmailTags, tag{Name: name, Value: o.Tags[name]})
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("ses send: %w", err)
	}
	_, err = m.c.Do(ctx, awscall.Action("ses:SendEmail"), awscall.Request{
		Method: http.MethodPost, URL: m.c.Endpoint + "/v2/email/outbound-emails", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}},
	})
	var refused *awscall.Error
	if errors.As(err, &refused) && refused.Code == "MessageRejected" {
		return &email.RejectedError{Reason: refused.Message}
	}
	if err != nil {
		return fmt.Errorf("ses send: %w", err)
	}
	return nil
}
