package localcloud

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/parleychat/parley/infra/localcloud/cfnemu"
	"github.com/parleychat/parley/infra/localcloud/cloudfrontemu"
	"github.com/parleychat/parley/infra/localcloud/template"
	"github.com/parleychat/parley/shared/webpublish"
)

// Where the CloudFront API and the custom resources' response URLs live
// under the cloud's URL.
const (
	cloudFrontPath = "/_aws/cloudfront"
	responsePath   = "/_local/cloudformation/responses"
)

// webPublishType is the custom resource that publishes the widget and the
// inbox; its function ships the built web files next to its bootstrap.
const webPublishType = "Custom::WebPublish"

// webFiles serves the web bucket's widget and inbox.
type webFiles struct {
	bucket string // set once WebPublish has published
	built  bool   // web/dist exists
	mu     sync.Mutex
	gz     map[string]gzipped // by key
}

type gzipped struct {
	etag string
	body []byte
}

// startCloudFormation prepares the custom resource requests (sent by
// createCustomResources once the cloud serves) and the CloudFront API the
// web publisher invalidates through.
func (c *Cloud) startCloudFormation() {
	c.stack = cfnemu.New(c.model.StackID, c.base+responsePath, func(logicalID string, payload []byte) {
		c.async.Start(c.model.Functions[logicalID].Name, payload)
	})
	var ids []string
	for _, d := range c.model.Distributions {
		ids = append(ids, d.ID)
	}
	c.cloudfront = cloudfrontemu.New(ids, c.Now)
	_, err := os.Stat(filepath.Join(c.cfg.RepoRoot, "web", "dist"))
	c.web.built = err == nil
}

// shipFiles puts next to a function's bootstrap what the Makefile's
// build-<Function> target puts there for sam build: the built web files
// for the web publisher.
func (c *Cloud) shipFiles(logicalID, dir string) error {
	for _, res := range c.model.CustomResources {
		if res.Type != webPublishType || res.Function != logicalID {
			continue
		}
		dst := filepath.Join(dir, webpublish.ArtifactDir)
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		if !c.web.built {
			return nil
		}
		return os.CopyFS(dst, os.DirFS(filepath.Join(c.cfg.RepoRoot, "web", "dist")))
	}
	return nil
}

// createCustomResources sends every custom resource its Create request,
// as a deploy does, and fails the start when one fails. Without web/dist
// (make web) the widget and the inbox are not published, and their pages
// say what to run.
func (c *Cloud) createCustomResources(ctx context.Context) error {
	for _, res := range c.model.CustomResources {
		if res.Type == webPublishType && !c.web.built {
			c.progress("web/dist is not built: the widget and the inbox are not published (run make web)")
			continue
		}
		out, err := c.stack.Run(ctx, res, cfn.RequestCreate, c.localProperties(res))
		if err != nil {
			return err
		}
		if res.Type == webPublishType {
			c.web.bucket, _ = res.Properties["Bucket"].(string)
			c.progress("published the widget and the inbox to bucket %s (custom resource %s, %v files)", c.web.bucket, res.LogicalID, out.Data["Files"])
		}
	}
	return nil
}

// localProperties are a custom resource's properties with the template's
// API URLs and chat window origin pointed at this cloud, as the functions'
// environment is. A distribution in front of the HTTP API (the widget's
// config cache) is the HTTP API here: there is no CDN, and the paths are
// the same.
func (c *Cloud) localProperties(res *template.CustomResource) map[string]any {
	out := make(map[string]any, len(res.Properties))
	for k, v := range res.Properties {
		if s, ok := v.(string); ok {
			v = c.widget.local(c.localURL(s))
			for _, d := range c.model.Distributions {
				if d.APIOrigin && (s == "https://"+d.DomainName || strings.HasPrefix(s, "https://"+d.DomainName+"/")) {
					v = c.endpoints.HTTPAPI + strings.TrimPrefix(s, "https://"+d.DomainName)
				}
			}
		}
		out[k] = v
	}
	return out
}

// CustomResource sends a custom resource (by logical id) a request, as a
// stack update (the template's properties again) or a stack deletion
// would, and returns the answer.
func (c *Cloud) CustomResource(ctx context.Context, logicalID string, typ cfn.RequestType) (cfn.Response, error) {
	for _, res := range c.model.CustomResources {
		if res.LogicalID == logicalID {
			return c.stack.Run(ctx, res, typ, c.localProperties(res))
		}
	}
	return cfn.Response{}, fmt.Errorf("no custom resource %s in the template", logicalID)
}

// Invalidations returns what was invalidated on a distribution (by
// logical id), oldest first.
func (c *Cloud) Invalidations(logicalID string) []cloudfrontemu.Invalidation {
	for _, d := range c.model.Distributions {
		if d.LogicalID == logicalID {
			return c.cloudfront.Invalidations(d.ID)
		}
	}
	return nil
}

// csp is the policy of the two pages, as the CloudFront response headers
// policies of the template set it in AWS. The chat window's page is
// served on its own origin (widget.go): its 'self' is that origin.
func (c *Cloud) csp(name string) string {
	// A source with a path matches only that path unless it ends in "/".
	// Files are uploaded to the local S3's own origin, as to the bucket's
	// in AWS.
	connect := c.endpoints.HTTPAPI + "/ " + c.endpoints.WebSocket + " " + c.mail.s3URL
	common := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; base-uri 'none'; "
	if strings.HasPrefix(name, "widget/") {
		// The chat window may be framed only by the sites of the channel.
		return common + "connect-src " + connect + "; form-action 'none'; frame-ancestors " + strings.Join(c.siteOrigins, " ")
	}
	return common + "media-src 'self' data:; connect-src " + connect + " " + c.endpoints.OIDCIssuer + "/; form-action 'self'; frame-ancestors 'none'"
}

// serveWeb serves the widget and the inbox from the web bucket as the
// distribution does: the content types and cache headers the publisher
// stored, gzip when the browser takes it, each page's CSP.
func (c *Cloud) serveWeb(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "inbox/" || name == "inbox" {
		name = "inbox/index.html"
	}
	if c.web.bucket == "" {
		http.Error(w, "The widget and the inbox are not built: run `make web` (or make dev), then restart the local cloud.", http.StatusServiceUnavailable)
		return
	}
	o, ok := c.mail.s3.Get(c.web.bucket, name)
	if !ok || !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", o.ContentType)
	h.Set("Cache-Control", o.CacheControl)
	h.Set("ETag", o.ETag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if strings.HasSuffix(name, ".html") {
		h.Set("Content-Security-Policy", c.csp(name))
		h.Set("Referrer-Policy", "no-referrer")
	}
	body := o.Data
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = c.web.gzip(name, o.ETag, o.Data)
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// gzip compresses an object once per version (its ETag).
func (f *webFiles) gzip(key, etag string, data []byte) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.gz[key]; ok && g.etag == etag {
		return g.body
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(data)
	_ = zw.Close()
	if f.gz == nil {
		f.gz = map[string]gzipped{}
	}
	f.gz[key] = gzipped{etag: etag, body: b.Bytes()}
	return b.Bytes()
}
