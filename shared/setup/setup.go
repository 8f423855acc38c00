// Package setup builds what every function needs at init, once: config,
// AWS clients, the store, the signer, the notifier and the domain service.
// Each functions/<name>/main.go picks the handler and starts Lambda.
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

// Parts are the wired dependencies of a function.
type Parts struct {
	Config  config.Config
	Store   *store.Store
	Signer  *auth.Signer
	Pusher  *push.Pusher
	Service *chat.Service
	Origins auth.Origins
	// AWS is the SDK configuration, for the clients only some functions
	// need (EventBridge).
	AWS aws.Config
}

// Load wires everything. LoadDefaultConfig honours AWS_ENDPOINT_URL_* so
// the local cloud can point the clients at itself.
func Load(ctx context.Context) (*Parts, error) {
	slog.SetDefault(lambdacontext.NewLogger())
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load aws config: %w", err)
	}
	key, err := secret.Load(ctx, secretsmanager.NewFromConfig(awsCfg), cfg.SigningSecretARN)
	if err != nil {
		return nil, err
	}
	signer, err := auth.NewSigner(key, nil)
	if err != nil {
		return nil, err
	}
	origins, err := auth.ParseOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName, nil)
	callbacks := apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(cfg.WSCallbackURL)
	})
	pusher := push.New(callbacks, st)
	svc := chat.NewService(st, pusher, chat.Options{
		ChannelID: cfg.DefaultChannelID, InboxID: "main", Now: clock.New(cfg.ClockFile),
		Inactivity: map[string]chat.Inactivity{cfg.DefaultChannelID: {
			Timeout: cfg.InactivityTimeout, Warning: cfg.InactivityWarning,
			Language: cfg.WidgetLanguage, WarningText: cfg.WarningText,
		}},
	})
	return &Parts{Config: cfg, Store: st, Signer: signer, Pusher: pusher, Service: svc, Origins: origins, AWS: awsCfg}, nil
}

// Must is Load for main: a function that cannot wire must not start.
func Must(ctx context.Context) *Parts {
	p, err := Load(ctx)
	if err != nil {
		slog.Error("init failed", "error", err)
		panic(err)
	}
	return p
}
