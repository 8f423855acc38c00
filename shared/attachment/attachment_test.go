package attachment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
)

const conv = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

type allow struct{}

func (allow) ConversationChannel(context.Context, chat.Principal, string) (string, error) {
	return "main", nil
}

type object struct {
	size  int64
	ctype string
	tags  map[string]string
}

// bucket is an in-memory S3 with the objects it holds; the presigner
// records what it was asked to sign.
type bucket struct {
	mu      sync.Mutex
	objects map[string]object
	signed  *s3.GetObjectInput
	// missing is the HTTP status a missing key answers (404 when zero); S3
	// answers 403 to a caller without an unconditional s3:ListBucket.
	missing int
}

func newBucket() *bucket { return &bucket{objects: map[string]object{}} }

func (b *bucket) put(key string, size int64, ctype string, tags map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[key] = object{size: size, ctype: ctype, tags: tags}
}

func (b *bucket) keys(prefix string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for k := range b.objects {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (b *bucket) notThere() error {
	if b.missing != 0 {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: b.missing}},
			Err:      errors.New(http.StatusText(b.missing)),
		}}
	}
	return &types.NotFound{}
}

func (b *bucket) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out := &s3.ListObjectsV2Output{}
	for _, k := range b.keys(aws.ToString(in.Prefix)) {
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k), Size: aws.Int64(b.objects[k].size)})
	}
	return out, nil
}

func (b *bucket) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, b.notThere()
	}
	return &s3.HeadObjectOutput{ContentLength: aws.Int64(o.size), ContentType: aws.String(o.ctype)}, nil
}

func (b *bucket) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, errors.New("not read in these tests")
}

func (b *bucket) GetObjectTagging(_ context.Context, in *s3.GetObjectTaggingInput, _ ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, b.notThere()
	}
	out := &s3.GetObjectTaggingOutput{}
	for k, v := range o.tags {
		out.TagSet = append(out.TagSet, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out, nil
}

func (b *bucket) CopyObject(_ context.Context, in *s3.CopyObjectInput, _ ...func(*s3.Options)) (*s3.CopyObjectOutput, error) {
	src, err := url.PathUnescape(strings.TrimPrefix(aws.ToString(in.CopySource), "mail/"))
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[src]
	if !ok {
		return nil, b.notThere()
	}
	b.objects[aws.ToString(in.Key)] = o
	return &s3.CopyObjectOutput{}, nil
}

func (b *bucket) DeleteObjects(_ context.Context, in *s3.DeleteObjectsInput, _ ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range in.Delete.Objects {
		delete(b.objects, aws.ToString(o.Key))
	}
	return &s3.DeleteObjectsOutput{}, nil
}

func (b *bucket) PresignGetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	b.signed = in
	return &v4.PresignedHTTPRequest{URL: "https://mail.s3.amazonaws.com/" + url.PathEscape(aws.ToString(in.Key))}, nil
}

func (b *bucket) PresignPostObject(context.Context, *s3.PutObjectInput, ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error) {
	return nil, errors.New("no upload slots in these tests")
}

var limits = DefaultLimits{MaxBytes: 1000, MaxFiles: 3}

