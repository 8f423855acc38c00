package attachment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// presigned is what the bucket was last asked to sign.
type presigned struct {
	key  string
	s    Serving
	ttl  time.Duration
	size int64
}

// bucket is the mail bucket's objects in memory; it records what it was
// asked to presign. (shared/bucket's tests cover S3 itself.)
type bucket struct {
	mu      sync.Mutex
	objects map[string]object
	signed  *presigned
	// missing is what a key that is not there answers (chat.ErrNotFound
	// when nil).
	missing error
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

func (b *bucket) notThere(key string) error {
	if b.missing != nil {
		return b.missing
	}
	return fmt.Errorf("object %s: %w", key, chat.ErrNotFound)
}

func (b *bucket) get(key string) (object, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[key]
	if !ok {
		return object{}, b.notThere(key)
	}
	return o, nil
}

func (b *bucket) List(_ context.Context, prefix, _ string) ([]Object, string, error) {
	var out []Object
	for _, k := range b.keys(prefix) {
		o, _ := b.get(k)
		out = append(out, Object{Key: k, Size: o.size})
	}
	return out, "", nil
}

func (b *bucket) Head(_ context.Context, key string) (Object, error) {
	o, err := b.get(key)
	return Object{Key: key, Size: o.size, ContentType: o.ctype}, err
}

func (b *bucket) Open(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("not read in these tests")
}

func (b *bucket) Tags(_ context.Context, key string) (map[string]string, error) {
	o, err := b.get(key)
	return o.tags, err
}

func (b *bucket) Copy(_ context.Context, src, dst string) error {
	o, err := b.get(src)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[dst] = o
	return nil
}

func (b *bucket) Delete(_ context.Context, keys []string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		delete(b.objects, k)
	}
	return nil
}

func (b *bucket) PresignGet(_ context.Context, key string, s Serving, ttl time.Duration) (string, error) {
	b.signed = &presigned{key: key, s: s, ttl: ttl}
	return "https://mail.s3.amazonaws.com/" + url.PathEscape(key) + "?X-Amz-Signature=x", nil
}

func (b *bucket) PresignPost(_ context.Context, key string, size int64, ctype string, ttl time.Duration) (string, map[string]string, error) {
	b.signed = &presigned{key: key, s: Serving{ContentType: ctype}, ttl: ttl, size: size}
	return "https://mail.s3.amazonaws.com", map[string]string{"key": key, "policy": "p", "Content-Type": ctype}, nil
}

var limits = DefaultLimits{MaxBytes: 1000, MaxFiles: 3}

func newService(t *testing.T, objects Objects, opts ...Option) *Service {
	t.Helper()
	b, err := NewBucket(objects, limits, opts...)
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
	svc := newService(t, b)
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
			want := &presigned{key: Folder + conv + "/" + tt.rest, s: Serving{ContentType: tt.ctype, Disposition: tt.disposition, CacheControl: "private, no-store"}, ttl: URLTTL}
			if diff := cmp.Diff(want, b.signed, cmp.AllowUnexported(presigned{})); diff != "" {
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
	svc := newService(t, b)
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
		t.Errorf("presigned %s for a refused id", b.signed.key)
	}
}

// TestGetFailingBucket: a bucket that fails (rather than saying the key
// is not there) is an error, not an unknown id.
func TestGetFailingBucket(t *testing.T) {
	b := newBucket()
	b.missing = errors.New("503 Service Unavailable")
	svc := newService(t, b)
	if _, err := svc.Get(t.Context(), agent, conv, encodeID("m1/1-a.pdf")); err == nil || errors.Is(err, chat.ErrNotFound) {
		t.Errorf("a failing bucket = %v, want an error that is not a not-found", err)
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
			svc := newService(t, b, opts...)
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
