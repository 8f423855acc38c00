// Package bucket is the mail bucket in S3: the objects the conversations'
// files (shared/attachment) and raw inbound mail (shared/email) are kept
// as, and the presigned URLs and upload policies browsers reach them with.
// S3's answers for a key that is not there become chat.ErrNotFound.
//
// Its calls are signed requests (shared/awscall), not the SDK's S3
// client, which would cost every function that reads or writes the
// bucket 1 to 1.5 MB of binary (docs/cost.md); the tests check each
// request against the SDK's.
package bucket

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/awscall"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/setup"
)

// Bucket is one S3 bucket's objects (attachment.Objects, email.Mailbox).
type Bucket struct {
	c    *awscall.Client
	name string
	// base is the bucket's URL: virtual-hosted in AWS
	// (https://<bucket>.s3.<region>.amazonaws.com), path-style at a
	// configured endpoint (<endpoint>/<bucket>, the local cloud).
	base string
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

// New returns the bucket name in cfg's region at endpoint (nil: AWS's),
// signing on now. A custom endpoint (the local cloud's S3) is addressed
// path-style; AWS keeps virtual-hosted style, so downloads come from the
// bucket's own domain.
func New(cfg aws.Config, endpoint *string, name string, now func() time.Time) (*Bucket, error) {
	if name == "" || now == nil {
		return nil, errors.New("bucket: a bucket name and a clock are required")
	}
	c := awscall.New(cfg, "s3", "s3", endpoint)
	base := c.Endpoint + "/" + awscall.PathEscape(name)
	if !c.Custom {
		base = "https://" + name + ".s3." + cfg.Region + "." + awscall.DNSSuffix(cfg.Region)
	}
	return &Bucket{c: c, name: name, base: base, now: now}, nil
}

// objectURL is key's URL, with query q.
func (b *Bucket) objectURL(key string, q url.Values) string {
	u := b.base + "/" + awscall.PathEscape(key)
	if len(q) > 0 {
		u += "?" + awscall.Query(q)
	}
	return u
}

// List implements attachment.Objects: a page of at most 1,000 objects.
func (b *Bucket) List(ctx context.Context, prefix, after string) ([]attachment.Object, string, error) {
	q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
	if after != "" {
		q.Set("continuation-token", after)
	}
	res, err := b.c.Do(ctx, awscall.Action("s3:ListBucket"), awscall.Request{Method: http.MethodGet, URL: b.base + "?" + awscall.Query(q)})
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", prefix, err)
	}
	var out struct {
		Contents []struct {
			Key  string
			Size int64
		}
		IsTruncated           bool
		NextContinuationToken string
	}
	if err := xml.Unmarshal(res.Body, &out); err != nil {
		return nil, "", fmt.Errorf("list %s: the answer: %w", prefix, err)
	}
	objs := make([]attachment.Object, 0, len(out.Contents))
	for _, o := range out.Contents {
		objs = append(objs, attachment.Object{Key: o.Key, Size: o.Size})
	}
	if !out.IsTruncated {
		return objs, "", nil
	}
	return objs, out.NextContinuationToken, nil
}

// Head implements attachment.Objects.
func (b *Bucket) Head(ctx context.Context, key string) (attachment.Object, error) {
	res, err := b.c.Do(ctx, awscall.Action("s3:GetObject"), awscall.Request{Method: http.MethodHead, URL: b.objectURL(key, nil)})
	if err != nil {
		return attachment.Object{}, translate(key, err)
	}
	size, err := strconv.ParseInt(res.Header.Get("Content-Length"), 10, 64)
	if err != nil {
		return attachment.Object{}, fmt.Errorf("%s: the answer's Content-Length: %w", key, err)
	}
	return attachment.Object{Key: key, Size: size, ContentType: res.Header.Get("Content-Type")}, nil
}

// Open implements attachment.Objects and email.Mailbox.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	res, err := b.c.Stream(ctx, awscall.Action("s3:GetObject"), awscall.Request{Method: http.MethodGet, URL: b.objectURL(key, url.Values{"x-id": {"GetObject"}})})
	if err != nil {
		return nil, translate(key, err)
	}
	return res.Stream, nil
}

// Tags implements attachment.Objects.
func (b *Bucket) Tags(ctx context.Context, key string) (map[string]string, error) {
	res, err := b.c.Do(ctx, awscall.Action("s3:GetObjectTagging"), awscall.Request{Method: http.MethodGet, URL: b.objectURL(key, url.Values{"tagging": {""}})})
	if err != nil {
		return nil, translate(key, err)
	}
	var out struct {
		Tags []struct{ Key, Value string } `xml:"TagSet>Tag"`
	}
	if err := xml.Unmarshal(res.Body, &out); err != nil {
		return nil, fmt.Errorf("tags of %s: the answer: %w", key, err)
	}
	tags := make(map[string]string, len(out.Tags))
	for _, t := range out.Tags {
		tags[t.Key] = t.Value
	}
	return tags, nil
}

