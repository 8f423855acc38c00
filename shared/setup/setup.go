// Package setup holds what functions need at init, once: config, AWS
// clients, the signer, the @connections client. Each functions/<name>/main.go
// chooses the implementations it needs from these helpers and starts Lambda.
package setup

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/push"
	"github.com/parleychat/parley/shared/secret"
	"github.com/parleychat/parley/shared/store"
)

// Env is what every function starts from: its configuration and the AWS
// configuration its clients are built from.
type Env struct {
	Config config.Config
	AWS    aws.Config
}

// Init sets up logging and reads the configuration once.
// LoadDefaultConfig honours AWS_ENDPOINT_URL_* so the local cloud can
// point the clients at itself.
func Init(ctx context.Context) (Env, error) {
	slog.SetDefault(lambdacontext.NewLogger())
	cfg, err := config.Load()
	if err != nil {
		return Env{}, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return Env{}, fmt.Errorf("load aws config: %w", err)
	}
	return Env{Config: cfg, AWS: awsCfg}, nil
}

// Store returns the DynamoDB store of the chat table.
func (e Env) Store() *store.Store {
	return store.New(dynamodb.NewFromConfig(e.AWS), e.Config.TableName, nil)
}

// Pusher returns the notifier that pushes over the @connections API; gone
// connections are removed from st.
func (e Env) Pusher(st push.Remover) *push.Pusher {
	callbacks := apigatewaymanagementapi.NewFromConfig(e.AWS, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(e.Config.WSCallbackURL)
	})
	return push.New(callbacks, st)
}

// Signer loads the signing secret and returns the signer of visitor tokens
// and tickets. Only functions that sign or verify call it (and may read
// the secret).
func (e Env) Signer(ctx context.Context) (*auth.Signer, error) {
	key, err := secret.Load(ctx, secretsmanager.NewFromConfig(e.AWS), e.Config.SigningSecretARN)
	if err != nil {
		return nil, err
	}
	return auth.NewSigner(key, nil)
}

// Options are the domain service's options from the configuration.
func (e Env) Options() chat.Options {
	cfg := e.Config
	return chat.Options{
		ChannelID: cfg.DefaultChannelID, Now: clock.New(cfg.ClockFile),
		Channels:     chat.ChannelInboxes{cfg.DefaultChannelID: config.DefaultInboxID},
		AgentInboxes: []string{config.DefaultInboxID},
		Inactivity: map[string]chat.Inactivity{cfg.DefaultChannelID: {
			Timeout: cfg.InactivityTimeout, Warning: cfg.InactivityWarning,
			Language: cfg.WidgetLanguage, WarningText: cfg.WarningText,
		}},
		VisitorMessages: chat.RateLimit{Limit: cfg.Access.VisitorMessages, Window: cfg.Access.RateWindow},
	}
}

// Parts are the wired dependencies of a function that needs all of them.
type Parts struct {
	Config config.Config
	AWS    aws.Config
	// SigningKey is the secret the signer and the email reply tokens derive
	// their keys from.
	SigningKey []byte
	Store      *store.Store
	Signer     *auth.Signer
	Pusher     *push.Pusher
	Service    *chat.Service
	Origins    auth.Origins
}

// Load wires every part, the signer included.
func Load(ctx context.Context) (*Parts, error) {
	env, err := Init(ctx)
	if err != nil {
		return nil, err
	}
	key, err := secret.Load(ctx, secretsmanager.NewFromConfig(env.AWS), env.Config.SigningSecretARN)
	if err != nil {
		return nil, err
	}
	signer, err := auth.NewSigner(key, nil)
	if err != nil {
		return nil, err
	}
	origins, err := auth.ParseOrigins(env.Config.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	st := env.Store()
	svc, pusher := env.Service(st)
	return &Parts{Config: env.Config, AWS: env.AWS, SigningKey: key, Store: st, Signer: signer, Pusher: pusher, Service: svc, Origins: origins}, nil
}

// Must is Load for main: a function that cannot wire must not start.
func Must(ctx context.Context) *Parts {
	return Check(Load(ctx))
}

// Check returns v, or stops the function's init when err is set: a
// function that cannot wire must not start.
func Check[T any](v T, err error) T {
	if err != nil {
		slog.Error("init failed", "error", err)
		panic(err)
	}
	return v
}
