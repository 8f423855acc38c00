// Package attachment keeps the files of conversations in S3: files people
// attach in the chat (uploaded by the browser straight to S3 under a
// policy the server signs, then committed with their message) and files
// that arrive with inbound email. It hands out upload slots, commits
// uploads (chat.Files), lists a conversation's files, and serves
// downloads: short-lived presigned GET URLs on an origin of their own (the
// files distribution in front of the bucket, or the bucket's), never the
// API's or the inbox's, that make the browser save anything it could
// execute instead of rendering it, and that are never given for a file a
// malware scan found infected.
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
	"github.com/aws/smithy-go"

	"github.com/parleychat/parley/shared/chat"
)

// Folder is where the files of conversations live:
// attachments/<conversation id>/… (keys.go).
const Folder = "attachments/"

// URLTTL is how long a download URL works.
const URLTTL = 5 * time.Minute

// maxList bounds one listing (a conversation keeps at most 10 per mail).
const maxList = 1000

// S3 is the part of the S3 client used here.
type S3 interface {
	ListObjectsV2(ctx context.Context, params *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	HeadObject(ctx context.Context, params *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	GetObjectTagging(ctx context.Context, params *s3.GetObjectTaggingInput, optFns ...func(*s3.Options)) (*s3.GetObjectTaggingOutput, error)
	CopyObject(ctx context.Context, params *s3.CopyObjectInput, optFns ...func(*s3.Options)) (*s3.CopyObjectOutput, error)
	DeleteObjects(ctx context.Context, params *s3.DeleteObjectsInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// Presigner is the part of s3.PresignClient used here.
type Presigner interface {
	PresignGetObject(ctx context.Context, params *s3.GetObjectInput, optFns ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	PresignPostObject(ctx context.Context, params *s3.PutObjectInput, optFns ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error)
}

// Access tells whether a principal may reach a conversation, and its chat
// channel (chat.Service.ConversationChannel).
type Access interface {
	ConversationChannel(ctx context.Context, p chat.Principal, conversationID string) (string, error)
}

// Bucket is the files in one S3 bucket: what every use needs, with no
// caller's access checked (Service checks it).
type Bucket struct {
	s3      S3
	presign Presigner
	name    string
	limits  Limits
	// origin serves the downloads when set (ServeFrom, origin.go).
	origin *url.URL
	// scanned: a file is served only once a malware scan found it clean
	// (ServeScanned, scan.go).
	scanned bool
	// now signs upload policies (PresignPostAt); nil is the system clock.
	now func() time.Time
}

// Option sets an optional part of a Bucket.
type Option func(*Bucket)

// NewBucket returns the files of bucket, uploads bounded by limits.
func NewBucket(c S3, p Presigner, bucket string, limits Limits, opts ...Option) (*Bucket, error) {
	if c == nil || p == nil || bucket == "" || limits == nil {
		return nil, errors.New("attachment: the files need an S3 client, a presigner, a bucket and the channels' limits")
	}
	b := &Bucket{s3: c, presign: p, name: bucket, limits: limits, now: time.Now}
	for _, o := range opts {
		o(b)
	}
	return b, nil
}

// SignAt makes upload policies signed at now() (the local cloud's clock;
// see clock.go) rather than the system clock.
func SignAt(now func() time.Time) Option {
	return func(b *Bucket) { b.now = now }
}

// Service is the files of conversations as callers reach them: every use
// is checked against the caller's access to the conversation.
type Service struct {
	access Access
	bucket *Bucket
	links  Links
}

// New returns the Service over b; access checks every caller, links signs
// and verifies the links emails carry (links.go).
func New(access Access, b *Bucket, links Links) (*Service, error) {
	if access == nil || b == nil || links == nil {
		return nil, errors.New("attachment: the service needs the access check, the bucket and the link signer")
	}
	return &Service{access: access, bucket: b, links: links}, nil
}

// Bucket is the files the service serves (what the chat commits to).
func (s *Service) Bucket() *Bucket { return s.bucket }

// Attachment is a file of a conversation as clients see it.
type Attachment = chat.Attachment

// Download is where to fetch an attachment from, until it expires.
type Download struct {
	URL       string `json:"url"`
	ExpiresIn int    `json:"expiresIn"`
	Filename  string `json:"filename"`
	Inline    bool   `json:"inline"`
}

func notFound() error { return &chat.Error{Kind: chat.ErrNotFound, Message: "attachment not found"} }

func invalid(msg string) error { return &chat.Error{Kind: chat.ErrInvalid, Message: msg} }

// An attachment's id is its key below the conversation's folder
// (<mail id or upload id>/<n>-<name>), base64url-encoded: opaque to
// clients, and meaningless under any other conversation.
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

// filename is the name the file was sent with: the key's last part after
// its "<n>-" position prefix.
func filename(rest string) string {
	base := path.Base(rest)
	if _, name, ok := strings.Cut(base, "-"); ok && name != "" {
		return name
	}
	return base
}

// fileOf is the attachment a key below a conversation's folder stands for.
func fileOf(rest string, size int64) Attachment {
	name := filename(rest)
	ctype, inline := typeOf(name)
	return Attachment{ID: encodeID(rest), Filename: name, Size: size, ContentType: ctype, Inline: inline}
}

// List returns the files of a conversation p may reach.
func (s *Service) List(ctx context.Context, p chat.Principal, conversationID string) ([]Attachment, error) {
	if _, err := s.access.ConversationChannel(ctx, p, conversationID); err != nil {
		return nil, err
	}
	prefix := Folder + conversationID + "/"
	out, err := s.bucket.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket.name, Prefix: &prefix, MaxKeys: aws.Int32(maxList)})
	if err != nil {
		return nil, fmt.Errorf("list attachments of %s: %w", conversationID, err)
	}
	list := make([]Attachment, 0, len(out.Contents))
	for _, o := range out.Contents {
		list = append(list, fileOf(strings.TrimPrefix(aws.ToString(o.Key), prefix), aws.ToInt64(o.Size)))
	}
	return list, nil
}

// Get returns a download of a file of a conversation p may reach. An id
// of another conversation's file is unknown here: ids are looked up under
// this conversation's folder only.
func (s *Service) Get(ctx context.Context, p chat.Principal, conversationID, id string) (Download, error) {
	if _, err := s.access.ConversationChannel(ctx, p, conversationID); err != nil {
		return Download{}, err
	}
	return s.bucket.download(ctx, conversationID, id)
}

// download presigns a file's download once the file is known to be there
// and servable.
func (b *Bucket) download(ctx context.Context, conversationID, id string) (Download, error) {
	rest, ok := decodeID(id)
	if !ok {
		return Download{}, notFound()
	}
	key := fileKey(conversationID, rest)
	if err := b.servable(ctx, key); err != nil {
		return Download{}, err
	}
	name := filename(rest)
	ctype, inline := typeOf(name)
	disposition := "inline"
	if !inline {
		ctype, disposition = "application/octet-stream", "attachment"
	}
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: &b.name, Key: &key,
		ResponseContentType:        aws.String(ctype),
		ResponseContentDisposition: aws.String(contentDisposition(disposition, name)),
		ResponseCacheControl:       aws.String("private, no-store"),
	}, s3.WithPresignExpires(URLTTL))
	if err != nil {
		return Download{}, fmt.Errorf("presign %s: %w", key, err)
	}
	link, err := rebase(req.URL, b.origin)
	if err != nil {
		return Download{}, err
	}
	return Download{URL: link, ExpiresIn: int(URLTTL.Seconds()), Filename: name, Inline: inline}, nil
}

// contentDisposition names the file safely: an ASCII fallback and the
// UTF-8 name (RFC 6266), no quotes or line breaks from the name.
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

// missing reports S3's answers for a key that is not there: NotFound and
// NoSuchKey (modelled or not: CopyObject and GetObjectTagging do not
// model it), and the 403 S3 gives a caller without an unconditional
// s3:ListBucket so as not to reveal whether a key exists. Keys built from
// what a caller sent are unknown then.
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
