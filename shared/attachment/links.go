package attachment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

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

// MailLinks link files where emails (and a contact's export) name them:
// the widget's file page with the file's signed token as its fragment.
// They need no bucket: a function that only links files reads none.
type MailLinks struct {
	links Links
	page  *url.URL
}

// NewMailLinks returns the links to page signed by links.
func NewMailLinks(links Links, page *url.URL) (MailLinks, error) {
	if links == nil || page == nil {
		return MailLinks{}, errors.New("attachment: file links need the link signer and the file page")
	}
	return MailLinks{links: links, page: page}, nil
}

// Link is the link to a conversation's file (email.Links, privacy.Links).
func (m MailLinks) Link(conversationID string, a chat.Attachment) string {
	u := *m.page
	u.Fragment = ""
	return u.String() + "#" + m.links.FileLink(conversationID, a.ID, LinkTTL)
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

// Read returns a file of a conversation whole, once it may be served
// (email.Files: the files a reply attaches).
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
	body, err := b.objects.Open(ctx, key)
	if errors.Is(err, chat.ErrNotFound) {
		return nil, notFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, maxRead+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if len(data) > maxRead {
		return nil, fmt.Errorf("read %s: larger than %d bytes", key, maxRead)
	}
	return data, nil
}
