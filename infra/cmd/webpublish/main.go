// Command webpublish writes the built widget and inbox (web/dist) with one
// deployment's URLs into a folder ready to upload, and prints the
// Cache-Control each file should be uploaded with. make deploy runs it
// with the stack's outputs.
//
//	go run ./infra/cmd/webpublish -out .aws-sam/web -http-api https://… -widget-config https://… -ws wss://… \
//	    -authorize https://…/oauth2/authorize -token https://…/oauth2/token -logout https://…/logout -client-id …
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/parleychat/parley/infra/webpublish"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "webpublish:", err)
		os.Exit(1)
	}
}

func run() error {
	dist := flag.String("dist", "web/dist", "built web files")
	out := flag.String("out", ".aws-sam/web", "folder to write")
	var env webpublish.Env
	flag.StringVar(&env.HTTPAPI, "http-api", "", "HTTP API base URL (stack output HttpApiUrl)")
	flag.StringVar(&env.WidgetConfig, "widget-config", "", "base URL of the widget's cached config (stack output WidgetConfigUrl)")
	flag.StringVar(&env.WebSocket, "ws", "", "WebSocket URL (stack output WebSocketUrl)")
	flag.StringVar(&env.OIDC.Authorize, "authorize", "", "OIDC authorization endpoint")
	flag.StringVar(&env.OIDC.Token, "token", "", "OIDC token endpoint")
	flag.StringVar(&env.OIDC.Logout, "logout", "", "OIDC logout endpoint")
	flag.StringVar(&env.OIDC.ClientID, "client-id", "", "the inbox's OIDC client id (stack output AgentClientId)")
	flag.Parse()

	files, err := webpublish.Render(os.DirFS(*dist), env)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name, b := range files {
		p := filepath.Join(*out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("%s\t%s\t%s\n", n, webpublish.ContentType(n), webpublish.CacheControl(n))
	}
	return nil
}
