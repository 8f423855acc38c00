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
	"github.com/aws/smithy-go"

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

// TestCopySourcePlus: the copy source is decoded as S3 decodes it, '+'
// as a space.
func TestCopySourcePlus(t *testing.T) {
	_, c := client(t)
	ctx := t.Context()
	// The copy source is decoded as S3 decodes it: '+' is a space.
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("mail"), Key: aws.String("uploads/u1/C++ 1+1.txt"), Body: strings.NewReader("plus")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("mail"), Key: aws.String("y"), CopySource: aws.String("mail/uploads/u1/C++%201+1.txt")}); err == nil {
		t.Error("a copy source with '+' for '+' found the key; S3 reads '+' as a space")
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("mail"), Key: aws.String("y"), CopySource: aws.String("mail/uploads/u1/C%2B%2B+1%2B1.txt")}); err != nil {
		t.Errorf("copy source with '%%2B' and '+' for a space: %v", err)
	}
}

// TestCopyTagsAndBatchDelete: CopyObject keeps the source's type,
// metadata and tags; tags are read and replaced; DeleteObjects removes
// every key it names; a scanner tags every object as it is created.
func TestCopyTagsAndBatchDelete(t *testing.T) {
	s, c := client(t)
	ctx := t.Context()
	s.Scan(func(bucket, key string, data []byte) map[string]string {
		if !strings.HasPrefix(key, "attachments/") {
			return nil
		}
		if bytes.Contains(data, []byte("bad")) {
			return map[string]string{"Verdict": "BAD"}
		}
		return map[string]string{"Verdict": "OK"}
	})
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("mail"), Key: aws.String("uploads/u1/photo 1.png"), Body: strings.NewReader("png bad bytes"),
		ContentType: aws.String("image/png"), Metadata: map[string]string{"by": "v1"}, Tagging: aws.String("stage=pending"),
	}); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Get("mail", "uploads/u1/photo 1.png"); o.Tags["Verdict"] != "" || o.Tags["stage"] != "pending" {
		t.Errorf("tags outside the scanned prefix = %v, want only the put's", o.Tags)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String("mail"), Key: aws.String("attachments/c1/u1/1-photo 1.png"), CopySource: aws.String("mail/uploads/u1/photo%201.png"),
	}); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("mail"), Key: aws.String("attachments/c1/u1/1-photo 1.png")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ContentType) != "image/png" || head.Metadata["by"] != "v1" || aws.ToInt64(head.ContentLength) != 13 || aws.ToInt32(head.TagCount) != 2 {
		t.Errorf("copy: type %q, metadata %v, length %d, %d tags", aws.ToString(head.ContentType), head.Metadata, aws.ToInt64(head.ContentLength), aws.ToInt32(head.TagCount))
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("mail"), Key: aws.String("attachments/c1/u1/1-photo 1.png")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tg := range tags.TagSet {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if got["stage"] != "pending" || got["Verdict"] != "BAD" {
		t.Errorf("tags of the copy = %v, want the source's and the scanner's", got)
	}
	if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("mail"), Key: aws.String("attachments/c1/u1/1-photo 1.png"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("Verdict"), Value: aws.String("OK")}}}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Get("mail", "attachments/c1/u1/1-photo 1.png"); len(o.Tags) != 1 || o.Tags["Verdict"] != "OK" {
		t.Errorf("tags after PutObjectTagging = %v, want only Verdict=OK", o.Tags)
	}
	// CopyObject's errors are not modelled: S3's code tells.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("mail"), Key: aws.String("x"), CopySource: aws.String("mail/missing")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchKey" {
		t.Errorf("copy of a missing key: %v, want NoSuchKey", err)
	}
	_, err = c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("mail"), Key: aws.String("missing")})
	if err == nil || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Errorf("tags of a missing key: %v, want NoSuchKey", err)
	}

	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("mail"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("uploads/u1/photo 1.png")}, {Key: aws.String("attachments/c1/u1/1-photo 1.png")}, {Key: aws.String("never-there")},
	}}})
	if err != nil || len(out.Deleted) != 3 || len(out.Errors) != 0 {
		t.Fatalf("DeleteObjects = %+v, %v; want 3 deleted", out, err)
	}
	if keys := s.Keys("mail", ""); len(keys) != 0 {
		t.Errorf("after DeleteObjects the bucket holds %v", keys)
	}
}
