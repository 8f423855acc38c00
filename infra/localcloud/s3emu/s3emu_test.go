package s3emu_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/parleychat/parley/infra/localcloud/s3emu"
)

// client is a real SDK client, path-style, at the emulator under a path
// prefix as the local cloud serves it.
func srvURL(_ *testing.T, c *s3.Client) string {
	return strings.TrimSuffix(aws.ToString(c.Options().BaseEndpoint), "/")
}

func client(t *testing.T) (*s3emu.Server, *s3.Client) {
	s := s3emu.New("mail")
	mux := http.NewServeMux()
	mux.Handle("/_aws/s3/", http.StripPrefix("/_aws/s3", s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL + "/_aws/s3"), UsePathStyle: true,
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1,
	})
}

func TestObjects(t *testing.T) {
	s, c := client(t)
	ctx := t.Context()
	bodies := map[string]io.Reader{
		"attachments/c1/m1/1-report (final).pdf": bytes.NewReader([]byte("%PDF-1.4 seekable")),
	}
	want := map[string]string{
		"attachments/c1/m1/1-report (final).pdf": "%PDF-1.4 seekable",
		"inbound/streamed":                       "From: a@b.cd\r\n\r\nstreamed body",
	}
	for key, body := range bodies {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("mail"), Key: aws.String(key), Body: body,
			ContentType: aws.String("application/octet-stream"), ContentDisposition: aws.String(`attachment; filename="x.pdf"`),
			CacheControl: aws.String("no-cache"), Metadata: map[string]string{"uploader": "agent:a1"},
		}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	// SDKs stream bodies with the aws-chunked encoding and trailing
	// checksums; the emulator stores the decoded bytes.
	s.Put("mail", "placeholder", s3emu.Object{})
	chunked := "10;chunk-signature=abc\r\nFrom: a@b.cd\r\n\r\n\r\n0d\r\nstreamed body\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, srvURL(t, c)+"/mail/inbound/streamed", strings.NewReader(chunked))
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Content-Disposition", `attachment; filename="x.pdf"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("chunked put: %v %v", err, resp)
	}
	resp.Body.Close()
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("mail"), Key: aws.String("placeholder")}); err != nil {
		t.Fatal(err)
	}
	for key, w := range want {
		if o, ok := s.Get("mail", key); !ok || string(o.Data) != w {
			t.Errorf("stored %s = %q, want %q", key, o.Data, w)
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mail"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if string(got) != w || aws.ToString(out.ContentDisposition) != `attachment; filename="x.pdf"` {
			t.Errorf("get %s = %q (%q)", key, got, aws.ToString(out.ContentDisposition))
		}
		if key == "attachments/c1/m1/1-report (final).pdf" && aws.ToString(out.CacheControl) != "no-cache" {
			t.Errorf("get %s: Cache-Control %q, want the one it was put with", key, aws.ToString(out.CacheControl))
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mail"), Key: aws.String(key)})
		if err != nil || aws.ToInt64(head.ContentLength) != int64(len(w)) {
			t.Fatalf("head %s: %v %v", key, err, head)
		}
		if _, put := bodies[key]; put && head.Metadata["uploader"] != "agent:a1" {
			t.Errorf("head %s: metadata %v, want the uploader PutObject set", key, head.Metadata)
		}
	}
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("mail"), Prefix: aws.String("inbound/")})
	if err != nil || len(list.Contents) != 1 || aws.ToString(list.Contents[0].Key) != "inbound/streamed" {
		t.Errorf("list: %v %+v", err, list)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("mail"), Key: aws.String("inbound/streamed")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mail"), Key: aws.String("inbound/streamed")})
	var nsk *types.NoSuchKey
	if !errors.As(err, &nsk) {
		t.Errorf("get after delete: %v, want NoSuchKey", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("other"), Key: aws.String("k"), Body: strings.NewReader("x")})
	if err == nil || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Errorf("put to an unknown bucket: %v, want NoSuchBucket", err)
	}
}
