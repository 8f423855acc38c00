package bucket

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/parleychat/parley/shared/awscall/awscalltest"
)

// TestCopySourcePlus: S3 reads x-amz-copy-source as a URL-encoded path
// in which '+' stands for a space (aws-cli#614, aws-sdk-php#236), so a
// '+' of the source key must go as %2B, or a file named "C++ notes.pdf"
// is NoSuchKey when its upload is committed.
func TestCopySourcePlus(t *testing.T) {
	srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer {
		return awscalltest.Answer{Status: 200, Body: []byte(`<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>`)}
	})
	b, err := New(awscalltest.Config(), srv.Endpoint(), mailBucket, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	const src = "uploads/new/v-1/u1/C++ notes (1)+a=b&c.pdf"
	if err := b.Copy(t.Context(), src, "attachments/c1/u1/1-C++ notes.pdf"); err != nil {
		t.Fatal(err)
	}
	got := srv.Take()[0].Header.Get("X-Amz-Copy-Source")
	// As S3 decodes it: form decoding, '+' a space.
	decoded, err := url.QueryUnescape(got)
	if err != nil || decoded != mailBucket+"/"+src {
		t.Errorf("x-amz-copy-source %q reads as %q in S3, want %q", got, decoded, mailBucket+"/"+src)
	}
}

