// Package localcloud runs the whole system on one machine: it reads
// template.yaml, builds every function, runs the binaries as processes
// speaking the Lambda Runtime API, and serves the HTTP API, the WebSocket API
// with its @connections API, DynamoDB, Secrets Manager, S3, SES, EventBridge,
// an OIDC issuer for agents and the Cognito API of the user pool it stands
// in for, all on one port.
package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/cfnemu"
	"github.com/parleychat/parley/infra/localcloud/cloudfrontemu"
	"github.com/parleychat/parley/infra/localcloud/cognitoidp"
	"github.com/parleychat/parley/infra/localcloud/eventbus"
	"github.com/parleychat/parley/infra/localcloud/httpgw"
	"github.com/parleychat/parley/infra/localcloud/lambdaemu"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/infra/localcloud/sqsemu"
	"github.com/parleychat/parley/infra/localcloud/streams"
	"github.com/parleychat/parley/infra/localcloud/template"
	"github.com/parleychat/parley/infra/localcloud/wsgw"
)

// Config says where the local cloud listens and what it runs.
type Config struct {
	// Addr is the listen address; port 0 picks a free port.
	Addr string
	// RepoRoot is the folder holding template.yaml and go.mod.
	RepoRoot string
	// BuildDir receives the function binaries; default RepoRoot/.localcloud/build.
	BuildDir string
	// Parameters override template parameters after the local defaults.
	Parameters map[string]string
	// IdleTimeout of WebSocket connections; default 10 minutes as in AWS.
	IdleTimeout time.Duration
	// Logger receives the local cloud's own log; FunctionOutput the
	// functions' stdout and stderr.
	Logger         *slog.Logger
	FunctionOutput io.Writer
	// Progress receives one line per step of the start-up; may be nil.
	Progress io.Writer
	// ScheduleTick is how often scheduled rules are checked against the
	// clock; default 1 second (see Advance).
	ScheduleTick time.Duration
	// Agents are more agents the OIDC issuer knows, beside the demo agents
	// (the soak signs in ten).
	Agents []oidc.Agent
	// PagesDir, when set, is a folder whose .html files the demo site also
	// serves, at /pages/<name>.html: more pages of the customer's site, to
	// try an embed snippet on (the browser tests paste the one the settings
	// page copies).
	PagesDir string
}

// Endpoints are the URLs a developer or a test uses, as served by
// GET /_local/endpoints.
type Endpoints struct {
	HTTPAPI      string `json:"httpApi"`
	WebSocket    string `json:"webSocket"`
	Callback     string `json:"callback"`
	Inbox        string `json:"inbox"`
	WidgetLoader string `json:"widgetLoader"`
	// WidgetFrame is the chat window's page, on an origin of its own.
	WidgetFrame  string `json:"widgetFrame"`
	DemoSite     string `json:"demoSite"`
	OIDCIssuer   string `json:"oidcIssuer"`
	OIDCClientID string `json:"oidcClientId"`
	AWS          string `json:"aws"`
	Dashboard    string `json:"dashboard"`
	Mailbox      string `json:"mailbox"`
	SMTP         string `json:"smtp"`
	Events       string `json:"events"`
	EventsPage   string `json:"eventsPage"`
	// UserPoolID names the template's user pool at the Cognito endpoint
	// (AWS), backed by the OIDC issuer's users.
	UserPoolID string `json:"userPoolId,omitempty"`
}

// Stats counts what the system did, for benchmarks and the dashboard.
type Stats struct {
	Invocations map[string]int64            `json:"invocations"`
	AWS         map[string]map[string]int64 `json:"aws"`
	Pushes      int64                       `json:"pushes"`
	GoneAnswers int64                       `json:"goneAnswers"`
	// Streams is what each stream event source mapping delivered.
	Streams map[string]streams.Stats `json:"streams"`
	// DeadLetters is the number of messages each queue holds, by logical
	// id.
	DeadLetters map[string]int `json:"deadLetters"`
	// FunctionCPU is the CPU time each function's processes used, by
	// logical id (FunctionUsage.CPU).
	FunctionCPU map[string]time.Duration `json:"functionCpuNs"`
}

// OIDCClientID is the inbox's client id at the local issuer.
const OIDCClientID = "parley-inbox"

