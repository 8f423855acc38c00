// Package attachment lists the files a conversation received (inbound
// email attachments, kept in S3) and hands out downloads: short-lived
// presigned GET URLs on an origin of their own (the files distribution in
// front of the bucket, or the bucket's), never the API's or the inbox's,
// that make the browser save anything it could execute instead of
// rendering it.
package attachment

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/parleychat/parley/shared/chat"
)

// Folder is where attachments live in the mail bucket:
// attachments/<conversation id>/<mail id>/<n>-<file name>.
const Folder = "attachments/"

// URLTTL is how long a download URL works.
const URLTTL = 5 * time.Minute

// maxList bounds one listing (a conversation keeps at most 10 per mail).
const maxList = 1000

// inlineTypes are the only types a browser may show in place: raster
// images, which run nothing. Everything else (SVG, HTML, XML, PDF, …)
// downloads as application/octet-stream.
var inlineTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
}

// S3 is the part of the S3 client used here.
type S3 interface {
	ListObjectsV2(ctx context.Context, params *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	HeadObject(ctx context.Context, params *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// Presigner is the part of s3.PresignClient used here.
type Presigner interface {
	PresignGetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Access checks that a principal may reach a conversation
// (chat.Service.CheckAccess).
type Access interface {
	CheckAccess(ctx context.Context, p chat.Principal, conversationID string) error
}

// Service lists and hands out attachments.
type Service struct {
	access  Access
	s3      S3
	presign Presigner
	bucket  string
	// origin serves the downloads when set (ServeFrom, origin.go).
	origin *url.URL
}

// Option sets an optional part of a Service.
type Option func(*Service)

// New returns a Service for the attachments in bucket.
func New(access Access, c S3, p Presigner, bucket string, opts ...Option) *Service {
	s := &Service{access: access, s3: c, presign: p, bucket: bucket}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Attachment is a file of a conversation as clients see it.
type Attachment struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
	// Inline is true for the raster images a browser may show in place.
	Inline bool `json:"inline"`
}

// Download is where to fetch an attachment from, until it expires.
type Download struct {
	URL       string `json:"url"`
	ExpiresIn int    `json:"expiresIn"`
	Filename  string `json:"filename"`
	Inline    bool   `json:"inline"`
}

func notFound() error { return &chat.Error{Kind: chat.ErrNotFound, Message: "attachment not found"} }

// An attachment's id is its key below the conversation's folder
// (<mail id>/<n>-<name>), base64url-encoded: opaque to clients, and
// meaningless under any other conversation.
func encodeID(rest string) string { return base64.RawURLEncoding.EncodeToString([]byte(rest)) }

func decodeID(id string) (string, bool) {
	if id == "" || len(id) > 1024 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", false
	}
	rest := string(raw)
	mailID, file, ok := strings.Cut(rest, "/")
	if !ok || mailID == "" || file == "" || strings.Contains(file, "/") || mailID == ".." || mailID == "." ||
		strings.ContainsFunc(rest, func(r rune) bool { return unicode.IsControl(r) || r == '\\' }) {
		return "", false
	}
	return rest, true
}

// filename is the name the mail gave the file: the key's last part after
// its "<n>-" position prefix.
func filename(rest string) string {
	base := path.Base(rest)
	if _, name, ok := strings.Cut(base, "-"); ok && name != "" {
		return name
	}
	return base
}

// List returns the attachments of a conversation p may reach.
func (s *Service) List(ctx context.Context, p chat.Principal, conversationID string) ([]Attachment, error) {
	if err := s.access.CheckAccess(ctx, p, conversationID); err != nil {
		return nil, err
	}
	prefix := Folder + conversationID + "/"
	out, err := s.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix, MaxKeys: aws.Int32(maxList)})
	if err != nil {
		return nil, fmt.Errorf("list attachments of %s: %w", conversationID, err)
	}
	list := make([]Attachment, 0, len(out.Contents))
	for _, o := range out.Contents {
		rest := strings.TrimPrefix(aws.ToString(o.Key), prefix)
		name := filename(rest)
		_, inline := inlineTypes[strings.ToLower(path.Ext(name))]
		list = append(list, Attachment{ID: encodeID(rest), Filename: name, Size: aws.ToInt64(o.Size), Inline: inline})
	}
	return list, nil
}

// Get returns a download of an attachment of a conversation p may reach.
// An id of another conversation's attachment is unknown here: ids are
// looked up under this conversation's folder only.
func (s *Service) Get(ctx context.Context, p chat.Principal, conversationID, id string) (Download, error) {
	if err := s.access.CheckAccess(ctx, p, conversationID); err != nil {
		return Download{}, err
	}
	rest, ok := decodeID(id)
	if !ok {
		return Download{}, notFound()
	}
	key := Folder + conversationID + "/" + rest
	if _, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		var nf *types.NotFound
		var nk *types.NoSuchKey
		if errors.As(err, &nf) || errors.As(err, &nk) || forbidden(err) {
			return Download{}, notFound()
		}
		return Download{}, fmt.Errorf("attachment %s: %w", key, err)
	}
	name := filename(rest)
	ctype, inline := inlineTypes[strings.ToLower(path.Ext(name))]
	disposition := "attachment"
	if inline {
		disposition = "inline"
	} else {
		ctype = "application/octet-stream"
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: &s.bucket, Key: &key,
		ResponseContentType:        aws.String(ctype),
		ResponseContentDisposition: aws.String(contentDisposition(disposition, name)),
		ResponseCacheControl:       aws.String("private, no-store"),
	}, s3.WithPresignExpires(URLTTL))
	if err != nil {
		return Download{}, fmt.Errorf("presign %s: %w", key, err)
	}
	link, err := rebase(req.URL, s.origin)
	if err != nil {
		return Download{}, err
	}
	return Download{URL: link, ExpiresIn: int(URLTTL.Seconds()), Filename: name, Inline: inline}, nil
}

// contentDisposition names the file safely: an ASCII fallback and the
// UTF-8 name (RFC 6266), no quotes or line breaks from the mail.
func contentDisposition(kind, name string) string {
	v := mime.FormatMediaType(kind, map[string]string{"filename": name})
	if v == "" {
		ascii := strings.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
				return '_'
			}
			return r
		}, name)
		v = mime.FormatMediaType(kind, map[string]string{"filename": ascii})
	}
	if v == "" {
		v = kind
	}
	return v
}

// forbidden reports S3's 403 to a HEAD: without an unconditional
// s3:ListBucket (the function may list the attachments folder only), S3
// answers a missing key with 403, not 404, so as not to reveal whether it
// exists. The key was built from an id the caller sent, so it is unknown.
func forbidden(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden
}
