package widgetapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
)

// fakeBucket presigns upload slots and counts them; it holds no object.
type fakeBucket struct{ presigned int }

var errNoObjects = errors.New("no objects here")

func (b *fakeBucket) PresignPostObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error) {
	b.presigned++
	return &s3.PresignedPostRequest{URL: "https://mail.s3.example.com", Values: map[string]string{"key": *in.Key, "policy": "p"}}, nil
}

func (b *fakeBucket) PresignGetObject(context.Context, *s3.GetObjectInput, ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	return nil, errNoObjects
}

func (b *fakeBucket) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return nil, errNoObjects
}

func (b *fakeBucket) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, errNoObjects
}

func (b *fakeBucket) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, errNoObjects
}

func (b *fakeBucket) GetObjectTagging(context.Context, *s3.GetObjectTaggingInput, ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error) {
	return nil, errNoObjects
}

func (b *fakeBucket) CopyObject(context.Context, *s3.CopyObjectInput, ...func(*s3.Options)) (*s3.CopyObjectOutput, error) {
	return nil, errNoObjects
}

func (b *fakeBucket) DeleteObjects(context.Context, *s3.DeleteObjectsInput, ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	return nil, errNoObjects
}

// files is the attachment service over b, as the function wires it.
func files(t *testing.T, svc *chat.Service, b *fakeBucket, signer attachment.Links) *attachment.Service {
	t.Helper()
	bucket, err := attachment.NewBucket(b, b, "mail", attachment.DefaultLimits{MaxBytes: 10 << 20, MaxFiles: 5})
	if err != nil {
		t.Fatal(err)
	}
	s, err := attachment.New(svc, bucket, signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUploadSlot: a slot is signed only for the visitor of an allowed
// origin, for a file the channel accepts, within the visitor's limit of
// slots; everything the server can tell is refused before signing.
func TestUploadSlot(t *testing.T) {
	h := setup(t)
	b := &fakeBucket{}
	h.deps.Files = files(t, h.svc, b, h.signer)
	h.deps.Limiter = ratelimit.New(h.st, ratelimit.Limits{Uploads: chat.RateLimit{Limit: 8, Window: time.Minute}}, nil)
	h.build(t)
	token := h.signer.VisitorToken(uuid.NewString(), "main")
	ask := func(origin, token, body string) (int, string) {
		req := request(t, "POST /widget/uploads", body)
		req.Headers["origin"] = origin
		req.Headers["authorization"] = "Bearer " + token
		res, err := h.h.Handle(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, res.Body
	}
	const good = `{"filename":"screen shot.png","size":1234}`
	tests := []struct {
		name, origin, token, body string
		status                    int
		code                      string
	}{
		{"another origin", "https://evil.example.com", token, good, http.StatusUnauthorized, "unauthorized"},
		{"no token", "https://www.example.com", "", good, http.StatusUnauthorized, "unauthorized"},
		{"a program", "https://www.example.com", token, `{"filename":"setup.exe","size":10}`, http.StatusBadRequest, "invalid_request"},
		{"no extension", "https://www.example.com", token, `{"filename":"README","size":10}`, http.StatusBadRequest, "invalid_request"},
		{"too large", "https://www.example.com", token, `{"filename":"a.pdf","size":10485761}`, http.StatusRequestEntityTooLarge, "too_large"},
		{"empty", "https://www.example.com", token, `{"filename":"a.pdf","size":0}`, http.StatusBadRequest, "invalid_request"},
		{"someone else's conversation", "https://www.example.com", token, `{"conversationId":"` + uuid.NewString() + `","filename":"a.pdf","size":5}`, http.StatusNotFound, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := ask(tt.origin, tt.token, tt.body)
			if status != tt.status || !strings.Contains(body, `"code":"`+tt.code+`"`) {
				t.Errorf("= %d %s, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
	if b.presigned != 0 {
		t.Fatalf("%d slots signed for refused requests", b.presigned)
	}
	status, body := ask("https://www.example.com", token, good)
	var slot attachment.Slot
	if err := json.Unmarshal([]byte(body), &slot); status != http.StatusOK || err != nil {
		t.Fatalf("slot = %d %s", status, body)
	}
	if !strings.HasPrefix(slot.Key, "uploads/new/v-") || !strings.HasSuffix(slot.Key, "/screen shot.png") || slot.Fields["Content-Type"] != "image/png" ||
		slot.ContentType != "image/png" || slot.MaxBytes != 10<<20 || slot.MaxFiles != 5 {
		t.Errorf("slot = %+v", slot)
	}
	// The visitor's limit (8 a minute here) counts every slot asked for by
	// a visitor of an allowed origin, refused or not: 6 so far.
	for range 2 {
		if status, body := ask("https://www.example.com", token, good); status != http.StatusOK {
			t.Fatalf("slot within the limit = %d %s", status, body)
		}
	}
	if status, body := ask("https://www.example.com", token, good); status != http.StatusTooManyRequests {
		t.Errorf("9th slot in a minute = %d %s, want 429", status, body)
	}
}
