package s3emu_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/infra/localcloud/s3emu"
)

// TestPresignedGet: a URL presigned by the SDK downloads with the
// overrides it asks for and nosniff; any change to it, its expiry, or no
// signature at all is refused.
func TestPresignedGet(t *testing.T) {
	now := time.Now()
	s := s3emu.New("mail").Private(map[string]string{"local": "local-secret"}, func() time.Time { return now })
	if err := s.Put("mail", "attachments/c1/m1/1-logo (1).svg", s3emu.Object{Data: []byte("<svg onload=alert(1)/>"), ContentType: "application/octet-stream"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	presign := func(secret string) string {
		c := s3.New(s3.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "local", SecretAccessKey: secret}, nil
			}),
		})
		req, err := s3.NewPresignClient(c).PresignGetObject(t.Context(), &s3.GetObjectInput{
			Bucket: aws.String("mail"), Key: aws.String("attachments/c1/m1/1-logo (1).svg"),
			ResponseContentType:        aws.String("application/octet-stream"),
			ResponseContentDisposition: aws.String(`attachment; filename="logo (1).svg"`),
		}, s3.WithPresignExpires(5*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return req.URL
	}
	get := func(u string) (int, http.Header, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	good := presign("local-secret")
	status, h, body := get(good)
	if status != 200 || body != "<svg onload=alert(1)/>" {
		t.Fatalf("presigned GET = %d %q", status, body)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/octet-stream", "Content-Disposition": `attachment; filename="logo (1).svg"`, "X-Content-Type-Options": "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox", "Referrer-Policy": "no-referrer",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	sig := good[strings.Index(good, "X-Amz-Signature=")+len("X-Amz-Signature="):][:64]
	flipped := strings.Replace(good, sig, strings.Repeat("0", 64), 1)
	refused := []struct{ name, url, code string }{
		{"another secret", presign("guessed"), "SignatureDoesNotMatch"},
		{"signature changed", flipped, "SignatureDoesNotMatch"},
		{"another key", strings.Replace(good, "1-logo", "2-logo", 1), "SignatureDoesNotMatch"},
		{"inline asked instead", strings.Replace(good, "attachment%3B", "inline%3B", 1), "SignatureDoesNotMatch"},
		{"longer expiry", strings.Replace(good, "X-Amz-Expires=300", "X-Amz-Expires=3000", 1), "SignatureDoesNotMatch"},
		{"unknown access key", strings.Replace(good, "Credential=local", "Credential=other", 1), "InvalidAccessKeyId"},
		{"no signature", srv.URL + "/mail/attachments/c1/m1/1-logo%20%281%29.svg", "AccessDenied"},
		{"unsigned override", srv.URL + "/mail/attachments/c1/m1/1-logo%20%281%29.svg?response-content-type=text%2Fhtml", "AccessDenied"},
	}
	for _, tt := range refused {
		status, _, body := get(tt.url)
		if status != http.StatusForbidden || !strings.Contains(body, "<Code>"+tt.code+"</Code>") {
			t.Errorf("%s: %d %s, want 403 %s", tt.name, status, body, tt.code)
		}
	}

	now = now.Add(5*time.Minute + time.Second)
	if status, _, body := get(good); status != http.StatusForbidden || !strings.Contains(body, "Request has expired") {
		t.Errorf("expired URL: %d %s, want 403 expired", status, body)
	}
}