// s3Error200 is S3's answer to a call that failed after it answered 200
// (https://repost.aws/knowledge-center/s3-resolve-200-internalerror).
const s3Error200 = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>r</RequestId></Error>`

// TestError200: the SDK takes a 200 answer holding an <Error> document as
// a 500 for every S3 operation but GetObject
// (service/s3/internal/customizations/handle_200_error.go), so it retries
// it and, if it persists, fails. The bucket must not take it as success:
// a DeleteObjects that deleted nothing, or a listing that found nothing.
func TestError200(t *testing.T) {
	ok := map[string]string{
		"delete": `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>`,
		"list": `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>` +
			`<Contents><Key>attachments/c1/a</Key><Size>4</Size></Contents></ListBucketResult>`,
		"copy": `<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>`,
	}
	kind := func(r awscalltest.Recorded) string {
		switch {
		case strings.Contains(r.RawQuery, "delete"):
			return "delete"
		case strings.Contains(r.RawQuery, "list-type"):
			return "list"
		}
		return "copy"
	}
	for _, failures := range []int{1, 10} {
		for _, op := range []string{"delete", "list", "copy"} {
			t.Run(fmt.Sprintf("%s/%d failures", op, failures), func(t *testing.T) {
				var mu sync.Mutex
				calls := 0
				srv := awscalltest.New(t, func(r awscalltest.Recorded) awscalltest.Answer {
					mu.Lock()
					defer mu.Unlock()
					calls++
					if (calls-1)%3 < failures { // each client's three attempts
						return awscalltest.Answer{Status: 200, Body: []byte(s3Error200)}
					}
					return awscalltest.Answer{Status: 200, Body: []byte(ok[kind(r)])}
				})
				cfg := awscalltest.Config()
				sdk := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = srv.Endpoint(); o.UsePathStyle = true })
				b, err := New(cfg, srv.Endpoint(), mailBucket, time.Now)
				if err != nil {
					t.Fatal(err)
				}
				ctx := t.Context()
				var sdkErr, ourErr error
				var ours []string
				switch op {
				case "delete":
					_, sdkErr = sdk.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(mailBucket),
						Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("attachments/c1/a")}}, Quiet: aws.Bool(true)}})
				case "list":
					_, sdkErr = sdk.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(mailBucket), Prefix: aws.String("attachments/c1/")})
				case "copy":
					_, sdkErr = sdk.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(mailBucket), Key: aws.String("b"), CopySource: aws.String("mail/a")})
				}
				mu.Lock()
				sdkCalls := calls
				calls = 0 // our client starts again
				mu.Unlock()
				switch op {
				case "delete":
					ourErr = b.Delete(ctx, []string{"attachments/c1/a"})
				case "list":
					var objs []objectKey
					objs, ourErr = listKeys(ctx, b, "attachments/c1/")
					for _, o := range objs {
						ours = append(ours, string(o))
					}
				case "copy":
					ourErr = b.Copy(ctx, "a", "b")
				}
				mu.Lock()
				ourCalls := calls
				mu.Unlock()
				if (sdkErr == nil) != (ourErr == nil) || ourCalls != sdkCalls {
					t.Errorf("err = %v after %d requests; the SDK's %v after %d", ourErr, ourCalls, sdkErr, sdkCalls)
				}
				if op == "list" && ourErr == nil && len(ours) != 1 {
					t.Errorf("listed %v after a 200 error answer, want the one key", ours)
				}
			})
		}
	}
}

type objectKey string

func listKeys(ctx context.Context, b *Bucket, prefix string) ([]objectKey, error) {
	objs, _, err := b.List(ctx, prefix, "")
	var keys []objectKey
	for _, o := range objs {
		keys = append(keys, objectKey(o.Key))
	}
	return keys, err
}

// TestListFullPage: a page of 1,000 keys of Parley's own shape (a file
// name of 120 characters) is over a megabyte when the name holds
// characters S3 escapes in XML (& ' < > "): the SDK reads it, the bucket
// must too, or the conversation's files can be neither listed nor erased.
func TestListFullPage(t *testing.T) {
	name := strings.Repeat("'", 116) + ".pdf" // cleanName keeps it whole
	var body bytes.Buffer
	body.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>mail</Name><Prefix>attachments/0e7a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b/</Prefix>` +
		`<KeyCount>1000</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>`)
	for i := range 1000 {
		key := fmt.Sprintf("attachments/0e7a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b/%08d-1e2f-4a5b-8c6d-7e8f9a0b1c2d/1-%s", i, name)
		// S3 escapes the five XML specials (aws-sdk-cpp#1521).
		esc := strings.ReplaceAll(html.EscapeString(key), "&#39;", "&apos;")
		fmt.Fprintf(&body, `<Contents><Key>%s</Key><LastModified>2026-10-12T17:50:30.000Z</LastModified><ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>`+
			`<ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><ChecksumType>FULL_OBJECT</ChecksumType><Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>`, esc)
	}
	body.WriteString(`</ListBucketResult>`)
	t.Logf("answer: %d bytes", body.Len())
	srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer {
		return awscalltest.Answer{Status: 200, Body: body.Bytes()}
	})
	cfg := awscalltest.Config()
	sdk := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = srv.Endpoint(); o.UsePathStyle = true })
	out, err := sdk.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(mailBucket), Prefix: aws.String("attachments/")})
	if err != nil || len(out.Contents) != 1000 {
		t.Fatalf("the SDK: %v", err)
	}
	b, err := New(cfg, srv.Endpoint(), mailBucket, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	objs, next, err := b.List(t.Context(), "attachments/", "")
	if err != nil || len(objs) != 1000 || next == "" || !strings.HasSuffix(objs[0].Key, name) {
		t.Fatalf("List = %d objects, next %q, %v; want the 1,000 the SDK read", len(objs), next, err)
	}
}

// TestOpenStoredGzip: an object stored with Content-Encoding: gzip is
// served as stored; the SDK asks for it as stored (Accept-Encoding:
// identity), so Open's bytes are the object's and match Head's size. Go's
// transport otherwise asks for gzip and unzips the object itself.
func TestOpenStoredGzip(t *testing.T) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	io.WriteString(w, "hello, hello, hello")
	w.Close()
	stored := z.Bytes()
	srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer {
		return awscalltest.Answer{Status: 200, Header: http.Header{"Content-Encoding": {"gzip"}, "Content-Type": {"text/plain"}}, Body: stored}
	})
	cfg := awscalltest.Config()
	sdk := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = srv.Endpoint(); o.UsePathStyle = true })
	out, err := sdk.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(mailBucket), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := io.ReadAll(out.Body)
	out.Body.Close()
	b, err := New(cfg, srv.Endpoint(), mailBucket, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, want) || !bytes.Equal(got, stored) {
		t.Errorf("Open read %q, the SDK %q; stored %q", got, want, stored)
	}
}
