package setup

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
)

// replyTokenVersion signs new reply addresses; older versions still listed
// in NewTokens keep verifying after a key change.
const replyTokenVersion = 'a'

// Email wires the email channel on top of the common parts.
func Email(ctx context.Context, p *Parts) (*email.Service, error) {
	cfg, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	awsCfg := p.AWS
	tokens, err := mail.NewTokens(p.SigningKey, replyTokenVersion)
	if err != nil {
		return nil, err
	}
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		// A custom endpoint (the local cloud's S3) is addressed path-style;
		// AWS itself keeps virtual-hosted style.
		o.UsePathStyle = o.BaseEndpoint != nil
	})
	return email.New(p.Service, p.Store, sesv2.NewFromConfig(awsCfg), s3c, tokens, cfg,
		email.Options{ChannelID: p.Config.DefaultChannelID, Team: p.Config.TeamName, Now: clock.New(p.Config.ClockFile)}), nil
}

// MustEmail is Email for main.
func MustEmail(ctx context.Context, p *Parts) *email.Service {
	e, err := Email(ctx, p)
	if err != nil {
		slog.Error("init email failed", "error", err)
		panic(err)
	}
	return e
}