// Put implements email.Mailbox: data stored as key, served as
// contentType with disposition.
func (b *Bucket) Put(ctx context.Context, key string, data []byte, contentType, disposition string) error {
	_, err := b.c.Do(ctx, awscall.Action("s3:PutObject"), awscall.Request{
		Method: http.MethodPut, URL: b.objectURL(key, url.Values{"x-id": {"PutObject"}}), Body: data,
		Header: http.Header{"Content-Type": {contentType}, "Content-Disposition": {disposition}},
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Copy implements attachment.Objects.
func (b *Bucket) Copy(ctx context.Context, src, dst string) error {
	// A copy that fails after S3 answered 200 is an error of awscall's,
	// retried as the SDK does.
	_, err := b.c.Do(ctx, awscall.Action("s3:PutObject s3:GetObject"), awscall.Request{
		Method: http.MethodPut, URL: b.objectURL(dst, url.Values{"x-id": {"CopyObject"}}),
		Header: http.Header{"X-Amz-Copy-Source": {b.name + "/" + escapeKey(src)}},
	})
	if err != nil {
		return translate(src, err)
	}
	return nil
}

// escapeKey escapes a key for x-amz-copy-source, keeping its slashes.
// Everything but RFC 3986's unreserved characters is escaped:
// url.PathEscape would keep '+', which S3 reads there as a space.
func escapeKey(key string) string { return awscall.PathEscape(key) }

// maxDelete is the most keys one DeleteObjects call takes.
const maxDelete = 1000

// deleteRequest is DeleteObjects' body.
type deleteRequest struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Delete"`
	Objects []struct {
		Key string
	} `xml:"Object"`
	Quiet bool
}

// Delete implements attachment.Objects, maxDelete keys a call.
func (b *Bucket) Delete(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), maxDelete)
		in := deleteRequest{Quiet: true}
		for _, k := range keys[:n] {
			in.Objects = append(in.Objects, struct{ Key string }{k})
		}
		body, err := xml.Marshal(in)
		if err != nil {
			return fmt.Errorf("delete %d objects: %w", n, err)
		}
		res, err := b.c.Do(ctx, awscall.Action("s3:DeleteObject"), awscall.Request{
			Method: http.MethodPost, URL: b.base + "?delete=", Body: body,
			Header: http.Header{"Content-Type": {"application/xml"}, "Content-Md5": {contentMD5(body)}},
		})
		if err != nil {
			return fmt.Errorf("delete %d objects: %w", n, err)
		}
		var out struct {
			Errors []struct{ Key, Code, Message string } `xml:"Error"`
		}
		if err := xml.Unmarshal(res.Body, &out); err != nil {
			return fmt.Errorf("delete %d objects: the answer: %w", n, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s", e.Key, e.Code)
		}
		keys = keys[n:]
	}
	return nil
}

// contentMD5 is the Content-MD5 of body, which S3 requires of a
// DeleteObjects request (or a checksum: the SDK sends a CRC32).
func contentMD5(body []byte) string {
	sum := md5.Sum(body)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// PresignGet implements attachment.Objects.
func (b *Bucket) PresignGet(ctx context.Context, key string, s attachment.Serving, ttl time.Duration) (string, error) {
	q := url.Values{
		"response-cache-control":       {s.CacheControl},
		"response-content-disposition": {s.Disposition},
		"response-content-type":        {s.ContentType},
		"X-Amz-Expires":                {strconv.FormatInt(int64(ttl/time.Second), 10)},
		"x-id":                         {"GetObject"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.objectURL(key, q), nil)
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	creds, err := b.c.Credentials(ctx, awscall.Action("s3:GetObject"))
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	signed, _, err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
		PresignHTTP(ctx, creds, req, awscall.UnsignedPayload, "s3", b.c.Region, b.now().UTC())
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	return signed, nil
}

// PresignPost implements attachment.Objects: the policy fixes the key,
// the exact size and the content type, which the fields carry too.
func (b *Bucket) PresignPost(ctx context.Context, key string, size int64, contentType string, ttl time.Duration) (string, map[string]string, error) {
	creds, err := b.c.Credentials(ctx, awscall.Action("s3:PutObject"))
	if err != nil {
		return "", nil, fmt.Errorf("presign upload %s: %w", key, err)
	}
	fields, err := postPolicy(creds, b.name, key, b.c.Region, b.now().UTC(), ttl, []any{
		[]any{"content-length-range", size, size},
		map[string]string{"Content-Type": contentType},
	})
	if err != nil {
		return "", nil, fmt.Errorf("presign upload %s: %w", key, err)
	}
	fields["Content-Type"] = contentType
	return b.base, fields, nil
}

// translate turns S3's answers for a key that is not there into
// chat.ErrNotFound: NotFound and NoSuchKey, and the 403 S3 gives a caller
// without an unconditional s3:ListBucket so as not to reveal whether a
// key exists. Keys built from what a caller sent are unknown then.
func translate(key string, err error) error {
	if missing(err) {
		return fmt.Errorf("object %s: %w", key, chat.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", key, err)
}

func missing(err error) bool {
	var e *awscall.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "NoSuchKey", "NotFound":
		return true
	case "AccessDenied", "Forbidden":
		// A HEAD's 403 has no body to name it; any other 403 (an expired
		// token, a bad signature, a skewed clock) is a failure, not a
		// missing key.
		return e.Status == http.StatusForbidden
	}
	return false
}
