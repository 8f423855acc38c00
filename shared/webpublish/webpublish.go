// Package webpublish turns the built web files (web/dist) into the files a
// server hands out: the API URLs of one deployment are written into the
// loader and into the pages' <meta name="parley-env">, so the same build
// serves the local cloud and any stack, and no page needs an inline script.
package webpublish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"strings"
)

// OIDC is where the inbox signs agents in.
type OIDC struct {
	Authorize string `json:"authorize"`
	Token     string `json:"token"`
	Logout    string `json:"logout"`
	ClientID  string `json:"clientId"`
}

// Env is what the apps need to know about their deployment.
type Env struct {
	HTTPAPI   string `json:"httpApi"`
	WebSocket string `json:"webSocket"`
	OIDC      OIDC   `json:"oidc"`
	// WidgetConfig is the base URL the loader asks for the widget's config
	// (<base>/widget/config?channelId=…): the config's CDN distribution in
	// AWS (stack output WidgetConfigUrl), the HTTP API locally. Only the
	// loader has it: the chat window's CSP allows the API, not the CDN.
	WidgetConfig string `json:"-"`
	// Widget is the chat window's page (widget/frame.html on its own
	// origin), which the loader frames; the pages need not know it.
	Widget string `json:"-"`
}

// The placeholders web/build.mjs leaves in the built files.
const (
	apiPlaceholder    = "__PARLEY_API__"
	widgetPlaceholder = "__PARLEY_FRAME__"
	envPlaceholder    = "__PARLEY_ENV__"
)

func checkURL(name, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(raw, `"'<>\`+"`") {
		return fmt.Errorf("webpublish: %s %q is not a plain absolute URL", name, raw)
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("webpublish: %s %q must use %s", name, raw, strings.Join(schemes, " or "))
}

// Validate checks every URL before it goes into a script or a page.
func (e Env) Validate() error {
	errs := []error{
		checkURL("HTTP API URL", e.HTTPAPI, "http", "https"),
		checkURL("widget config URL", e.WidgetConfig, "http", "https"),
		checkURL("WebSocket URL", e.WebSocket, "ws", "wss"),
		checkURL("authorize URL", e.OIDC.Authorize, "http", "https"),
		checkURL("token URL", e.OIDC.Token, "http", "https"),
		checkURL("logout URL", e.OIDC.Logout, "http", "https"),
		checkURL("chat window URL", e.Widget, "http", "https"),
	}
	if e.OIDC.ClientID == "" {
		errs = append(errs, errors.New("webpublish: the inbox's OIDC client id is empty"))
	}
	return errors.Join(errs...)
}

// Render returns every file of dist, keyed by slash path, with the
// deployment's URLs written in.
func Render(dist fs.FS, env Env) (map[string][]byte, error) {
	if err := env.Validate(); err != nil {
		return nil, err
	}
	env.HTTPAPI = strings.TrimSuffix(env.HTTPAPI, "/")
	env.WidgetConfig = strings.TrimSuffix(env.WidgetConfig, "/")
	envJSON, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("webpublish: encode env: %w", err)
	}
	attr := []byte(html.EscapeString(string(envJSON)))
	out := map[string][]byte{}
	err = fs.WalkDir(dist, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(dist, p)
		if err != nil {
			return err
		}
		switch {
		case p == "widget/loader.js":
			for _, ph := range []string{apiPlaceholder, widgetPlaceholder} {
				if !bytes.Contains(b, []byte(ph)) {
					return fmt.Errorf("webpublish: %s has no %s placeholder (stale build?)", p, ph)
				}
			}
			b = bytes.ReplaceAll(b, []byte(apiPlaceholder), []byte(env.WidgetConfig))
			b = bytes.ReplaceAll(b, []byte(widgetPlaceholder), []byte(env.Widget))
		case strings.HasSuffix(p, ".html"):
			b = bytes.ReplaceAll(b, []byte(envPlaceholder), attr)
		}
		out[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webpublish: read built files: %w", err)
	}
	for _, need := range []string{"widget/loader.js", "widget/frame.html", "inbox/index.html"} {
		if out[need] == nil {
			return nil, fmt.Errorf("webpublish: %s is missing from the build (run make web)", need)
		}
	}
	return out, nil
}

// CacheControl says how long browsers and CDNs may keep a file: hashed
// assets forever, the loader and the pages briefly, so a deploy shows up
// within minutes without breaking sites that embed the loader's URL.
func CacheControl(p string) string {
	switch {
	case strings.HasSuffix(p, ".html"):
		return "no-cache"
	case p == "widget/loader.js":
		return "public, max-age=300"
	}
	return immutable
}

// immutable is the Cache-Control of content-hashed files.
const immutable = "public, max-age=31536000, immutable"

// ContentType of a built file.
func ContentType(p string) string {
	switch {
	case strings.HasSuffix(p, ".js"):
		return "text/javascript; charset=utf-8"
	case strings.HasSuffix(p, ".css"):
		return "text/css; charset=utf-8"
	case strings.HasSuffix(p, ".html"):
		return "text/html; charset=utf-8"
	case strings.HasSuffix(p, ".svg"):
		return "image/svg+xml"
	case strings.HasSuffix(p, ".json"):
		return "application/json"
	}
	return "application/octet-stream"
}
