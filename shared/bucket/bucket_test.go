package bucket

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/s3emu"
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/awscall/awscalltest"
	"github.com/parleychat/parley/shared/chat"
)

const (
	mailBucket = "mail"
	secretKey  = "local-secret"
)

// cloudClock is the local S3's clock in a test: the system clock moved
// forward by advance.
type cloudClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *cloudClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *cloudClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// localS3 is the local cloud's S3 (private, on clock) over HTTP, and the
// configuration a function's client has for it.
func localS3(t *testing.T, clock *cloudClock) (*s3emu.Server, aws.Config, *string) {
	t.Helper()
	s := s3emu.New(mailBucket).Private(map[string]string{"local": secretKey}, clock.now)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", secretKey, ""), RetryMaxAttempts: 1}
	return s, cfg, aws.String(srv.URL)
}

func newLocal(t *testing.T, clock *cloudClock) (*Bucket, *s3emu.Server) {
	t.Helper()
	s, cfg, endpoint := localS3(t, clock)
	b, err := New(cfg, endpoint, mailBucket, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	return b, s
}

// TestObjects: what the files and the inbound mail do with the bucket,
// through the S3 API; a key that is not there is chat.ErrNotFound to
// every call that names one, and deleting it is no error.
func TestObjects(t *testing.T) {
	b, s := newLocal(t, &cloudClock{})
	ctx := t.Context()
	const odd = "uploads/new/v-1/u1/Zoë's report (1)+final.pdf"
	if err := b.Put(ctx, odd, []byte("%PDF-1.7"), "application/pdf", `attachment; filename="report.pdf"`); err != nil {
		t.Fatal(err)
	}
	if o, ok := s.Get(mailBucket, odd); !ok || o.ContentType != "application/pdf" || o.ContentDisposition != `attachment; filename="report.pdf"` {
		t.Errorf("stored %+v, %v; want the type and disposition put", o, ok)
	}
	head, err := b.Head(ctx, odd)
	if diff := cmp.Diff(attachment.Object{Key: odd, Size: 8, ContentType: "application/pdf"}, head); err != nil || diff != "" {
		t.Errorf("Head = %v (-want +got):\n%s", err, diff)
	}
	body, err := b.Open(ctx, odd)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err != nil || string(data) != "%PDF-1.7" {
		t.Errorf("Open read %q, %v", data, err)
	}

	const committed = "attachments/c1/u1/1-Zoë's report (1)+final.pdf"
	if err := b.Copy(ctx, odd, committed); err != nil {
		t.Fatalf("Copy of a key with spaces, quotes and a plus: %v", err)
	}
	if !s.Tag(mailBucket, committed, map[string]string{attachment.ScanTag: "NO_THREATS_FOUND"}) {
		t.Fatal("tagging the copy failed")
	}
	tags, err := b.Tags(ctx, committed)
	if diff := cmp.Diff(map[string]string{attachment.ScanTag: "NO_THREATS_FOUND"}, tags); err != nil || diff != "" {
		t.Errorf("Tags = %v (-want +got):\n%s", err, diff)
	}
	if err := b.Put(ctx, "attachments/c2/m1/1-other.png", []byte("x"), "application/octet-stream", "attachment"); err != nil {
		t.Fatal(err)
	}
	objs, next, err := b.List(ctx, "attachments/c1/", "")
	if diff := cmp.Diff([]attachment.Object{{Key: committed, Size: 8}}, objs); err != nil || next != "" || diff != "" {
		t.Errorf("List = next %q, %v (-want +got):\n%s", next, err, diff)
	}

	if err := b.Delete(ctx, []string{odd, committed, "attachments/c1/never-there"}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if left := s.Keys(mailBucket, ""); !slices.Equal(left, []string{"attachments/c2/m1/1-other.png"}) {
		t.Errorf("left after Delete: %v", left)
	}
	for name, call := range map[string]func() error{
		"Head": func() error { _, err := b.Head(ctx, odd); return err },
		"Open": func() error { _, err := b.Open(ctx, odd); return err },
		"Tags": func() error { _, err := b.Tags(ctx, odd); return err },
		"Copy": func() error { return b.Copy(ctx, odd, committed) },
	} {
		if err := call(); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("%s of a missing key = %v, want chat.ErrNotFound", name, err)
		}
	}
}

// TestMissingWithoutListBucket: the 403 S3 answers for a missing key (the
// function may not list the whole bucket) reads as not found, as do
// NotFound and NoSuchKey; any other failure, a 403 that names another
// cause included, is an error, not a not-found.
func TestMissingWithoutListBucket(t *testing.T) {
	for _, tt := range []struct {
		name    string
		answer  awscalltest.Answer
		missing bool
	}{
		{"NotFound", awscalltest.Answer{Status: http.StatusNotFound}, true},
		{"NoSuchKey", awscalltest.Answer{Status: http.StatusNotFound, Body: []byte(`<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)}, true},
		{"403", awscalltest.Answer{Status: http.StatusForbidden}, true},
		{"403 AccessDenied", awscalltest.Answer{Status: http.StatusForbidden, Body: []byte(`<Error><Code>AccessDenied</Code></Error>`)}, true},
		{"403 ExpiredToken", awscalltest.Answer{Status: http.StatusForbidden, Body: []byte(`<Error><Code>ExpiredToken</Code></Error>`)}, false},
		{"403 RequestTimeTooSkewed", awscalltest.Answer{Status: http.StatusForbidden, Body: []byte(`<Error><Code>RequestTimeTooSkewed</Code></Error>`)}, false},
		{"503", awscalltest.Answer{Status: http.StatusServiceUnavailable, Body: []byte(`<Error><Code>SlowDown</Code></Error>`)}, false},
		{"500", awscalltest.Answer{Status: http.StatusInternalServerError}, false},
	} {
		srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer { return tt.answer })
		b, err := New(awscalltest.Config(), srv.Endpoint(), mailBucket, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		// A HEAD's answer has no body (the status alone tells); a GET's
		// names its cause.
		calls := map[string]func() error{
			"Tags": func() error { _, err := b.Tags(t.Context(), "attachments/c1/m1/1-a.pdf"); return err },
		}
		if len(tt.answer.Body) == 0 {
			calls["Head"] = func() error { _, err := b.Head(t.Context(), "attachments/c1/m1/1-a.pdf"); return err }
		}
		for name, call := range calls {
			if err := call(); err == nil || errors.Is(err, chat.ErrNotFound) != tt.missing {
				t.Errorf("%s: %s = %v, want not found %v", name, tt.name, err, tt.missing)
			}
		}
	}
}

// browserPost posts fields and then the file as a browser does.
func browserPost(t *testing.T, target string, fields map[string]string, file []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "shot.png")
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestUploadPolicy: the policy of an upload fixes the key, the exact size
// and the type, which the fields carry; S3 takes exactly that file and
// refuses one of another size.
func TestUploadPolicy(t *testing.T) {
	b, s := newLocal(t, &cloudClock{})
	const key = "uploads/new/v-1/u1/Screen Shot.PNG"
	target, fields, err := b.PresignPost(t.Context(), key, 4, "image/png", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Expiration time.Time `json:"expiration"`
		Conditions []any     `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatal(err)
	}
	conds, _ := json.Marshal(policy.Conditions)
	for _, want := range []string{`["content-length-range",4,4]`, `{"Content-Type":"image/png"}`, `{"key":"` + key + `"}`, `{"bucket":"mail"}`} {
		if !strings.Contains(string(conds), want) {
			t.Errorf("policy conditions %s lack %s", conds, want)
		}
	}
	if d := time.Until(policy.Expiration); d <= 14*time.Minute || d > 15*time.Minute {
		t.Errorf("policy expires in %s, want 15m", d)
	}
	if fields["Content-Type"] != "image/png" || fields["key"] != key {
		t.Errorf("fields %v: want the key and the type", fields)
	}
	if resp := browserPost(t, target, fields, []byte("\x89PNG\r")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a file of another size: %d, want 400", resp.StatusCode)
	}
	if resp := browserPost(t, target, fields, []byte("\x89PNG")); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the file of the policy: %d, want 204", resp.StatusCode)
	}
	if o, ok := s.Get(mailBucket, key); !ok || string(o.Data) != "\x89PNG" || o.ContentType != "image/png" {
		t.Errorf("stored %+v, %v", o, ok)
	}
}

// TestSigningOnTheCloudClock: the bucket signs on the clock the local S3
// checks against. Once the clock has moved, what it signs on that clock
// works, and what is signed on the system clock has expired, as it would
// in AWS that much later.
func TestSigningOnTheCloudClock(t *testing.T) {
	clock := &cloudClock{}
	s, cfg, endpoint := localS3(t, clock)
	if err := s.Put(mailBucket, "attachments/c1/m1/1-a.pdf", s3emu.Object{Data: []byte("%PDF")}); err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * time.Hour)
	for _, tt := range []struct {
		name   string
		now    func() time.Time
		get    int
		upload int
	}{
		{"on the system clock", time.Now, http.StatusForbidden, http.StatusForbidden},
		{"on the cloud's clock", clock.now, http.StatusOK, http.StatusNoContent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(cfg, endpoint, mailBucket, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			u, err := b.PresignGet(t.Context(), "attachments/c1/m1/1-a.pdf", attachment.Serving{ContentType: "application/pdf", Disposition: "attachment", CacheControl: "private, no-store"}, 5*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.get {
				t.Errorf("download: %d, want %d", resp.StatusCode, tt.get)
			}
			target, fields, err := b.PresignPost(t.Context(), "uploads/new/v-1/u1/a.png", 4, "image/png", 5*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if resp := browserPost(t, target, fields, []byte("\x89PNG")); resp.StatusCode != tt.upload {
				t.Errorf("upload: %d, want %d", resp.StatusCode, tt.upload)
			}
		})
	}
}

// listed answers a ListObjectsV2 with keys of no size and a HeadObject
// with an empty object.
func listed(keys []string) func(awscalltest.Recorded) awscalltest.Answer {
	return func(r awscalltest.Recorded) awscalltest.Answer {
		if r.Method == http.MethodHead {
			return awscalltest.Answer{Status: http.StatusOK, Header: http.Header{"Content-Length": {"0"}}}
		}
		q, _ := url.ParseQuery(r.RawQuery)
		var body strings.Builder
		body.WriteString(`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
		for _, k := range keys {
			if strings.HasPrefix(k, q.Get("prefix")) {
				fmt.Fprintf(&body, "<Contents><Key>%s</Key><Size>0</Size></Contents>", html.EscapeString(k))
			}
		}
		body.WriteString("<IsTruncated>false</IsTruncated></ListBucketResult>")
		return awscalltest.Answer{Status: http.StatusOK, Body: []byte(body.String())}
	}
}

type allow struct{}

func (allow) ConversationChannel(context.Context, chat.Principal, string) (string, error) {
	return "main", nil
}

// TestDownloadFromFilesOrigin: downloads served from the files origin are
// the request presigned for the bucket's own host in AWS (virtual-hosted,
// a signature over the host alone, the session token) with only the
// scheme and host replaced: put back on the host it was signed for (what
// the distribution's origin request is), the path and query are the
// signed ones byte for byte, so S3's signature check still holds.
func TestDownloadFromFilesOrigin(t *testing.T) {
	const conv = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	const signedHost = "https://mail.s3.eu-west-1.amazonaws.com"
	names := []string{"m1/1-logo (1).svg", "m1/2-Zoë's report+final.pdf", "m1/3-photo.png", "m1/4-a;b=c&d.html"}
	var keys []string
	for _, n := range names {
		keys = append(keys, attachment.Folder+conv+"/"+n)
	}
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token")}
	cfg.HTTPClient = awscalltest.New(t, listed(keys)).Redirect()
	b, err := New(cfg, nil, mailBucket, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte("bucket-test-secret-0123456789ab"), nil)
	if err != nil {
		t.Fatal(err)
	}
	agent := chat.Principal{Role: chat.RoleAgent, ID: "a"}
	service := func(opts ...attachment.Option) *attachment.Service {
		files, err := attachment.NewBucket(b, attachment.DefaultLimits{MaxBytes: 10 << 20, MaxFiles: 5}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := attachment.New(allow{}, files, signer)
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	direct := service()
	files, err := direct.List(t.Context(), agent, conv)
	if err != nil || len(files) != len(names) {
		t.Fatalf("List = %v, %v", files, err)
	}
	for _, origin := range []string{"", "https://d111111abcdef8.cloudfront.net", "http://127.0.0.1:4567"} {
		var opts []attachment.Option
		wantHost := signedHost
		if origin != "" {
			o, err := url.Parse(origin)
			if err != nil {
				t.Fatal(err)
			}
			opts, wantHost = append(opts, attachment.ServeFrom(o)), origin
		}
		svc := service(opts...)
		for i, f := range files {
			t.Run(origin+" "+names[i], func(t *testing.T) {
				d, err := svc.Get(t.Context(), agent, conv, f.ID)
				if err != nil {
					t.Fatal(err)
				}
				rest, ok := strings.CutPrefix(d.URL, wantHost)
				if !ok || !strings.HasPrefix(rest, "/") {
					t.Fatalf("URL %s is not on %s", d.URL, wantHost)
				}
				// The request S3 gets: the signed host, the viewer's path and query.
				atOrigin, err := url.Parse(signedHost + rest)
				if err != nil {
					t.Fatal(err)
				}
				q := atOrigin.Query()
				if q.Get("X-Amz-Signature") == "" || q.Get("X-Amz-SignedHeaders") != "host" || q.Get("X-Amz-Security-Token") != "session-token" {
					t.Errorf("query %v: want a signature over the host alone, with the session token", q)
				}
				if got, want := atOrigin.Path, "/"+keys[i]; got != want {
					t.Errorf("path %q, want %q", got, want)
				}
				if got := q.Get("response-content-disposition"); !strings.HasPrefix(got, "attachment;") && !strings.HasPrefix(got, "inline;") {
					t.Errorf("response-content-disposition = %q", got)
				}
				// The same request as a URL for the bucket's own host.
				d2, err := direct.Get(t.Context(), agent, conv, f.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(withoutSignature(d2.URL), withoutSignature(signedHost+rest)); diff != "" {
					t.Errorf("request at the origin differs from the signed one (-signed +forwarded):\n%s", diff)
				}
			})
		}
	}
}

// withoutSignature is a presigned URL without the parts that change from
// one signing to the next (the time and the signature), byte for byte
// otherwise.
func withoutSignature(raw string) string {
	base, query, _ := strings.Cut(raw, "?")
	var kept []string
	for _, p := range strings.Split(query, "&") {
		if !strings.HasPrefix(p, "X-Amz-Date=") && !strings.HasPrefix(p, "X-Amz-Signature=") && !strings.HasPrefix(p, "X-Amz-Credential=") {
			kept = append(kept, p)
		}
	}
	return base + "?" + strings.Join(kept, "&")
}
