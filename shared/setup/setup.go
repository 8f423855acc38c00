// Package setup wires a function at init, once. Handler is every
// function's one entry point: it sets up logging, reads the configuration
// and the AWS configuration, and hands them (as an Env) to the function's
// wiring, which builds the parts it needs with Env's methods, then the
// handler. Behaviour lives in the packages these parts come from, none
// here: setup only chooses the implementations and their settings.
package setup

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/metrics"
	"github.com/parleychat/parley/shared/publicurl"
	"github.com/parleychat/parley/shared/push"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
)

// Env is what a function's wiring starts from: its configuration and the
// AWS configuration its clients are built from.
type Env struct {
	Config config.Config
	AWS    aws.Config
}

// Handler sets up logging, reads the configuration once and the AWS
// configuration (awsConfig), then calls wire for the function's handler,
// for lambda.Start. Any error stops the init: a function that cannot wire
// must not start, and none runs with a part missing.
func Handler(wire func(ctx context.Context, env Env) (any, error)) any {
	slog.SetDefault(lambdacontext.NewLogger())
	ctx := context.Background()
	h, err := func() (any, error) {
		cfg, err := config.Load()
		if err != nil {
			return nil, err
		}
		metrics.SetDefault(metrics.New(os.Stdout, cfg.MetricsNamespace))
		awsCfg, err := awsConfig()
		if err != nil {
			return nil, err
		}
		return wire(ctx, Env{Config: cfg, AWS: awsCfg})
	}()
	if err != nil {
		slog.Error("init failed", "error", err)
		panic(err)
	}
	return h
}

// awsConfig is the AWS configuration Lambda gives a function in its
// environment: the region and the execution role's credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which is
// what the SDK's default chain finds first there. It is read here rather
// than with config.LoadDefaultConfig, whose other sources (shared files,
// SSO, STS, IMDS) no function uses and which add 1.7 MB to every binary.
func awsConfig() (aws.Config, error) {
	region := cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if region == "" || key == "" || secret == "" {
		return aws.Config{}, errors.New("AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)")
	}
	return aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN"))),
	}, nil
}

// Clock is the function's clock: the system's, or the local cloud's test
// clock (PARLEY_CLOCK_FILE).
func (e Env) Clock() func() time.Time { return clock.New(e.Config.ClockFile) }

// Mail is the email and mail bucket configuration (config.LoadMail).
func (e Env) Mail() (config.Mail, error) { return config.LoadMail() }

// Endpoint is the endpoint configured for the service whose identifier
// is id (AWS_ENDPOINT_URL_<id>, else AWS_ENDPOINT_URL), as the SDK's
// configuration files would take it: nil in AWS, the local cloud's
// emulators locally. Every client's BaseEndpoint comes from it.
func Endpoint(id string) *string {
	if u := cmp.Or(os.Getenv("AWS_ENDPOINT_URL_"+id), os.Getenv("AWS_ENDPOINT_URL")); u != "" {
		return aws.String(u)
	}
	return nil
}

// Store returns the DynamoDB store of the chat table.
func (e Env) Store() *store.Store {
	return store.New(e.dynamoDB(), e.Config.TableName, nil)
}

// dynamoDB is the DynamoDB client.
func (e Env) dynamoDB() *dynamodb.Client {
	return dynamodb.NewFromConfig(e.AWS, func(o *dynamodb.Options) { o.BaseEndpoint = Endpoint("DYNAMODB") })
}

// Limiter counts per source IP and per socket in st, with the configured
// limits (0 turns one off).
func (e Env) Limiter(st *store.Store) *ratelimit.Limiter {
	a := e.Config.Access
	return ratelimit.New(st, ratelimit.Limits{
		PerIP:            chat.RateLimit{Limit: a.PerIP, Window: a.RateWindow},
		ConnectionFrames: chat.RateLimit{Limit: a.ConnectionFrames, Window: a.RateWindow},
		// A visitor's upload slots are bounded like its messages.
		Uploads: chat.RateLimit{Limit: a.VisitorMessages, Window: a.RateWindow},
	}, nil)
}

// Chat returns the chat domain over st, pushing through the @connections
// API, with the chat channels of the stored settings. An agent without a
// profile is a member of the first inbox. It takes no files with
// messages: ChatWithFiles is for the functions that take messages from
// clients.
func (e Env) Chat(st *store.Store, limiter *ratelimit.Limiter, channels *settings.Cache) (*chat.Service, error) {
	return chat.NewService(st, push.New(e.callbacks()), e.chatOptions(limiter, channels))
}

// ChatWithFiles is Chat whose messages may carry files, committed to
// files.
func (e Env) ChatWithFiles(st *store.Store, limiter *ratelimit.Limiter, channels *settings.Cache, files chat.Files) (*chat.Service, error) {
	o := e.chatOptions(limiter, channels)
	o.Files = files
	return chat.NewService(st, push.New(e.callbacks()), o)
}

func (e Env) chatOptions(limiter *ratelimit.Limiter, channels *settings.Cache) chat.Options {
	cfg := e.Config
	return chat.Options{
		ChannelID:       cfg.DefaultChannelID,
		Channels:        channels,
		AgentInboxes:    []string{config.DefaultInboxID},
		Now:             clock.New(cfg.ClockFile),
		VisitorMessages: chat.RateLimit{Limit: cfg.Access.VisitorMessages, Window: cfg.Access.RateWindow},
		SocketFrames:    limiter,
		ProfileURLs:     publicurl.Options{LoopbackHTTP: cfg.LocalCloud},
	}
}

// Channels returns the cache of the stored chat channels; the first inbox
// and channel are seeded from the deployment's parameters on first use.
func (e Env) Channels(st *store.Store) (*settings.Cache, error) {
	cfg := e.Config
	m, err := config.LoadMail()
	if err != nil {
		return nil, err
	}
	minutes := func(d time.Duration) int { return int(math.Round(d.Minutes())) }
	return settings.NewCache(st, settings.Seed{
		ChannelID: cfg.DefaultChannelID, InboxID: config.DefaultInboxID,
		TeamName: cfg.TeamName, Color: cfg.ThemeColor, AllowedOrigins: cfg.AllowedOrigins, Language: cfg.WidgetLanguage,
		Inactivity: settings.Inactivity{
			TimeoutMinutes: minutes(cfg.InactivityTimeout), WarningMinutes: minutes(cfg.InactivityWarning), WarningText: cfg.WarningText,
		},
		SenderAddress: m.SenderAddress, SenderDomain: m.SenderDomain,
		Files: attachment.FileLimits{MaxBytes: cfg.Files.MaxBytes, MaxFiles: cfg.Files.MaxFiles},
	}, clock.New(cfg.ClockFile))
}

// Settings returns the admins' settings and the widget's config over the
// channels' cache and the chat domain (its agents).
func (e Env) Settings(channels *settings.Cache, svc *chat.Service) (*settings.Service, error) {
	return settings.NewService(channels, svc, nil)
}

// callbacks is the @connections client of the WebSocket API.
func (e Env) callbacks() *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.NewFromConfig(e.AWS, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(e.Config.WSCallbackURL)
	})
}