// Cloud is a running local cloud.
type Cloud struct {
	cfg       Config
	log       *slog.Logger
	listener  net.Listener
	server    *http.Server
	base      string
	model     *template.Model
	runtime   *lambdaemu.Runtime
	aws       *awsemu.Server
	issuer    *oidc.Issuer
	cognito   *cognitoidp.Server
	pool      *template.UserPool
	http      *httpgw.Gateway
	ws        *wsgw.Gateway
	mail      *mailParts
	endpoints Endpoints
	events    *eventbus.Bus
	mappings  []*streams.Mapping
	clockFile string
	closeOnce sync.Once
	closeErr  error

	// sqs holds the queues; async is Lambda's event queue (queues.go).
	sqs   *sqsemu.Server
	async *lambdaemu.Async
	// stack sends custom resources their requests; cloudfront takes the
	// invalidations of the distributions (web.go).
	stack      *cfnemu.Runner
	cloudfront *cloudfrontemu.Server
	// web serves the widget and the inbox from the web bucket the
	// WebPublish custom resource writes; siteOrigins may frame the widget.
	web         webFiles
	siteOrigins []string
	// widget serves the chat window on its own origin (widget.go).
	widget *widgetOrigin

	// sesMeter and s3Meter count the functions' requests (usage.go).
	sesMeter, s3Meter requestMeter
	// duplicates: SES events reach their functions twice (faults.go).
	duplicates atomic.Bool
}

