package attachment

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/shared/chat"
)

// Emails cannot carry presigned URLs: they last minutes, and the mail is
// read days later. An email names a file with a link to a page of the
// widget's origin instead (FILE_LINK_URL), a signed token in its fragment
// (so it reaches no server's logs); the page trades the token for a fresh
// download (Open). The token names the conversation and the file and
// expires after LinkTTL; it works for whoever holds the email, as an
// attachment in it would. A file erased since answers like an unknown
// one; a file a malware scan holds back is refused as in the thread.

// LinkTTL is how long a file's link in an email works.
const LinkTTL = 7 * 24 * time.Hour

// Links signs and verifies file links (auth.Signer implements it).
type Links interface {
	FileLink(conversationID, attachmentID string, ttl time.Duration) string
	VerifyFileLink(token string) (conversationID, attachmentID string, err error)
}

// LinkPage is where file links point: the widget's file page.
func LinkPage(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("attachment: FILE_LINK_URL %q is not a page URL like https://example.cloudfront.net/widget/file.html", raw)
	}
	return u, nil
}

// Link is the link an email gives for a conversation's file: page, with
// the file's signed token as its fragment.
func (s *Service) Link(page *url.URL, conversationID string, a chat.Attachment) string {
	u := *page
	u.Fragment = ""
	return u.String() + "#" + s.links.FileLink(conversationID, a.ID, LinkTTL)
}

// Open trades a file link's token for a download of the file.
func (s *Service) Open(ctx context.Context, token string) (Download, error) {
	conversationID, id, err := s.links.VerifyFileLink(token)
	if err != nil {
		return Download{}, &chat.Error{Kind: chat.ErrNotFound, Message: "this link is not valid any more"}
	}
	return s.bucket.download(ctx, conversationID, id)
}

// maxRead bounds a file read whole (for an email): the largest file the
// parameters allow.
const maxRead = 100 << 20

// Read returns a file of a conversation whole, once it may be served.
func (b *Bucket) Read(ctx context.Context, conversationID string, a chat.Attachment) ([]byte, error) {
	rest, ok := decodeID(a.ID)
	if !ok {
		return nil, notFound()
	}
	key := fileKey(conversationID, rest)
	if b.scanned {
		if err := b.servable(ctx, key); err != nil {
			return nil, err
		}
	}
	out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	if missing(err) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxRead+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if len(data) > maxRead {
		return nil, fmt.Errorf("read %s: larger than %d bytes", key, maxRead)
	}
	return data, nil
}

// Mail is what emails need of the files (email.Files): reading a file
// whole, and a link to it.
type Mail struct {
	s    *Service
	page *url.URL
}

// Mail returns the files for emails, linked to page (the widget's file
// page, FILE_LINK_URL).
func (s *Service) Mail(page *url.URL) Mail { return Mail{s: s, page: page} }

// Read implements email.Files.
func (m Mail) Read(ctx context.Context, conversationID string, a chat.Attachment) ([]byte, error) {
	return m.s.bucket.Read(ctx, conversationID, a)
}

// Link implements email.Files.
func (m Mail) Link(conversationID string, a chat.Attachment) string {
	return m.s.Link(m.page, conversationID, a)
}
