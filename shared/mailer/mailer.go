// Package mailer sends the email channel's rendered emails with SES v2
// (email.Sender), through the deployment's configuration set so that
// bounces and complaints come back. SES's MessageRejected becomes an
// *email.RejectedError.
//
// It is the one package that imports the SES client, and only the
// functions that send email import it: the client costs a function that
// never sends about 0.6 MB of binary (docs/cost.md).
package mailer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/parleychat/parley/shared/email"
)

// API is the part of the SES v2 client used here, with the SDK's
// signature.
type API interface {
	SendEmail(ctx context.Context, params *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Mailer sends through one configuration set.
type Mailer struct {
	api              API
	configurationSet string
}

var _ email.Sender = (*Mailer)(nil)

// New returns the mailer of configurationSet through an SES v2 client of
// cfg at endpoint (nil: AWS's).
func New(cfg aws.Config, endpoint *string, configurationSet string) (*Mailer, error) {
	return NewWith(sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = endpoint }), configurationSet)
}

// NewWith returns the mailer of configurationSet through api.
func NewWith(api API, configurationSet string) (*Mailer, error) {
	if api == nil || configurationSet == "" {
		return nil, errors.New("mailer: an SES client and a configuration set are required")
	}
	return &Mailer{api: api, configurationSet: configurationSet}, nil
}

// Send implements email.Sender.
func (m *Mailer) Send(ctx context.Context, o email.Outgoing) error {
	in := &sesv2.SendEmailInput{
		FromEmailAddress:     aws.String(o.From),
		Destination:          &types.Destination{ToAddresses: []string{o.To}},
		Content:              &types.EmailContent{Raw: &types.RawMessage{Data: o.Raw}},
		ConfigurationSetName: aws.String(m.configurationSet),
	}
	// In name order, so the same email makes the same request.
	for _, name := range slices.Sorted(maps.Keys(o.Tags)) {
		in.EmailTags = append(in.EmailTags, types.MessageTag{Name: aws.String(name), Value: aws.String(o.Tags[name])})
	}
	_, err := m.api.SendEmail(ctx, in)
	var rejected *types.MessageRejected
	if errors.As(err, &rejected) {
		return &email.RejectedError{Reason: aws.ToString(rejected.Message)}
	}
	if err != nil {
		return fmt.Errorf("ses send: %w", err)
	}
	return nil
}