// Start builds and starts everything and returns once the system answers.
func Start(ctx context.Context, cfg Config) (_ *Cloud, err error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:3000"
	}
	if cfg.BuildDir == "" {
		cfg.BuildDir = filepath.Join(cfg.RepoRoot, ".localcloud", "build")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.FunctionOutput == nil {
		cfg.FunctionOutput = io.Discard
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	c := &Cloud{cfg: cfg, log: cfg.Logger}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()

	c.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another local cloud running? set -addr)", cfg.Addr, err)
	}
	c.base = "http://" + c.listener.Addr().String()
	_, port, _ := net.SplitHostPort(c.listener.Addr().String())

	// The chat window gets an origin of its own, as in AWS (widget.go).
	if c.widget, err = listenWidget(cfg.Addr); err != nil {
		return nil, err
	}

	params := map[string]string{
		// The demo site embeds the widget (frames the chat window).
		"AllowedOrigins": "http://localhost:" + port,
		"OidcIssuer":     c.base + "/oidc",
		"OidcAudience":   OIDCClientID,
		"TeamName":       "Northwind Coffee",
		"ThemeColor":     "#8a4b2a",
		// The inbox is served here, and its sockets must come from here.
		"InboxCallbackUrls": c.base + "/inbox/",
		// Every local client shares 127.0.0.1, and load tests send faster
		// than people: the counters still run (they cost what they cost in
		// AWS) but the limits are out of a test's reach. infra/e2e's rate
		// limit test starts a cloud of its own with low limits.
		"RateLimitPerIp":            "1000000",
		"RateLimitVisitorMessages":  "1000000",
		"RateLimitConnectionFrames": "1000000",
	}
	for k, v := range cfg.Parameters {
		params[k] = v
	}
	for _, o := range strings.Split(params["AllowedOrigins"], ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.siteOrigins = append(c.siteOrigins, o)
		}
	}
	templatePath := filepath.Join(cfg.RepoRoot, "template.yaml")
	c.progress("reading %s", templatePath)
	c.model, err = template.Load(templatePath, template.Options{Parameters: params})
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	if err := c.widget.deployedOrigin(c.model.Outputs); err != nil {
		return nil, err
	}
	if len(c.model.HTTPAPIs) != 1 || len(c.model.WebSocketAPIs) != 1 {
		return nil, fmt.Errorf("template: the local cloud serves exactly one HTTP API and one WebSocket API, found %d and %d",
			len(c.model.HTTPAPIs), len(c.model.WebSocketAPIs))
	}

	c.aws = awsemu.New(awsemu.Options{Logger: c.log})
	if err := c.aws.CreateTables(ctx, c.model.Tables); err != nil {
		return nil, fmt.Errorf("create tables: %w", err)
	}
	c.aws.AddSecrets(c.model.Secrets)

	pool, err := c.userPool()
	if err != nil {
		return nil, err
	}
	c.pool = pool
	c.issuer, err = oidc.New(c.base+"/oidc", OIDCClientID, append(oidc.DemoAgents(), cfg.Agents...), passwordPolicy(pool))
	if err != nil {
		return nil, fmt.Errorf("start OIDC issuer: %w", err)
	}

	c.runtime = lambdaemu.New(lambdaemu.Options{Logger: c.log, Output: cfg.FunctionOutput})
	if err := c.startClock(); err != nil {
		return nil, err
	}
	if err := c.startS3(); err != nil {
		return nil, err
	}
	c.startQueues()
	c.startCloudFormation()
	if err := c.buildFunctions(ctx); err != nil {
		return nil, err
	}
	c.configureAsync()
	if err := c.startEvents(); err != nil {
		return nil, err
	}

	httpAPI, wsAPI := c.model.HTTPAPIs[0], c.model.WebSocketAPIs[0]
	domain := c.listener.Addr().String()
	inv := invoker{c}
	c.http, err = httpgw.New(httpAPI, inv, httpgw.Options{
		Region: c.model.Region, AccountID: c.model.AccountID, DomainName: domain, Logger: c.log,
	})
	if err != nil {
		return nil, fmt.Errorf("HTTP API: %w", err)
	}
	c.ws, err = wsgw.New(wsAPI, inv, wsgw.Options{
		Region: c.model.Region, AccountID: c.model.AccountID, DomainName: domain,
		IdleTimeout: cfg.IdleTimeout, Logger: c.log,
	})
	if err != nil {
		return nil, fmt.Errorf("WebSocket API: %w", err)
	}

	if err := c.startMail(); err != nil {
		return nil, err
	}

	wsBase := "ws://" + domain + "/ws/" + wsAPI.StageName
	c.endpoints = Endpoints{
		HTTPAPI:      c.base + "/api",
		WebSocket:    wsBase,
		Callback:     c.callbackURL(wsAPI.ID, wsAPI.StageName),
		DemoSite:     "http://localhost:" + port + "/",
		Inbox:        c.base + "/inbox/",
		WidgetLoader: c.base + "/widget/loader.js",
		WidgetFrame:  c.widget.base + "/widget/frame.html",
		OIDCIssuer:   c.base + "/oidc",
		OIDCClientID: OIDCClientID,
		AWS:          c.base,
		Dashboard:    c.base + "/_local/",
		Mailbox:      c.base + "/_local/mailbox",
		SMTP:         c.mail.smtp.Addr(),
		Events:       c.base + "/_local/events.json",
		EventsPage:   c.base + "/_local/events",
	}
	if err := c.startUserPool(pool); err != nil {
		return nil, err
	}

	c.serveWidget()
	c.server = &http.Server{Handler: c.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := c.server.Serve(c.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("local cloud server stopped", "err", err)
		}
	}()
	// The custom resources run last, as in a deploy: their functions
	// call the cloud's APIs and answer on its response URLs.
	if err := c.createCustomResources(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// buildFunctions compiles every function of the template, two at a time (the
// machine this runs on may have two cores), and registers the binaries.
func (c *Cloud) buildFunctions(ctx context.Context) error {
	names := make([]string, 0, len(c.model.Functions))
	for name := range c.model.Functions {
		names = append(names, name)
	}
	sort.Strings(names)
	bins := make([]string, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, name := range names {
		fn := c.model.Functions[name]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			bin, err := lambdaemu.Build(ctx, c.cfg.RepoRoot, fn.Dir, filepath.Join(c.cfg.BuildDir, name))
			if err == nil {
				err = c.shipFiles(name, filepath.Dir(bin))
			}
			if err != nil {
				errs[i] = fmt.Errorf("build %s: %w", name, err)
				return
			}
			c.progress("built %-22s from %s (%s)", name, fn.Dir, time.Since(start).Round(100*time.Millisecond))
			bins[i] = bin
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, name := range names {
		fn := c.model.Functions[name]
		c.runtime.Register(fn.Name, bins[i], c.functionEnv(fn), fn.Timeout, fn.MemoryMB)
	}
	return nil
}

// invoker lets the gateways, which know functions by logical id, invoke
// them by their physical name, as API Gateway invokes a function's ARN.
type invoker struct{ c *Cloud }

func (i invoker) Invoke(ctx context.Context, logicalID string, payload []byte) ([]byte, error) {
	fn, ok := i.c.model.Functions[logicalID]
	if !ok {
		return nil, fmt.Errorf("no function %s in the template", logicalID)
	}
	return i.c.runtime.Invoke(ctx, fn.Name, payload)
}

var executeAPIURL = regexp.MustCompile(`^(https|wss)://([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(/[^/?#]*)?`)

// functionEnv is the template's environment with API Gateway URLs pointed at
// this local cloud and every AWS SDK endpoint at its AWS emulator.
func (c *Cloud) functionEnv(fn *template.Function) map[string]string {
	env := map[string]string{}
	for k, v := range fn.Env {
		env[k] = c.widget.local(c.localURL(v))
	}
	env["AWS_REGION"] = c.model.Region
	env["AWS_DEFAULT_REGION"] = c.model.Region
	env["AWS_ACCESS_KEY_ID"] = localAccessKey
	env["AWS_SECRET_ACCESS_KEY"] = localSecretKey
	env["AWS_EC2_METADATA_DISABLED"] = "true"
	env["AWS_ENDPOINT_URL_DYNAMODB"] = c.base
	env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = c.base
	env["AWS_ENDPOINT_URL_SESV2"] = c.base + sesPath
	env["AWS_ENDPOINT_URL_S3"] = c.mail.s3URL
	if _, ok := env["FILES_BASE_URL"]; ok {
		// Downloads come from the local S3's own origin, as from the files
		// distribution in AWS: a port no page shares, with nosniff.
		env["FILES_BASE_URL"] = c.mail.s3URL
	}
	if _, ok := env["INBOX_URL"]; ok {
		// Mention emails link to the inbox this cloud serves.
		env["INBOX_URL"] = c.base + "/inbox/"
	}
	if _, ok := env["FILE_LINK_URL"]; ok {
		// The file page is the chat window's: served on its origin.
		env["FILE_LINK_URL"] = c.widget.base + "/widget/file.html"
	}
	if _, ok := env["WIDGET_ORIGINS"]; ok {
		// The chat window is served on its own origin, as from the
		// widget distribution (widget.go).
		env["WIDGET_ORIGINS"] = c.widget.base
	}
	env["AWS_ENDPOINT_URL_EVENTBRIDGE"] = c.base
	env["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] = c.base
	env["AWS_ENDPOINT_URL_CLOUDFRONT"] = c.base + cloudFrontPath
	env["AWS_LAMBDA_LOG_GROUP_NAME"] = fn.LogGroup
	if _, ok := env["USER_POOL_ID"]; ok && c.pool != nil {
		// The template leaves the pool out under the local OidcIssuer (its
		// USER_POOL_ID is then empty); the local issuer stands in for it,
		// so the functions get the pool the Cognito endpoint serves.
		env["USER_POOL_ID"] = c.pool.ID
	}
	env["PARLEY_CLOCK_FILE"] = c.clockFile
	env["PARLEY_LOCAL_CLOUD"] = "true"
	return env
}

// localURL rewrites an execute-api URL of the template into this cloud's
// equivalent: the WebSocket API's https callback URL becomes its @connections
// endpoint, wss URLs the WebSocket endpoint.
func (c *Cloud) localURL(v string) string {
	m := executeAPIURL.FindStringSubmatch(v)
	if m == nil {
		return v
	}
	scheme, apiID, stage := m[1], m[2], strings.TrimPrefix(m[3], "/")
	rest := v[len(m[0]):]
	if ws := c.model.WebSocketAPIs; len(ws) > 0 && ws[0].ID == apiID {
		if scheme == "wss" {
			return "ws://" + c.listener.Addr().String() + "/ws/" + stage + rest
		}
		return c.callbackURL(apiID, stage) + rest
	}
	// The HTTP API serves its default stage: the path is the route's.
	return c.base + "/api" + m[3] + rest
}

func (c *Cloud) callbackURL(apiID, stage string) string {
	return c.base + "/_aws/execute-api/" + apiID + "/" + stage
}

func (c *Cloud) routes() http.Handler {
	wsAPI := c.model.WebSocketAPIs[0]
	mux := http.NewServeMux()
	mux.Handle("/api/", http.StripPrefix("/api", c.http))
	mux.Handle("/ws/"+wsAPI.StageName, http.StripPrefix("/ws/"+wsAPI.StageName, c.ws))
	cb := "/_aws/execute-api/" + wsAPI.ID + "/" + wsAPI.StageName
	mux.Handle(cb+"/", http.StripPrefix(cb, c.ws.ConnectionsHandler()))
	mux.Handle("/oidc/", http.StripPrefix("/oidc", c.issuer))
	mux.HandleFunc("GET /_local/endpoints", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, c.endpoints)
	})
	mux.HandleFunc("GET /_local/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, c.Stats())
	})
	c.mailRoutes(mux)
	c.faultRoutes(mux)
	c.viewerRoutes(mux)
	mux.HandleFunc("GET /_local/{$}", c.serveDashboard)
	mux.HandleFunc("GET /_local/events.json", c.serveEventsJSON)
	mux.HandleFunc("GET /_local/events", c.serveEventsPage)
	mux.HandleFunc("GET /{$}", c.serveDemo)
	mux.HandleFunc("GET /hostile", c.serveHostile)
	mux.HandleFunc("GET /demo.css", c.serveDemoCSS)
	mux.HandleFunc("GET /hostile.css", c.serveHostileCSS)
	mux.HandleFunc("GET /pages/{name}", c.servePage)
	mux.HandleFunc("GET /_local/avatars/{name}", serveAvatar)
	// Functions build links to their own routes from the request's domain,
	// as on API Gateway's default stage where routes sit at the root; the
	// local HTTP API lives under /api, so the one such public route (the
	// email confirmation link) is served at the root as well.
	mux.Handle("GET /widget/contact/confirm", c.http)
	mux.Handle("POST /widget/contact/confirm", c.http)
	// The loader stays where sites embed it from; the chat window's files
	// are served on its own origin only (widget.go).
	mux.HandleFunc("GET /widget/loader.js", c.serveWeb)
	mux.HandleFunc("GET /inbox/", c.serveWeb)
	mux.Handle(lambdaemu.InvokePath, lambdaemu.NewInvokeAPI(c.runtime, c.async))
	mux.Handle(cloudFrontPath+"/", http.StripPrefix(cloudFrontPath, c.cloudfront))
	mux.Handle(responsePath+"/", http.StripPrefix(responsePath, c.stack))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case eventbus.IsRequest(r):
			profiled(componentEventBridge, c.events, w, r)
		case cognitoidp.IsRequest(r):
			profiled(componentOther, c.cognito, w, r)
		case sqsemu.IsRequest(r):
			profiled(componentOther, c.sqs, w, r)
		case awsemu.IsAWSRequest(r):
			profiled(componentAWS, c.aws, w, r)
		default:
			profiled(componentOfPath(r.URL.Path, wsAPI.StageName, cb), mux, w, r)
		}
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (c *Cloud) progress(format string, args ...any) {
	fmt.Fprintf(c.cfg.Progress, "localcloud: "+format+"\n", args...)
}

// URL is the base URL the cloud listens on.
func (c *Cloud) URL() string { return c.base }

// Endpoints returns the URLs of everything the cloud serves.
func (c *Cloud) Endpoints() Endpoints { return c.endpoints }

// Model is the parsed template the cloud runs.
func (c *Cloud) Model() *template.Model { return c.model }

// Issuer is the local OIDC issuer, for tests and benchmarks that mint tokens.
func (c *Cloud) Issuer() *oidc.Issuer { return c.issuer }

// AWS is the AWS emulator, for fault injection in tests.
func (c *Cloud) AWS() *awsemu.Server { return c.aws }

// Stats returns what the cloud counted since it started.
func (c *Cloud) Stats() Stats {
	s := Stats{Invocations: map[string]int64{}, AWS: c.aws.Stats().Calls, FunctionCPU: map[string]time.Duration{}}
	byName := c.runtime.Stats()
	for id, fn := range c.model.Functions {
		s.Invocations[id] = int64(byName[fn.Name].Invocations)
		s.FunctionCPU[id] = byName[fn.Name].CPU
	}
	ws := c.ws.Stats()
	s.Pushes, s.GoneAnswers = ws.PushesPosted, ws.GoneAnswers
	c.addEventStats(&s)
	s.DeadLetters = map[string]int{}
	for _, q := range c.model.Queues {
		msgs, _ := c.sqs.Messages(q.URL)
		s.DeadLetters[q.LogicalID] = len(msgs)
	}
	return s
}

// Close stops serving, closes every WebSocket (each gets its $disconnect) and
// stops every function process.
func (c *Cloud) Close() error {
	c.closeOnce.Do(func() {
		var errs []error
		if c.ws != nil {
			c.ws.Close()
		}
		c.stopEvents()
		if c.server != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			errs = append(errs, c.server.Shutdown(ctx))
			cancel()
		} else if c.listener != nil {
			errs = append(errs, c.listener.Close())
		}
		if c.mail != nil {
			errs = append(errs, c.mail.close())
		}
		if c.widget != nil {
			errs = append(errs, c.widget.close())
		}
		if c.async != nil {
			c.async.Close()
		}
		if c.runtime != nil {
			errs = append(errs, c.runtime.Close())
		}
		if c.aws != nil {
			c.aws.Close()
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// RepoRoot finds the folder holding template.yaml, from dir upwards.
func RepoRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "template.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no template.yaml in %s or any parent folder", dir)
		}
	}
}
