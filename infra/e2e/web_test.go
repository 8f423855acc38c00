package e2e

import (
	"html"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/shared/webpublish"
)

// webBucket is the bucket the template's WebPublish custom resource
// publishes to.
func webBucket(t *testing.T) string {
	t.Helper()
	for _, cr := range cloud.Model().CustomResources {
		if cr.LogicalID == "WebPublish" {
			return cr.Properties["Bucket"].(string)
		}
	}
	t.Fatal("no WebPublish custom resource in the template")
	return ""
}

// builtFiles lists web/dist, which the local cloud shipped next to the web
// publisher's bootstrap as sam build does.
func builtFiles(t *testing.T) []string {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = fs.WalkDir(os.DirFS(filepath.Join(root, "web", "dist")), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		t.Fatalf("web/dist (run make web): %v", err)
	}
	return names
}

// The stack publishes the widget and the inbox itself: at start the local
// cloud sends the WebPublish custom resource its Create request as
// CloudFormation does, and the web publisher function writes every built
// file to the web bucket with this deployment's URLs, content types and
// cache headers, invalidates the pages on the distribution and answers on
// the response URL. The pages are served from what it wrote. An Update
// publishes the same files again (idempotent) and a Delete leaves them.
func TestStackPublishesTheWeb(t *testing.T) {
	bucket := webBucket(t)
	names := builtFiles(t)
	if n := cloud.Stats().Invocations["WebPublisherFunction"]; n < 1 {
		t.Fatalf("the web publisher ran %d times", n)
	}
	etags := map[string]string{}
	for _, name := range names {
		o, ok := cloud.S3().Get(bucket, name)
		if !ok {
			t.Errorf("%s is not in the web bucket", name)
			continue
		}
		etags[name] = o.ETag
		if o.ContentType != webpublish.ContentType(name) || o.CacheControl != webpublish.CacheControl(name) {
			t.Errorf("%s: Content-Type %q Cache-Control %q", name, o.ContentType, o.CacheControl)
		}
	}
	if extra := cloud.S3().Keys(bucket, ""); len(extra) != len(names) {
		t.Errorf("the bucket holds %v, the build %v", extra, names)
	}
	e := cloud.Endpoints()
	loader, _ := cloud.S3().Get(bucket, "widget/loader.js")
	if !strings.Contains(string(loader.Data), `"`+e.HTTPAPI+`"`) || strings.Contains(string(loader.Data), "__PARLEY") {
		t.Errorf("the loader does not call %s", e.HTTPAPI)
	}
	if !strings.Contains(string(loader.Data), `"`+e.WidgetFrame+`"`) {
		t.Errorf("the loader does not frame the chat window at %s", e.WidgetFrame)
	}
	page, _ := cloud.S3().Get(bucket, "inbox/index.html")
	for _, want := range []string{e.WebSocket, e.OIDCIssuer + "/authorize", e.OIDCClientID} {
		if !strings.Contains(html.UnescapeString(string(page.Data)), want) {
			t.Errorf("the inbox page does not name %s", want)
		}
	}

	// Served as the distribution serves the bucket.
	resp, err := http.Get(cloud.URL() + "/widget/loader.js")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != string(loader.Data) || resp.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("GET /widget/loader.js = %d %q, Cache-Control %q", resp.StatusCode, body[:min(len(body), 60)], resp.Header.Get("Cache-Control"))
	}

	invalidated := func(distribution string) [][]string {
		var out [][]string
		for _, inv := range cloud.Invalidations(distribution) {
			out = append(out, inv.Paths)
		}
		return out
	}
	if diff := cmp.Diff([][]string{webpublish.Pages}, invalidated("WebDistribution")); diff != "" {
		t.Errorf("invalidations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{webpublish.WidgetPages}, invalidated("WidgetDistribution")); diff != "" {
		t.Errorf("the chat window's invalidations (-want +got):\n%s", diff)
	}

	// A stack update publishes again: the same files, one more
	// invalidation.
	res, err := cloud.CustomResource(t.Context(), "WebPublish", cfn.RequestUpdate)
	if err != nil || res.Status != cfn.StatusSuccess || res.PhysicalResourceID != bucket {
		t.Fatalf("update = %+v, %v", res, err)
	}
	for name, etag := range etags {
		if o, _ := cloud.S3().Get(bucket, name); o.ETag != etag {
			t.Errorf("%s changed on a publish of the same build", name)
		}
	}
	if got := invalidated("WebDistribution"); len(got) != 2 || !slices.Equal(got[1], webpublish.Pages) {
		t.Errorf("invalidations after the update: %v", got)
	}

	// A stack deletion: the resource answers at once and leaves the files
	// (the bucket is retained); a new stack publishes again.
	if res, err := cloud.CustomResource(t.Context(), "WebPublish", cfn.RequestDelete); err != nil || res.Status != cfn.StatusSuccess {
		t.Fatalf("delete = %+v, %v", res, err)
	}
	if keys := cloud.S3().Keys(bucket, ""); len(keys) != len(names) {
		t.Errorf("after the delete the bucket holds %v", keys)
	}
	if res, err := cloud.CustomResource(t.Context(), "WebPublish", cfn.RequestCreate); err != nil || res.Status != cfn.StatusSuccess {
		t.Fatalf("create again = %+v, %v", res, err)
	}
}
