package s3emu_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/s3emu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

const (
	filesBucket = "files"
	uploadKey   = "uploads/c1/v1/u1"
	secretKey   = "local-secret"
)

// testClock is S3's clock in a test: the system clock, or a fixed time,
// moved forward by advance.
type testClock struct {
	mu     sync.Mutex
	fixed  time.Time
	offset time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.fixed
	if t.IsZero() {
		t = time.Now()
	}
	return t.Add(c.offset)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// filesServer is a private S3 with the files bucket, on its own origin.
func filesServer(t *testing.T, clock *testClock, cfg template.BucketConfig) (*s3emu.Server, string) {
	t.Helper()
	s := s3emu.New(filesBucket).Private(map[string]string{"local": secretKey}, clock.now)
	if err := s.Configure(filesBucket, cfg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func sdkClient(endpoint, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: secret}, nil
		}),
	})
}

// presignPost presigns an upload of uploadKey the way the server will hand
// slots out: 1 to 10 bytes of image/png, for five minutes.
func presignPost(t *testing.T, endpoint, secret string, extra []any) *s3.PresignedPostRequest {
	t.Helper()
	conditions := append([]any{[]any{"content-length-range", 1, 10}, map[string]string{"Content-Type": "image/png"}}, extra...)
	req, err := s3.NewPresignClient(sdkClient(endpoint, secret)).PresignPostObject(t.Context(),
		&s3.PutObjectInput{Bucket: aws.String(filesBucket), Key: aws.String(uploadKey)}, func(o *s3.PresignPostOptions) {
			o.Expires = 5 * time.Minute
			o.Conditions = conditions
		})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// form is an upload as a browser sends it: fields in order, the file last.
type form struct {
	fields   [][2]string
	filename string
	file     []byte
	after    [][2]string // fields after the file
}

// browserForm is the presigned fields (sorted, for a stable order) with
// the content type the policy asks for and a 4-byte PNG.
func browserForm(req *s3.PresignedPostRequest) *form {
	f := &form{filename: "shot.png", file: []byte("\x89PNG")}
	for _, k := range sortedKeys(req.Values) {
		f.fields = append(f.fields, [2]string{k, req.Values[k]})
	}
	f.fields = append(f.fields, [2]string{"Content-Type", "image/png"})
	return f
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (f *form) set(name, value string) *form {
	for i, kv := range f.fields {
		if strings.EqualFold(kv[0], name) {
			f.fields[i][1] = value
			return f
		}
	}
	f.fields = append(f.fields, [2]string{name, value})
	return f
}

func (f *form) without(name string) *form {
	f.fields = slices.DeleteFunc(f.fields, func(kv [2]string) bool { return strings.EqualFold(kv[0], name) })
	return f
}

type answer struct {
	status int
	header http.Header
	body   string
	err    struct {
		Code, Message, ArgumentName, ProposedSize, MinSizeAllowed, MaxSizeAllowed string
	}
}

// formRequest is the POST a browser makes of a form.
func formRequest(t *testing.T, target string, f *form) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range f.fields {
		_ = mw.WriteField(kv[0], kv[1])
	}
	if f.file != nil {
		fw, _ := mw.CreateFormFile("file", f.filename)
		_, _ = fw.Write(f.file)
	}
	for _, kv := range f.after {
		_ = mw.WriteField(kv[0], kv[1])
	}
	_ = mw.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, target, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func post(t *testing.T, target string, f *form) answer {
	t.Helper()
	return do(t, formRequest(t, target, f))
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if resp.StatusCode >= 300 {
		if err := xml.Unmarshal(b, &a.err); err != nil {
			t.Fatalf("error body %q: %v", b, err)
		}
	}
	return a
}

// TestPresignedPost: a form presigned by the SDK uploads within its policy;
// S3's refusals, with S3's codes, for everything else.
func TestPresignedPost(t *testing.T) {
	clock := &testClock{}
	s, endpoint := filesServer(t, clock, template.BucketConfig{})
	req := presignPost(t, endpoint, secretKey, nil)
	if req.URL != endpoint+"/"+filesBucket {
		t.Fatalf("presigned URL %s, want the bucket's, path-style", req.URL)
	}

	type want struct {
		status  int
		code    string
		message string
	}
	conditionFailed := "Invalid according to Policy: Policy Condition failed: "
	tests := []struct {
		name string
		form func() *form
		want want
	}{
		{"within the policy", func() *form { return browserForm(req) }, want{status: 204}},
		{"bigger than the range", func() *form { f := browserForm(req); f.file = []byte("0123456789A"); return f },
			want{400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"}},
		{"smaller than the range", func() *form { f := browserForm(req); f.file = []byte{}; return f },
			want{400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"}},
		{"another content type", func() *form { return browserForm(req).set("Content-Type", "text/html") },
			want{403, "AccessDenied", conditionFailed + `["eq", "$Content-Type", "image/png"]`}},
		{"no content type", func() *form { return browserForm(req).without("Content-Type") },
			want{403, "AccessDenied", conditionFailed + `["eq", "$Content-Type", "image/png"]`}},
		{"another key", func() *form { return browserForm(req).set("key", "uploads/c2/v1/u1") },
			want{403, "AccessDenied", conditionFailed + `["eq", "$key", "uploads/c1/v1/u1"]`}},
		{"tampered signature", func() *form { return browserForm(req).set("X-Amz-Signature", strings.Repeat("0", 64)) },
			want{403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."}},
		{"policy widened, signature kept", func() *form {
			wider := presignPost(t, endpoint, "guessed", []any{[]any{"starts-with", "$key", ""}})
			return browserForm(req).set("policy", wider.Values["policy"])
		}, want{403, "SignatureDoesNotMatch", ""}},
		{"signed with another secret", func() *form { return browserForm(presignPost(t, endpoint, "guessed", nil)) },
			want{403, "SignatureDoesNotMatch", ""}},
		{"unknown access key", func() *form {
			f := browserForm(req)
			for i, kv := range f.fields {
				if kv[0] == "X-Amz-Credential" {
					f.fields[i][1] = strings.Replace(kv[1], "local/", "other/", 1)
				}
			}
			return f
		}, want{403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."}},
		{"a field the policy does not cover", func() *form { return browserForm(req).set("x-amz-meta-owner", "v2") },
			want{403, "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-owner"}},
		{"a success status the policy does not cover", func() *form { return browserForm(req).set("success_action_status", "201") },
			want{403, "AccessDenied", "Invalid according to Policy: Extra input fields: success_action_status"}},
		{"x-ignore- fields need no condition", func() *form { return browserForm(req).set("x-ignore-progress", "1") }, want{status: 204}},
		{"fields after the file are ignored", func() *form {
			f := browserForm(req)
			f.after = [][2]string{{"key", "elsewhere"}, {"x-amz-meta-owner", "v2"}}
			return f
		}, want{status: 204}},
		{"field names in any case", func() *form { return browserForm(req).without("Content-Type").set("content-type", "image/png") }, want{status: 204}},
		{"no policy: anonymous, and the bucket is private", func() *form {
			return browserForm(req).without("policy").without("X-Amz-Signature")
		}, want{403, "AccessDenied", "Access Denied"}},
		{"a signature field missing", func() *form { return browserForm(req).without("X-Amz-Date") },
			want{400, "InvalidArgument", "Bucket POST must contain a field named 'X-Amz-Date'.  If it is specified, please check the order of the fields."}},
		{"no key", func() *form { return browserForm(req).without("key") },
			want{400, "InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."}},
		{"no file", func() *form { f := browserForm(req); f.file = nil; return f },
			want{400, "InvalidArgument", "POST requires exactly one file upload per request."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.Put(filesBucket, "placeholder", s3emu.Object{})
			before := s.Keys(filesBucket, "")
			a := post(t, req.URL, tt.form())
			if a.status != tt.want.status || a.err.Code != tt.want.code || !strings.Contains(a.err.Message, tt.want.message) {
				t.Fatalf("answer %d %s, want %d %s %q", a.status, a.body, tt.want.status, tt.want.code, tt.want.message)
			}
			if tt.want.status >= 300 {
				if diff := cmp.Diff(before, s.Keys(filesBucket, "")); diff != "" {
					t.Errorf("a refused upload changed the bucket (-before +after):\n%s", diff)
				}
				return
			}
			o, ok := s.Get(filesBucket, uploadKey)
			if !ok || string(o.Data) != "\x89PNG" || o.ContentType != "image/png" {
				t.Errorf("stored %q (%q), %v; want the PNG as image/png", o.Data, o.ContentType, ok)
			}
			if a.header.Get("ETag") != o.ETag || a.header.Get("Location") != req.URL+"/uploads/c1/v1/u1" {
				t.Errorf("ETag %q, Location %q; want %q and the object's URL", a.header.Get("ETag"), a.header.Get("Location"), o.ETag)
			}
			if _, err := sdkClient(endpoint, secretKey).DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(filesBucket), Key: aws.String(uploadKey)}); err != nil {
				t.Fatal(err)
			}
		})
	}

	// The sizes S3 reports with EntityTooLarge and EntityTooSmall.
	big := browserForm(req)
	big.file = []byte("0123456789A")
	if a := post(t, req.URL, big); a.err.ProposedSize != "11" || a.err.MaxSizeAllowed != "10" {
		t.Errorf("too large: ProposedSize %q, MaxSizeAllowed %q; want 11 and 10", a.err.ProposedSize, a.err.MaxSizeAllowed)
	}
	small := browserForm(req)
	small.file = []byte{}
	if a := post(t, req.URL, small); a.err.ProposedSize != "0" || a.err.MinSizeAllowed != "1" {
		t.Errorf("too small: ProposedSize %q, MinSizeAllowed %q; want 0 and 1", a.err.ProposedSize, a.err.MinSizeAllowed)
	}

	urlencoded, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, req.URL, strings.NewReader("key=a"))
	urlencoded.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := do(t, urlencoded); a.status != http.StatusPreconditionFailed || a.err.Code != "PreconditionFailed" {
		t.Errorf("a form that is not multipart: %d %s, want 412 PreconditionFailed", a.status, a.body)
	}

	// Five minutes later the policy has expired.
	clock.advance(5*time.Minute + time.Second)
	if a := post(t, req.URL, browserForm(req)); a.status != http.StatusForbidden || a.err.Code != "AccessDenied" ||
		a.err.Message != "Invalid according to Policy: Policy expired." {
		t.Errorf("expired policy: %d %s, want 403 AccessDenied, Policy expired", a.status, a.body)
	}
	if _, ok := s.Get(filesBucket, uploadKey); ok {
		t.Error("an expired policy stored the upload")
	}
}

// TestPresignedPostFields: what a policy can ask of the form beyond key,
// size and type, and what the upload then answers and stores.
func TestPresignedPostFields(t *testing.T) {
	clock := &testClock{}
	s, endpoint := filesServer(t, clock, template.BucketConfig{})
	sdk := sdkClient(endpoint, secretKey)

	t.Run("success_action_status 201 answers the object's document", func(t *testing.T) {
		req := presignPost(t, endpoint, secretKey, []any{map[string]string{"success_action_status": "201"}})
		a := post(t, req.URL, browserForm(req).set("success_action_status", "201"))
		var doc struct {
			Location, Bucket, Key, ETag string
		}
		if err := xml.Unmarshal([]byte(a.body), &doc); err != nil || a.status != http.StatusCreated {
			t.Fatalf("answer %d %s (%v), want 201 with a PostResponse", a.status, a.body, err)
		}
		o, _ := s.Get(filesBucket, uploadKey)
		want := struct{ Location, Bucket, Key, ETag string }{req.URL + "/" + uploadKey, filesBucket, uploadKey, o.ETag}
		if diff := cmp.Diff(want, doc); diff != "" {
			t.Errorf("PostResponse (-want +got):\n%s", diff)
		}
	})
	t.Run("success_action_status 200 answers an empty 200", func(t *testing.T) {
		req := presignPost(t, endpoint, secretKey, []any{[]any{"eq", "$success_action_status", "200"}})
		if a := post(t, req.URL, browserForm(req).set("success_action_status", "200")); a.status != http.StatusOK || a.body != "" {
			t.Errorf("answer %d %q, want an empty 200", a.status, a.body)
		}
	})
	t.Run("success_action_redirect sends the browser on with the object's names", func(t *testing.T) {
		req := presignPost(t, endpoint, secretKey, []any{[]any{"starts-with", "$success_action_redirect", "http://localhost:3000/"}})
		r := formRequest(t, req.URL, browserForm(req).set("success_action_redirect", "http://localhost:3000/done?upload=1"))
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		o, _ := s.Get(filesBucket, uploadKey)
		want := "http://localhost:3000/done?bucket=files&etag=" + url.QueryEscape(o.ETag) + "&key=uploads%2Fc1%2Fv1%2Fu1&upload=1"
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("answer %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
		}
	})
	t.Run("${filename} in the key is the file's name without its folder", func(t *testing.T) {
		req := presignPost(t, endpoint, secretKey, []any{[]any{"starts-with", "$key", "uploads/c1/"}})
		f := browserForm(req).set("key", "uploads/c1/${filename}")
		f.filename = `C:\shots\a b.png`
		if a := post(t, req.URL, f); a.status != http.StatusNoContent {
			t.Fatalf("answer %d %s, want 204", a.status, a.body)
		}
		if _, ok := s.Get(filesBucket, "uploads/c1/a b.png"); !ok {
			t.Errorf("keys %v, want uploads/c1/a b.png", s.Keys(filesBucket, "uploads/"))
		}
		outside := browserForm(req).set("key", "elsewhere/${filename}")
		if a := post(t, req.URL, outside); a.status != http.StatusForbidden ||
			a.err.Message != `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/c1/"]` {
			t.Errorf("a key outside the prefix: %d %s, want 403 Policy Condition failed", a.status, a.body)
		}
	})
	t.Run("metadata the policy fixes is kept with the object", func(t *testing.T) {
		req := presignPost(t, endpoint, secretKey, []any{map[string]string{"x-amz-meta-uploader": "visitor:v1"}})
		if a := post(t, req.URL, browserForm(req).set("x-amz-meta-uploader", "visitor:v1")); a.status != http.StatusNoContent {
			t.Fatalf("answer %d %s, want 204", a.status, a.body)
		}
		head, err := sdk.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(filesBucket), Key: aws.String(uploadKey)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]any{"size": aws.ToInt64(head.ContentLength), "type": aws.ToString(head.ContentType), "meta": head.Metadata}
		want := map[string]any{"size": int64(4), "type": "image/png", "meta": map[string]string{"uploader": "visitor:v1"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("HeadObject (-want +got):\n%s", diff)
		}
	})
	t.Run("starts-with on Content-Type holds for every type listed", func(t *testing.T) {
		c := s3.NewPresignClient(sdk)
		req, err := c.PresignPostObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(filesBucket), Key: aws.String(uploadKey)},
			func(o *s3.PresignPostOptions) { o.Conditions = []any{[]any{"starts-with", "$Content-Type", "image/"}} })
		if err != nil {
			t.Fatal(err)
		}
		if a := post(t, req.URL, browserForm(req).set("Content-Type", "image/png,text/html")); a.status != http.StatusForbidden {
			t.Errorf("image/png,text/html: %d %s, want 403", a.status, a.body)
		}
		if a := post(t, req.URL, browserForm(req).set("Content-Type", "image/png,image/gif")); a.status != http.StatusNoContent {
			t.Errorf("image/png,image/gif: %d %s, want 204", a.status, a.body)
		}
	})
}

// TestPostPolicyDocument: a policy signed correctly but not one S3 can read
// is refused with InvalidPolicyDocument.
func TestPostPolicyDocument(t *testing.T) {
	_, endpoint := filesServer(t, &testClock{}, template.BucketConfig{})
	req := presignPost(t, endpoint, secretKey, nil)
	var scope string
	for k, v := range req.Values {
		if strings.EqualFold(k, "X-Amz-Credential") {
			scope = v
		}
	}
	tests := []struct{ name, policy, message string }{
		{"not base64", "{not base64}", "Invalid Policy: invalid Base64 encoding."},
		{"not JSON", base64.StdEncoding.EncodeToString([]byte("{")), "Invalid Policy: Invalid JSON."},
		{"no expiration", b64(`{"conditions":[]}`), "Invalid Policy: Policy missing expiration."},
		{"no conditions", b64(`{"expiration":"2099-01-01T00:00:00Z"}`), "Invalid Policy: Policy missing conditions."},
		{"bad expiration", b64(`{"expiration":"soon","conditions":[]}`), "Invalid Policy: Invalid 'expiration' value: 'soon'"},
		{"two properties", b64(`{"expiration":"2099-01-01T00:00:00Z","conditions":[{"key":"a","acl":"b"}]}`),
			"Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{"unknown operation", b64(`{"expiration":"2099-01-01T00:00:00Z","conditions":[["ends-with","$key","a"]]}`),
			"Invalid Policy: Invalid Condition: unknown operation 'ends-with'."},
		{"eq with two arguments", b64(`{"expiration":"2099-01-01T00:00:00Z","conditions":[["eq","$key"]]}`),
			"Invalid Policy: Invalid eq: wrong number of arguments."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := browserForm(req).set("policy", tt.policy).set("X-Amz-Signature", sign(secretKey, scope, tt.policy))
			if a := post(t, req.URL, f); a.status != http.StatusBadRequest || a.err.Code != "InvalidPolicyDocument" || a.err.Message != tt.message {
				t.Errorf("answer %d %s, want 400 InvalidPolicyDocument %q", a.status, a.body, tt.message)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// sign signs a policy as SigV4 does: an HMAC chain over the credential's
// scope (date, region, service, aws4_request), then over the policy.
func sign(secret, credential, policy string) string {
	key := []byte("AWS4" + secret)
	for _, part := range strings.Split(credential, "/")[1:] {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(part))
		key = h.Sum(nil)
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte(policy))
	return hex.EncodeToString(h.Sum(nil))
}
