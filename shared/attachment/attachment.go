// Package attachment keeps the files of conversations in the mail bucket
// (through its Objects port; shared/bucket is S3): files people
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
	"io"
	"mime"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/parleychat/parley/shared/chat"
)

// Folder is where the files of conversations live:
// attachments/<conversation id>/… (keys.go).
const Folder = "attachments/"

// URLTTL is how long a download URL works.
const URLTTL = 5 * time.Minute

// Objects are the mail bucket's objects, as the files use them
// (shared/bucket keeps them in S3). A key that is not there is
// chat.ErrNotFound.
type Objects interface {
	// List returns a page of the objects whose keys start with prefix,
	// from the page token after ("" for the first), and the next page's
	// token ("" after the last).
	List(ctx context.Context, prefix, after string) ([]Object, string, error)
	Head(ctx context.Context, key string) (Object, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Tags(ctx context.Context, key string) (map[string]string, error)
	Copy(ctx context.Context, src, dst string) error
	// Delete removes keys; keys not there are no error.
	Delete(ctx context.Context, keys []string) error
	// PresignGet is a URL that downloads key, served as s says, for ttl.
	PresignGet(ctx context.Context, key string, s Serving, ttl time.Duration) (string, error)
	// PresignPost is where and what a browser posts to upload a file of
	// exactly size bytes of contentType as key, for ttl: the URL and the
	// form's fields (its policy and signature; the file goes last).
	PresignPost(ctx context.Context, key string, size int64, contentType string, ttl time.Duration) (string, map[string]string, error)
}

// Object is an object of the bucket.
type Object struct {
	Key         string
	Size        int64
	ContentType string
}

// Serving is how a download is served: the headers the bucket answers it
// with.
type Serving struct {
	ContentType, Disposition, CacheControl string
}

// Access tells whether a principal may reach a conversation, and its chat
// channel (chat.Service.ConversationChannel).
type Access interface {
	ConversationChannel(ctx context.Context, p chat.Principal, conversationID string) (string, error)
}

// Bucket is the files in the mail bucket: what every use needs, with no
// caller's access checked (Service checks it).
type Bucket struct {
	objects Objects
	limits  Limits
	// origin serves the downloads when set (ServeFrom, origin.go).
	origin *url.URL
	// scanned: a file is served only once a malware scan found it clean
	// (ServeScanned, scan.go).
	scanned bool
}

// Option sets an optional part of a Bucket.
type Option func(*Bucket)

// NewBucket returns the files kept as objects, uploads bounded by limits.
func NewBucket(objects Objects, limits Limits, opts ...Option) (*Bucket, error) {
	if objects == nil || limits == nil {
		return nil, errors.New("attachment: the files need the bucket's objects and the channels' limits")
	}
	b := &Bucket{objects: objects, limits: limits}
	for _, o := range opts {
		o(b)
	}
	return b, nil
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
	// One page: a conversation keeps far fewer files than a page holds.
	objs, _, err := s.bucket.objects.List(ctx, prefix, "")
	if err != nil {
		return nil, fmt.Errorf("list attachments of %s: %w", conversationID, err)
	}
	list := make([]Attachment, 0, len(objs))
	for _, o := range objs {
		list = append(list, fileOf(strings.TrimPrefix(o.Key, prefix), o.Size))
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
	signed, err := b.objects.PresignGet(ctx, key, Serving{
		ContentType: ctype, Disposition: contentDisposition(disposition, name), CacheControl: "private, no-store",
	}, URLTTL)
	if err != nil {
		return Download{}, fmt.Errorf("presign %s: %w", key, err)
	}
	link, err := rebase(signed, b.origin)
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
