// Package e2e drives the whole system through the local cloud with real
// HTTP and WebSocket clients: the same function binaries that deploy, the
// template's routes, DynamoDB over the wire.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/oidc"
)

var cloud *localcloud.Cloud

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	wd, _ := os.Getwd()
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var out strings.Builder
	cloud, err = localcloud.Start(ctx, localcloud.Config{
		Addr:           "127.0.0.1:0",
		RepoRoot:       root,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		FunctionOutput: &syncWriter{w: os.Stderr, quiet: !testing.Verbose(), log: &functionOutput},
		Progress:       &out,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local cloud:", err)
		return 1
	}
	defer cloud.Close()
	return m.Run()
}

func endpoints() chatclient.Endpoints {
	e := cloud.Endpoints()
	return chatclient.Endpoints{HTTPAPI: e.HTTPAPI, WebSocket: e.WebSocket, InboxOrigin: cloud.URL()}
}

// siteOrigin is the demo site's origin: it embeds the widget (frames the
// chat window); visitors' tokens and tickets do not work from it.
func siteOrigin() string {
	return strings.TrimSuffix(cloud.Endpoints().DemoSite, "/")
}

// agentToken mints an ID token for a demo agent (alice, ben, chiara).
func agentToken(t *testing.T, name string) string {
	t.Helper()
	return agentTokenTTL(t, name, time.Hour)
}

func agentTokenTTL(t *testing.T, name string, ttl time.Duration) string {
	t.Helper()
	sub, err := oidc.DemoSub(name)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cloud.Issuer().Mint(sub, ttl)
	if err != nil {
		t.Fatalf("mint token for %s: %v", name, err)
	}
	return tok
}

func newAgent(t *testing.T, sub string) *chatclient.Agent {
	return chatclient.NewAgent(endpoints(), agentToken(t, sub))
}

func newVisitor(t *testing.T) *chatclient.Visitor {
	t.Helper()
	v, _, err := chatclient.NewVisitor(t.Context(), endpoints(), widgetOrigin(), "main", "")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func connect(t *testing.T, c interface {
	Connect(context.Context) (*chatclient.Socket, error)
}) *chatclient.Socket {
	t.Helper()
	s, err := c.Connect(t.Context())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// wait gives a test step a deadline well above what the system needs.
func wait(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// syncWriter passes function output through, or keeps it quiet unless the
// test run is verbose; log (if set) keeps all of it for the tests that
// read it.
type syncWriter struct {
	w     *os.File
	quiet bool
	log   *outputLog
}

func (s *syncWriter) Write(p []byte) (int, error) {
	if s.log != nil {
		s.log.write(p)
	}
	if s.quiet {
		return len(p), nil
	}
	return s.w.Write(p)
}

// widgetOrigin is the origin of the chat window, the one origin visitors'
// tokens and tickets work from.
func widgetOrigin() string {
	return cloud.Endpoints().WidgetOrigin()
}

// functionOutput is every line the functions wrote to stdout and stderr,
// each prefixed "[FunctionName] ".
var functionOutput outputLog

type outputLog struct {
	mu sync.Mutex
	b  []byte
}

func (l *outputLog) write(p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
}

// mark is where the output ends now; since returns what came after it.
func (l *outputLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.b)
}

func (l *outputLog) since(mark int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b[mark:])
}
