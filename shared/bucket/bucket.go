// Package bucket is the mail bucket in S3: the objects the conversations'
// files (shared/attachment) and raw inbound mail (shared/email) are kept
// as, and the presigned URLs and upload policies browsers reach them with.
// S3's answers for a key that is not there become chat.ErrNotFound.
//
// Only the functions that read or write the mail bucket import it: the S3
// client costs a function that never calls it about 1 MB of binary
// (docs/cost.md).
package bucket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/setup"
)

// API is the part of the S3 client used here, with the SDK's signatures.
type API interface {
	ListObjectsV2(ctx context.Context, params *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	HeadObject(ctx context.Context, params *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	GetObjectTagging(ctx context.Context, params *s3.GetObjectTaggingInput, optFns ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error)
	PutObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CopyObject(ctx context.Context, params *s3.CopyObjectInput, optFns ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
	DeleteObjects(ctx context.Context, params *s3.DeleteObjectsInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// Bucket is one S3 bucket's objects (attachment.Objects, email.Mailbox).
type Bucket struct {
	s3      API
	presign *s3.PresignClient
	name    string
	// now signs URLs and upload policies (clock.go).
	now func() time.Time
}

var _ attachment.Objects = (*Bucket)(nil)

// Mail is the stack's mail bucket (config.Mail's) through the function's
// AWS config and S3 endpoint, signing on its clock.
func Mail(env setup.Env) (*Bucket, error) {
	m, err := env.Mail()
	if err != nil {
		return nil, err
	}
	return New(env.AWS, setup.Endpoint("S3"), m.MailBucket, env.Clock())
}

// New returns the bucket name through an S3 client of cfg at endpoint
// (nil: AWS's), signing on now. A custom endpoint (the local cloud's S3)
// is addressed path-style; AWS keeps virtual-hosted style, so downloads
// come from the bucket's own domain.
func New(cfg aws.Config, endpoint *string, name string, now func() time.Time) (*Bucket, error) {
	if name == "" || now == nil {
		return nil, errors.New("bucket: a bucket name and a clock are required")
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = endpoint
		o.UsePathStyle = endpoint != nil
	})
	return &Bucket{s3: c, presign: s3.NewPresignClient(c, presignAt(now)), name: name, now: now}, nil
}

// List implements attachment.Objects: a page of at most 1,000 objects.
func (b *Bucket) List(ctx context.Context, prefix, after string) ([]attachment.Object, string, error) {
	in := &s3.ListObjectsV2Input{Bucket: &b.name, Prefix: &prefix}
	if after != "" {
		in.ContinuationToken = &after
	}
	out, err := b.s3.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", prefix, err)
	}
	objs := make([]attachment.Object, 0, len(out.Contents))
	for _, o := range out.Contents {
		objs = append(objs, attachment.Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
	}
	if !aws.ToBool(out.IsTruncated) {
		return objs, "", nil
	}
	return objs, aws.ToString(out.NextContinuationToken), nil
}

// Head implements attachment.Objects.
func (b *Bucket) Head(ctx context.Context, key string) (attachment.Object, error) {
	out, err := b.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.name, Key: &key})
	if err != nil {
		return attachment.Object{}, translate(key, err)
	}
	return attachment.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType)}, nil
}

// Open implements attachment.Objects and email.Mailbox.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	if err != nil {
		return nil, translate(key, err)
	}
	return out.Body, nil
}

// Tags implements attachment.Objects.
func (b *Bucket) Tags(ctx context.Context, key string) (map[string]string, error) {
	out, err := b.s3.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: &b.name, Key: &key})
	if err != nil {
		return nil, translate(key, err)
	}
	tags := make(map[string]string, len(out.TagSet))
	for _, t := range out.TagSet {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}

// Put implements email.Mailbox: data stored as key, served as
// contentType with disposition.
func (b *Bucket) Put(ctx context.Context, key string, data []byte, contentType, disposition string) error {
	_, err := b.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &b.name, Key: &key, Body: bytes.NewReader(data),
		ContentType: &contentType, ContentDisposition: &disposition,
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Copy implements attachment.Objects.
func (b *Bucket) Copy(ctx context.Context, src, dst string) error {
	_, err := b.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &b.name, Key: &dst, CopySource: aws.String(b.name + "/" + escapeKey(src))})
	if err != nil {
		return translate(src, err)
	}
	return nil
}

// escapeKey escapes a key for x-amz-copy-source, keeping its slashes.
func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// maxDelete is the most keys one DeleteObjects call takes.
const maxDelete = 1000

// Delete implements attachment.Objects, maxDelete keys a call.
func (b *Bucket) Delete(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), maxDelete)
		objs := make([]types.ObjectIdentifier, 0, n)
		for _, k := range keys[:n] {
			objs = append(objs, types.ObjectIdentifier{Key: aws.String(k)})
		}
		out, err := b.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &b.name, Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("delete %d objects: %w", n, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s", aws.ToString(e.Key), aws.ToString(e.Code))
		}
		keys = keys[n:]
	}
	return nil
}

// PresignGet implements attachment.Objects.
func (b *Bucket) PresignGet(ctx context.Context, key string, s attachment.Serving, ttl time.Duration) (string, error) {
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: &b.name, Key: &key,
		ResponseContentType:        aws.String(s.ContentType),
		ResponseContentDisposition: aws.String(s.Disposition),
		ResponseCacheControl:       aws.String(s.CacheControl),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	return req.URL, nil
}

// PresignPost implements attachment.Objects: the policy fixes the key,
// the exact size and the content type, which the fields carry too.
func (b *Bucket) PresignPost(ctx context.Context, key string, size int64, contentType string, ttl time.Duration) (string, map[string]string, error) {
	req, err := b.presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: &b.name, Key: &key},
		func(o *s3.PresignPostOptions) {
			o.Expires = ttl
			o.Conditions = []any{[]any{"content-length-range", size, size}, map[string]string{"Content-Type": contentType}}
		}, presignPostAt(b.now))
	if err != nil {
		return "", nil, fmt.Errorf("presign upload %s: %w", key, err)
	}
	fields := make(map[string]string, len(req.Values)+1)
	for k, v := range req.Values {
		fields[k] = v
	}
	fields["Content-Type"] = contentType
	return req.URL, fields, nil
}

// translate turns S3's answers for a key that is not there into
// chat.ErrNotFound: NotFound and NoSuchKey (modelled or not: CopyObject
// and GetObjectTagging do not model it), and the 403 S3 gives a caller
// without an unconditional s3:ListBucket so as not to reveal whether a
// key exists. Keys built from what a caller sent are unknown then.
func translate(key string, err error) error {
	if missing(err) {
		return fmt.Errorf("object %s: %w", key, chat.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", key, err)
}

func missing(err error) bool {
	var nf *types.NotFound
	var nk *types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nk) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden
}
