package localcloud

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/parleychat/parley/infra/webpublish"
)

// webFile is a built web file with this cloud's URLs written in.
type webFile struct {
	body, gz []byte
	ctype    string
	cache    string
}

// loadWeb reads web/dist (built by make web) once. A missing build is no
// error here: the API works without it, and the pages say what to run.
func (c *Cloud) loadWeb() error {
	dist := filepath.Join(c.cfg.RepoRoot, "web", "dist")
	if _, err := os.Stat(dist); err != nil {
		c.web = nil
		return nil
	}
	files, err := webpublish.Render(os.DirFS(dist), webpublish.Env{
		HTTPAPI: c.endpoints.HTTPAPI,
		// No CDN here: the loader asks the HTTP API, on the same path.
		WidgetConfig: c.endpoints.HTTPAPI,
		WebSocket:    c.endpoints.WebSocket,
		OIDC: webpublish.OIDC{
			Authorize: c.endpoints.OIDCIssuer + "/authorize",
			Token:     c.endpoints.OIDCIssuer + "/token",
			Logout:    c.endpoints.OIDCIssuer + "/logout",
			ClientID:  OIDCClientID,
		},
	})
	if err != nil {
		return fmt.Errorf("web files: %w", err)
	}
	c.web = map[string]*webFile{}
	for name, b := range files {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		c.web[name] = &webFile{body: b, gz: gz.Bytes(), ctype: webpublish.ContentType(name), cache: webpublish.CacheControl(name)}
	}
	return nil
}

// csp is the policy of the two pages, as the CloudFront response headers
// policies of the template set it in AWS.
func (c *Cloud) csp(name string) string {
	// A source with a path matches only that path unless it ends in "/".
	connect := c.endpoints.HTTPAPI + "/ " + c.endpoints.WebSocket
	common := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; base-uri 'none'; "
	if strings.HasPrefix(name, "widget/") {
		// The chat window may be framed only by the sites of the channel.
		return common + "connect-src " + connect + "; form-action 'none'; frame-ancestors " + strings.Join(c.siteOrigins, " ")
	}
	return common + "media-src 'self' data:; connect-src " + connect + " " + c.endpoints.OIDCIssuer + "/; form-action 'self'; frame-ancestors 'none'"
}

// serveWeb serves the widget and the inbox as a CDN would: right content
// types, long caching for hashed files, gzip when the browser takes it.
func (c *Cloud) serveWeb(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "inbox/" || name == "inbox" {
		name = "inbox/index.html"
	}
	if c.web == nil {
		http.Error(w, "The widget and the inbox are not built: run `make web` (or make dev), then restart the local cloud.", http.StatusServiceUnavailable)
		return
	}
	f, ok := c.web[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", f.cache)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if strings.HasSuffix(name, ".html") {
		h.Set("Content-Security-Policy", c.csp(name))
		h.Set("Referrer-Policy", "no-referrer")
	}
	body := f.body
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