func newService(t *testing.T, c S3, p Presigner, opts ...Option) *Service {
	t.Helper()
	b, err := NewBucket(c, p, "mail", limits, opts...)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte("attachment-test-secret-01234567"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(allow{}, b, signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var agent = chat.Principal{Role: chat.RoleAgent, ID: "a"}

func TestGet(t *testing.T) {
	files := []string{"m1/1-logo.svg", "m1/2-page.HTML", "m1/3-report.pdf", "m1/4-photo.JPG", "m1/5-data.xml", "m1/6-no extension", "m1/7-Zoë \"x\".png"}
	b := newBucket()
	for _, f := range files {
		b.put(Folder+conv+"/"+f, 1, "", nil)
	}
	svc := newService(t, b, b)
	tests := []struct {
		rest, ctype, disposition string
	}{
		{"m1/1-logo.svg", "application/octet-stream", `attachment; filename=logo.svg`},
		{"m1/2-page.HTML", "application/octet-stream", `attachment; filename=page.HTML`},
		{"m1/3-report.pdf", "application/octet-stream", `attachment; filename=report.pdf`},
		{"m1/4-photo.JPG", "image/jpeg", `inline; filename=photo.JPG`},
		{"m1/5-data.xml", "application/octet-stream", `attachment; filename=data.xml`},
		{"m1/6-no extension", "application/octet-stream", `attachment; filename="no extension"`},
		{"m1/7-Zoë \"x\".png", "image/png", `inline; filename*=utf-8''Zo%C3%AB%20%22x%22.png`},
	}
	for _, tt := range tests {
		t.Run(tt.rest, func(t *testing.T) {
			d, err := svc.Get(t.Context(), agent, conv, encodeID(tt.rest))
			if err != nil {
				t.Fatal(err)
			}
			got := []string{aws.ToString(b.signed.ResponseContentType), aws.ToString(b.signed.ResponseContentDisposition), aws.ToString(b.signed.Key)}
			want := []string{tt.ctype, tt.disposition, Folder + conv + "/" + tt.rest}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("signed (-want +got):\n%s", diff)
			}
			if d.ExpiresIn != int(URLTTL.Seconds()) || d.Inline != (tt.ctype != "application/octet-stream") {
				t.Errorf("download = %+v", d)
			}
		})
	}
}

func TestGetRefusesIDsOutsideTheConversation(t *testing.T) {
	b := newBucket()
	b.put(Folder+"other-conv/m1/1-a.pdf", 1, "", nil)
	b.put(Folder+conv+"/m1/1-a.pdf", 1, "", nil)
	svc := newService(t, b, b)
	for _, id := range []string{
		"", "!!!", encodeID("../other-conv/m1/1-a.pdf"), encodeID("m1/../../other-conv/m1/1-a.pdf"), encodeID("/m1/1-a.pdf"),
		encodeID("m1"), encodeID("m1/"), encodeID("m1/1-a.pdf\n"), encodeID(`m1\1-a.pdf`), encodeID("m1/2-missing.pdf"),
	} {
		_, err := svc.Get(t.Context(), agent, conv, id)
		var ce *chat.Error
		if !errors.Is(err, chat.ErrNotFound) || !errors.As(err, &ce) || ce.Message != "attachment not found" {
			t.Errorf("id %q: %v, want the one not-found answer", id, err)
		}
	}
	if b.signed != nil {
		t.Errorf("presigned %s for a refused id", aws.ToString(b.signed.Key))
	}
}

// TestGetMissingKeyWithoutListBucket: the 403 S3 answers for a missing key
// (the function may not list the whole bucket) reads as an unknown id; any
// other failure is an error, not a not-found.
func TestGetMissingKeyWithoutListBucket(t *testing.T) {
	b := newBucket()
	b.missing = http.StatusForbidden
	svc := newService(t, b, b)
	if _, err := svc.Get(t.Context(), agent, conv, encodeID("m1/1-a.pdf")); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("403 for a missing key = %v, want not found", err)
	}
	b.missing = http.StatusServiceUnavailable
	if _, err := svc.Get(t.Context(), agent, conv, encodeID("m1/1-a.pdf")); err == nil || errors.Is(err, chat.ErrNotFound) {
		t.Errorf("503 = %v, want an error that is not a not-found", err)
	}
}

// TestServeScanned: with scanning on, a file is served only once its scan
// found it clean; a threat found and a scan that could not run keep it
// back for good, a scan not done yet for now, each saying so.
func TestServeScanned(t *testing.T) {
	b := newBucket()
	verdicts := map[string]string{"clean": "NO_THREATS_FOUND", "infected": "THREATS_FOUND", "unsupported": "UNSUPPORTED", "failed": "FAILED", "denied": "ACCESS_DENIED"}
	for name, v := range verdicts {
		b.put(Folder+conv+"/m1/1-"+name+".pdf", 1, "", map[string]string{ScanTag: v, "other": "x"})
	}
	b.put(Folder+conv+"/m1/1-fresh.pdf", 1, "", map[string]string{"other": "x"})
	tests := []struct {
		name    string
		scanned bool
		want    error
		message string
	}{
		{"clean", true, nil, ""},
		{"infected", true, chat.ErrBlocked, "the malware scan found a threat in it"},
		{"unsupported", true, chat.ErrBlocked, "it could not be scanned for malware"},
		{"failed", true, chat.ErrBlocked, "it could not be scanned for malware"},
		{"denied", true, chat.ErrBlocked, "it could not be scanned for malware"},
		{"fresh", true, chat.ErrPending, "being scanned for malware"},
		{"missing", true, chat.ErrNotFound, "attachment not found"},
		// Without scanning, tags are not read at all.
		{"infected", false, nil, ""},
		{"fresh", false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s scanned %v", tt.name, tt.scanned), func(t *testing.T) {
			var opts []Option
			if tt.scanned {
				opts = append(opts, ServeScanned())
			}
			svc := newService(t, b, b, opts...)
			d, err := svc.Get(t.Context(), agent, conv, encodeID("m1/1-"+tt.name+".pdf"))
			if !errors.Is(err, tt.want) || (err != nil && !strings.Contains(err.Error(), tt.message)) {
				t.Fatalf("Get = %v, want %v (%q)", err, tt.want, tt.message)
			}
			if err == nil && d.URL == "" {
				t.Error("no URL for a servable file")
			}
		})
	}
}

func TestAcceptedName(t *testing.T) {
	long := strings.Repeat("ä", 200) + ".pdf"
	tests := []struct {
		raw, name, ctype string
		ok               bool
	}{
		{"Screenshot 2026-12-07 at 10.41.22.png", "Screenshot 2026-12-07 at 10.41.22.png", "image/png", true},
		{"C:\\Users\\ada\\invoice.PDF", "invoice.PDF", "application/pdf", true},
		{"../../etc/report.docx", "report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", true},
		{"logo.svg", "logo.svg", "image/svg+xml", true},
		{"page.html", "page.html", "text/html", true},
		{"a\r\nb\"c\u2028.txt", "a__b_c_.txt", "text/plain", true},
		{"  spaced   out .csv ", "spaced out .csv", "text/csv", true},
		{long, strings.Repeat("ä", maxNameRunes-4) + ".pdf", "application/pdf", true},
		{"setup.exe", "", "", false},
		{"script.js", "", "", false},
		{"run.sh", "", "", false},
		{"README", "", "", false},
		{".png", "", "", false},
		{"", "", "", false},
		{"...", "", "", false},
		{"dir/", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			name, ctype, err := acceptedName(tt.raw)
			if (err == nil) != tt.ok {
				t.Fatalf("acceptedName(%q) = %q, %q, %v; want ok %v", tt.raw, name, ctype, err, tt.ok)
			}
			if err != nil && !errors.Is(err, chat.ErrInvalid) {
				t.Errorf("error %v is not an invalid request", err)
			}
			if name != tt.name || ctype != tt.ctype {
				t.Errorf("acceptedName(%q) = %q, %q; want %q, %q", tt.raw, name, ctype, tt.name, tt.ctype)
			}
		})
	}
}
