package webpublish

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
)

type put struct {
	Bucket, Key, Body, ContentType, CacheControl string
}

// bucket records PutObject calls and fails the keys in fail.
type bucket struct {
	mu   sync.Mutex
	puts []put
	fail map[string]bool
}

func (b *bucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, _ := io.ReadAll(in.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail[aws.ToString(in.Key)] {
		return nil, errors.New("AccessDenied")
	}
	b.puts = append(b.puts, put{aws.ToString(in.Bucket), aws.ToString(in.Key), string(body), aws.ToString(in.ContentType), aws.ToString(in.CacheControl)})
	return &s3.PutObjectOutput{}, nil
}

func (b *bucket) keys() []string {
	var out []string
	for _, p := range b.puts {
		out = append(out, p.Key)
	}
	return out
}

type cdn struct {
	calls []*cloudfront.CreateInvalidationInput
	err   error
}

func (c *cdn) CreateInvalidation(_ context.Context, in *cloudfront.CreateInvalidationInput, _ ...func(*cloudfront.Options)) (*cloudfront.CreateInvalidationOutput, error) {
	c.calls = append(c.calls, in)
	if c.err != nil {
		return nil, c.err
	}
	return &cloudfront.CreateInvalidationOutput{Invalidation: &cftypes.Invalidation{Id: aws.String("I" + aws.ToString(in.DistributionId))}}, nil
}

func builtFiles() fstest.MapFS {
	return fstest.MapFS{
		"widget/loader.js":         {Data: []byte(`fetch("__PARLEY_API__/widget/config");frame("__PARLEY_FRAME__")`)},
		"widget/frame.html":        {Data: []byte(`<meta name="parley-env" content="__PARLEY_ENV__"><script src="frame-AB12.js">`)},
		"widget/frame-AB12.js":     {Data: []byte(`frame()`)},
		"widget/frame-CD34.css":    {Data: []byte(`body{}`)},
		"inbox/index.html":         {Data: []byte(`<meta name="parley-env" content="__PARLEY_ENV__">`)},
		"inbox/app-EF56.js":        {Data: []byte(`app()`)},
		"inbox/settings-GH78.js":   {Data: []byte(`settings()`)},
		"inbox/app-EF56.css":       {Data: []byte(`main{}`)},
		"inbox/chunk-IJ90.js.map":  {Data: []byte(`{}`)},
		"widget/assets/logo-1.svg": {Data: []byte(`<svg/>`)},
	}
}

func properties() map[string]any {
	return map[string]any{
		"ServiceToken": "arn:aws:lambda:eu-west-1:1:function:web", "Bucket": "parley-webbucket-1", "DistributionId": "E2QWRUHAPOMQZL",
		"HttpApiUrl": "https://api.chat.example.com", "WidgetConfigUrl": "https://d2.cloudfront.net", "WebSocketUrl": "wss://ws.chat.example.com",
		"OidcAuthorizeUrl": "https://auth.example.com/oauth2/authorize", "OidcTokenUrl": "https://auth.example.com/oauth2/token",
		"OidcLogoutUrl": "https://auth.example.com/logout", "OidcClientId": "inbox-client",
		"WidgetUrl": "https://window.example.net/widget/frame.html", "WidgetDistributionId": "E3WIDGETWINDOW",
	}
}

// A Create writes every built file with the stack's URLs, its content
// type and cache header, hashed assets before the pages naming them, and
// invalidates the pages once, each on the distribution serving it.
func TestResourceCreatePublishes(t *testing.T) {
	b, c := &bucket{}, &cdn{}
	r := NewResource(builtFiles(), NewPublisher(b, c))
	id, data, err := r.Run(t.Context(), cfn.Event{RequestType: cfn.RequestCreate, RequestID: "req-7", ResourceProperties: properties()})
	if err != nil {
		t.Fatal(err)
	}
	if id != "parley-webbucket-1" {
		t.Errorf("physical id = %q, want the bucket", id)
	}
	if diff := cmp.Diff(map[string]any{"Files": 10, "InvalidationId": "IE2QWRUHAPOMQZL", "WidgetInvalidationId": "IE3WIDGETWINDOW"}, data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	got := map[string]put{}
	for _, p := range b.puts {
		got[p.Key] = p
	}
	if p := got["widget/loader.js"]; p.Body != `fetch("https://d2.cloudfront.net/widget/config");frame("https://window.example.net/widget/frame.html")` ||
		p.ContentType != "text/javascript; charset=utf-8" || p.CacheControl != "public, max-age=300" || p.Bucket != "parley-webbucket-1" {
		t.Errorf("loader put = %+v", p)
	}
	if p := got["inbox/index.html"]; !strings.Contains(p.Body, "wss://ws.chat.example.com") || !strings.Contains(p.Body, "inbox-client") ||
		p.ContentType != "text/html; charset=utf-8" || p.CacheControl != "no-cache" {
		t.Errorf("inbox page put = %+v", p)
	}
	if p := got["inbox/settings-GH78.js"]; p.CacheControl != "public, max-age=31536000, immutable" || p.Body != "settings()" {
		t.Errorf("chunk put = %+v", p)
	}
	keys := b.keys()
	firstPage := len(keys)
	for i, k := range keys {
		if CacheControl(k) != immutable && i < firstPage {
			firstPage = i
		}
		if CacheControl(k) == immutable && i > firstPage {
			t.Errorf("asset %s uploaded after page %s: a page could name a file not yet there (%v)", k, keys[firstPage], keys)
		}
	}
	if len(c.calls) != 2 {
		t.Fatalf("%d invalidations, want 2 (the web distribution, the chat window's)", len(c.calls))
	}
	for i, want := range []struct {
		distribution string
		paths        []string
	}{{"E2QWRUHAPOMQZL", Pages}, {"E3WIDGETWINDOW", WidgetPages}} {
		inv := c.calls[i]
		if aws.ToString(inv.DistributionId) != want.distribution || aws.ToString(inv.InvalidationBatch.CallerReference) != "req-7" ||
			aws.ToInt32(inv.InvalidationBatch.Paths.Quantity) != int32(len(want.paths)) {
			t.Errorf("invalidation %d = %+v %+v", i, inv, inv.InvalidationBatch)
		}
		if diff := cmp.Diff(want.paths, inv.InvalidationBatch.Paths.Items); diff != "" {
			t.Errorf("invalidated paths on %s (-want +got):\n%s", want.distribution, diff)
		}
	}
}

func TestResourceDeleteLeavesTheFiles(t *testing.T) {
	b, c := &bucket{}, &cdn{}
	id, _, err := NewResource(builtFiles(), NewPublisher(b, c)).Run(t.Context(),
		cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: "parley-webbucket-1", ResourceProperties: map[string]any{}})
	if err != nil || id != "parley-webbucket-1" {
		t.Fatalf("delete = %q, %v", id, err)
	}
	if len(b.puts) != 0 || len(c.calls) != 0 {
		t.Errorf("delete touched the bucket (%v) or the distribution (%d)", b.keys(), len(c.calls))
	}
}

// Bad input is refused with a reason naming it, before anything is
// written.
func TestResourceRefuses(t *testing.T) {
	tests := []struct {
		name  string
		dist  fstest.MapFS
		props func(map[string]any)
		fail  map[string]bool
		cdn   error
		want  string
		puts  bool // whether some files may have been written
	}{
		{"no bucket", builtFiles(), func(p map[string]any) { delete(p, "Bucket"); delete(p, "DistributionId") }, nil, nil, "properties missing: Bucket, DistributionId", false},
		{"no chat window distribution", builtFiles(), func(p map[string]any) { delete(p, "WidgetDistributionId") }, nil, nil, "properties missing: WidgetDistributionId", false},
		{"no chat window URL", builtFiles(), func(p map[string]any) { delete(p, "WidgetUrl") }, nil, nil, "chat window URL", false},
		{"script URL", builtFiles(), func(p map[string]any) { p["HttpApiUrl"] = `https://x.example.com/"+alert(1)+"` }, nil, nil, "not a plain absolute URL", false},
		{"no client id", builtFiles(), func(p map[string]any) { p["OidcClientId"] = "" }, nil, nil, "client id is empty", false},
		{"not a string", builtFiles(), func(p map[string]any) { p["Bucket"] = []any{"a"} }, nil, nil, "properties:", false},
		{"no build", fstest.MapFS{}, nil, nil, nil, "missing from the build", false},
		{"file outside the prefixes", func() fstest.MapFS {
			d := builtFiles()
			d["robots.txt"] = &fstest.MapFile{Data: []byte("x")}
			return d
		}(), nil, nil, nil, "robots.txt is outside widget/ and inbox/", false},
		{"a put fails", builtFiles(), nil, map[string]bool{"inbox/app-EF56.js": true}, nil, "put s3://parley-webbucket-1/inbox/app-EF56.js: AccessDenied", true},
		{"the invalidation fails", builtFiles(), nil, nil, errors.New("NoSuchDistribution"), "NoSuchDistribution", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			props := properties()
			if tt.props != nil {
				tt.props(props)
			}
			b, c := &bucket{fail: tt.fail}, &cdn{err: tt.cdn}
			_, _, err := NewResource(tt.dist, NewPublisher(b, c)).Run(t.Context(),
				cfn.Event{RequestType: cfn.RequestUpdate, RequestID: "r", ResourceProperties: props})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !tt.puts && len(b.puts) > 0 {
				t.Errorf("wrote %v before refusing", b.keys())
			}
			if tt.fail != nil {
				for _, k := range b.keys() {
					if CacheControl(k) != immutable {
						t.Errorf("page %s uploaded although an asset failed", k)
					}
				}
				if len(c.calls) != 0 {
					t.Error("invalidated after a failed upload")
				}
			}
		})
	}
}
