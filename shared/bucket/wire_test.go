package bucket

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/awscall/awscalltest"
)

// TestWire: each call of the bucket is the request the SDK's S3 client
// makes for the same operation (path-style at a configured endpoint,
// virtual-hosted at AWS's), and the presigned URL and upload policy are
// the SDK's byte for byte when signed at the same time.
func TestWire(t *testing.T) {
	const key = "uploads/new/v-1/u1/Zoë's report (1)+a=b&c.pdf"
	answers := map[string]string{
		"tagging": `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`,
		"delete":  `<DeleteResult></DeleteResult>`,
		"list":    `<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>`,
		"copy":    `<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>`,
	}
	srv := awscalltest.New(t, func(r awscalltest.Recorded) awscalltest.Answer {
		h := http.Header{"Content-Length": {"4"}}
		for q, body := range answers {
			if strings.Contains(r.RawQuery, q) || q == "copy" && r.Header.Get("X-Amz-Copy-Source") != "" {
				return awscalltest.Answer{Status: 200, Body: []byte(body)}
			}
		}
		return awscalltest.Answer{Status: 200, Header: h, Body: []byte("%PDF")}
	})
	for _, virtual := range []bool{false, true} {
		cfg := awscalltest.Config()
		var endpoint *string
		if virtual {
			cfg.HTTPClient = srv.Redirect()
		} else {
			endpoint = srv.Endpoint()
		}
		sdk := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = endpoint; o.UsePathStyle = !virtual })
		b, err := New(cfg, endpoint, mailBucket, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		k, bk := aws.String(key), aws.String(mailBucket)
		// Over TLS the SDK leaves a put's payload unsigned; the bucket signs
		// it everywhere.
		call := func(name string, sdk, ours func() error) awscalltest.Call {
			c := awscalltest.Call{Name: name, SDK: sdk, Ours: ours}
			if name != "PutObject" || !virtual {
				c.Headers = []string{"X-Amz-Content-Sha256"}
			}
			return c
		}
		calls := []awscalltest.Call{
			call("HeadObject", func() error { _, err := sdk.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bk, Key: k}); return err },
				func() error { _, err := b.Head(ctx, key); return err }),
			call("GetObject", func() error {
				out, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: bk, Key: k})
				if err == nil {
					out.Body.Close()
				}
				return err
			}, func() error {
				r, err := b.Open(ctx, key)
				if err == nil {
					r.Close()
				}
				return err
			}),
			call("GetObjectTagging", func() error {
				_, err := sdk.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: bk, Key: k})
				return err
			}, func() error { _, err := b.Tags(ctx, key); return err }),
			call("PutObject", func() error {
				_, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: bk, Key: k, Body: bytes.NewReader([]byte("%PDF")),
					ContentType: aws.String("application/pdf"), ContentDisposition: aws.String(`attachment; filename="a.pdf"`)})
				return err
			}, func() error {
				return b.Put(ctx, key, []byte("%PDF"), "application/pdf", `attachment; filename="a.pdf"`)
			}),
			call("CopyObject", func() error {
				_, err := sdk.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bk, Key: aws.String("attachments/c1/m1/1-a b.pdf"), CopySource: aws.String(mailBucket + "/" + escapeKey(key))})
				return err
			}, func() error { return b.Copy(ctx, key, "attachments/c1/m1/1-a b.pdf") }),
			call("DeleteObjects", func() error {
				_, err := sdk.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bk, Delete: &types.Delete{
					Objects: []types.ObjectIdentifier{{Key: k}, {Key: aws.String("attachments/<&>")}}, Quiet: aws.Bool(true)}})
				return err
			}, func() error { return b.Delete(ctx, []string{key, "attachments/<&>"}) }),
			call("ListObjectsV2", func() error {
				_, err := sdk.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bk, Prefix: aws.String("attachments/a b+/"), ContinuationToken: aws.String("t+1/=")})
				return err
			}, func() error { _, _, err := b.List(ctx, "attachments/a b+/", "t+1/="); return err }),
		}
		srv.Compare(t, calls, "Host", "Content-Type", "Content-Disposition", "X-Amz-Copy-Source", "X-Amz-Security-Token")

		at := time.Date(2026, 12, 7, 10, 11, 12, 0, time.UTC)
		b.now = func() time.Time { return at }
		t.Run("PresignGetObject", func(t *testing.T) {
			presign := s3.NewPresignClient(sdk, func(o *s3.PresignOptions) {
				o.Presigner = fixedSigner{v4.NewSigner(func(so *v4.SignerOptions) { so.DisableURIPathEscaping = true }), at}
			})
			s := attachment.Serving{ContentType: "application/pdf", Disposition: `attachment; filename="a b.pdf"`, CacheControl: "private, max-age=300"}
			want, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: bk, Key: k,
				ResponseContentType: aws.String(s.ContentType), ResponseContentDisposition: aws.String(s.Disposition), ResponseCacheControl: aws.String(s.CacheControl),
			}, s3.WithPresignExpires(5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.PresignGet(ctx, key, s, 5*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(parseURL(t, want.URL), parseURL(t, got)); diff != "" {
				t.Errorf("presigned URL (-SDK +ours):\n%s", diff)
			}
		})
		t.Run("PresignPostObject", func(t *testing.T) {
			presign := s3.NewPresignClient(sdk)
			want, err := presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: bk, Key: k}, func(o *s3.PresignPostOptions) {
				o.Expires = 15 * time.Minute
				o.Conditions = []any{[]any{"content-length-range", 4, 4}, map[string]string{"Content-Type": "image/png"}}
				o.PostPresigner = fixedPostSigner{o.PostPresigner, at}
			})
			if err != nil {
				t.Fatal(err)
			}
			target, fields, err := b.PresignPost(ctx, key, 4, "image/png", 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			want.Values["Content-Type"] = "image/png"
			if target != want.URL {
				t.Errorf("target %s, the SDK's %s", target, want.URL)
			}
			if diff := cmp.Diff(want.Values, fields); diff != "" {
				t.Errorf("fields (-SDK +ours):\n%s", diff)
			}
		})
	}
}

type parsedURL struct {
	Base  string
	Query url.Values
}

func parseURL(t *testing.T, raw string) parsedURL {
	t.Helper()
	base, query, _ := strings.Cut(raw, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	return parsedURL{base, q}
}

type fixedSigner struct {
	signer *v4.Signer
	at     time.Time
}

func (f fixedSigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string,
	_ time.Time, optFns ...func(*v4.SignerOptions),
) (string, http.Header, error) {
	return f.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, f.at, optFns...)
}

type fixedPostSigner struct {
	next s3.PresignPost
	at   time.Time
}

func (f fixedPostSigner) PresignPost(creds aws.Credentials, bucket, key, region, service string, signingTime time.Time,
	conditions []any, expiration time.Time, optFns ...func(*v4.SignerOptions),
) (map[string]string, error) {
	return f.next.PresignPost(creds, bucket, key, region, service, f.at, conditions, expiration.Add(f.at.Sub(signingTime)), optFns...)
}
