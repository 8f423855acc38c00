package localcloud

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/infra/localcloud/s3emu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

// TestS3FromTemplate: the local S3 gives the template's buckets their
// lifecycle and CORS rules and runs on the clock it is handed (the cloud's,
// which Advance moves).
func TestS3FromTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(path, []byte(`
Resources:
  FilesBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: files
      LifecycleConfiguration:
        Rules: [{ Id: expire-uploads, Status: Enabled, Prefix: uploads/, ExpirationInDays: 1 }]
      CorsConfiguration:
        CorsRules: [{ AllowedOrigins: ["http://localhost:3000"], AllowedMethods: [POST] }]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := template.Load(path, template.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	s3, err := newS3(m.Mail, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"uploads/u1", "attachments/a1"} {
		if err := s3.Put("files", key, s3emu.Object{Data: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(36 * time.Hour) // past midnight after a day
	if _, ok := s3.Get("files", "uploads/u1"); ok {
		t.Error("the upload outlived its lifecycle rule")
	}
	if _, ok := s3.Get("files", "attachments/a1"); !ok {
		t.Error("an object outside the rule's prefix expired")
	}

	req := httptest.NewRequest(http.MethodOptions, "/files", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	rec := httptest.NewRecorder()
	s3.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("preflight from the allowed origin: %d %v, want 200 allowing it", rec.Code, rec.Header())
	}
}
