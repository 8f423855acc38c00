package widgetapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/widgetapi"
)

// fakeBucket presigns upload slots and counts them; it holds no object.
type fakeBucket struct{ presigned int }

var errNoObjects = errors.New("no objects here")

func (b *fakeBucket) PresignPost(_ context.Context, key string, _ int64, ctype string, _ time.Duration) (string, map[string]string, error) {
	b.presigned++
	return "https://mail.s3.example.com", map[string]string{"key": key, "policy": "p", "Content-Type": ctype}, nil
}

func (b *fakeBucket) PresignGet(context.Context, string, attachment.Serving, time.Duration) (string, error) {
	return "", errNoObjects
}

func (b *fakeBucket) List(context.Context, string, string) ([]attachment.Object, string, error) {
	return nil, "", errNoObjects
}

func (b *fakeBucket) Head(context.Context, string) (attachment.Object, error) {
	return attachment.Object{}, errNoObjects
}

func (b *fakeBucket) Open(context.Context, string) (io.ReadCloser, error) { return nil, errNoObjects }

func (b *fakeBucket) Tags(context.Context, string) (map[string]string, error) {
	return nil, errNoObjects
}

func (b *fakeBucket) Copy(context.Context, string, string) error { return errNoObjects }

func (b *fakeBucket) Delete(context.Context, []string) error { return errNoObjects }

// files is the attachment service over b, as the function wires it.
func files(t *testing.T, svc *chat.Service, b *fakeBucket, signer attachment.Links) *attachment.Service {
	t.Helper()
	bucket, err := attachment.NewBucket(b, attachment.DefaultLimits{MaxBytes: 10 << 20, MaxFiles: 5})
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
	f, err := widgetapi.NewFiles(widgetapi.FilesDeps{
		Signer: h.signer, ChannelID: "main", Origins: h.deps.Origins, Tokens: h.deps.Identity,
		Limiter: ratelimit.New(h.st, ratelimit.Limits{Uploads: chat.RateLimit{Limit: 8, Window: time.Minute}}, nil),
		Files:   files(t, h.svc, b, h.signer),
	})
	if err != nil {
		t.Fatal(err)
	}
	token := h.signer.VisitorToken(uuid.NewString(), "main")
	ask := func(origin, token, body string) (int, string) {
		req := request(t, "POST /widget/uploads", body)
		req.Headers["origin"] = origin
		req.Headers["authorization"] = "Bearer " + token
		res, err := f.Handle(t.Context(), req)
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
