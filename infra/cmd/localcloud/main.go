// Command localcloud runs the whole Parley system on this machine: every
// function of template.yaml as a process behind a local HTTP API and
// WebSocket API, with DynamoDB, Secrets Manager and an OIDC issuer for agents.
//
//	go run ./infra/cmd/localcloud [-addr 127.0.0.1:3000]
//
// Ctrl-C or SIGTERM stops it and every function process.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/parleychat/parley/infra/localcloud"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localcloud:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", envOr("PARLEY_ADDR", "127.0.0.1:3000"), "listen address (env PARLEY_ADDR)")
	root := flag.String("root", "", "repository root holding template.yaml (default: found from the working directory)")
	idle := flag.Duration("idle-timeout", 10*time.Minute, "WebSocket idle timeout")
	verbose := flag.Bool("v", false, "log the local cloud's own debug messages")
	pages := flag.String("pages", "", "a folder whose .html files the demo site also serves at /pages/<name>.html (to try an embed snippet)")
	flag.Parse()

	if *root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		if *root, err = localcloud.RepoRoot(wd); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	cloud, err := localcloud.Start(ctx, localcloud.Config{
		Addr:           *addr,
		RepoRoot:       *root,
		IdleTimeout:    *idle,
		Logger:         logger,
		FunctionOutput: os.Stderr,
		Progress:       os.Stdout,
		PagesDir:       *pages,
	})
	if err != nil {
		return err
	}
	defer cloud.Close()

	e := cloud.Endpoints()
	fmt.Printf(`
Parley is running (started in %s). Ctrl-C stops it.

  Demo site       %s
  Agent inbox     %s
  Widget loader   %s
  Chat window     %s   (the widget's frame, on an origin of its own)
  HTTP API        %s
  WebSocket API   %s
  @connections    %s
  OIDC issuer     %s   (demo agents: alice, ben, chiara; password "demo")
  AWS endpoint    %s   (DynamoDB, Secrets Manager, EventBridge, Cognito, SQS, Lambda)
  User pool       %s   (its users are the issuer's; invitations go to the mailbox)
  Dashboard       %s
  Endpoints JSON  %s/_local/endpoints
  Mailbox         %s   (every email sent through SES)
  Inbound SMTP    %s   (mail for the receipt rules' domains)
  Events          %s

`, time.Since(start).Round(100*time.Millisecond), e.DemoSite, orNone(e.Inbox), orNone(e.WidgetLoader), orNone(e.WidgetFrame),
		e.HTTPAPI, e.WebSocket, e.Callback, e.OIDCIssuer, e.AWS, e.UserPoolID, e.Dashboard, cloud.URL(), e.Mailbox, e.SMTP, e.EventsPage)

	<-ctx.Done()
	fmt.Println("\nlocalcloud: stopping every function process")
	return cloud.Close()
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func orNone(s string) string {
	if s == "" {
		return "(not in this version)"
	}
	return s
}
