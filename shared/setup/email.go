package setup

import (
	"context"
	"fmt"
	"log/slog"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
	"github.com/parleychat/parley/shared/secret"
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
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load aws config: %w", err)
	}
	key, err := secret.Load(ctx, secretsmanager.NewFromConfig(awsCfg), p.Config.SigningSecretARN)
	if err != nil {
		return nil, err
	}
	tokens, err := mail.NewTokens(key, replyTokenVersion)
	if err != nil {
		return nil, err
	}
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		// A custom endpoint (the local cloud's S3) is addressed path-style;
		// AWS itself keeps virtual-hosted style.
		o.UsePathStyle = o.BaseEndpoint != nil
	})
	return email.New(p.Service, p.Store, sesv2.NewFromConfig(awsCfg), s3c, tokens, cfg,
		email.Options{ChannelID: p.Config.DefaultChannelID, InboxID: "main"}), nil
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
