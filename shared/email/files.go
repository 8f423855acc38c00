package email

import (
	"context"
	"errors"
	"fmt"

	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/mail"
)

// Files in emails. An agent's reply by email carries its files as MIME
// attachments while they add up to at most AttachUpTo (5 MB by default);
// the rest, and every file of the history a continuation or a transcript
// shows, are links (shared/attachment: a page of the widget's origin that
// trades the link's token for a fresh download, for LinkTTL). With malware
// scanning on, a reply's files are scanned only once stored, which is
// after the email leaves, so they always go as links: the link is checked
// when it is opened.

// DefaultAttachUpTo is the most bytes of files a reply carries as MIME
// attachments.
const DefaultAttachUpTo = 5 << 20

// Links link the files of conversations (attachment.MailLinks).
type Links interface {
	Link(conversationID string, a chat.Attachment) string
}

// Files reads the files of conversations whole, for a reply to attach
// them (attachment.Bucket).
type Files interface {
	Read(ctx context.Context, conversationID string, a chat.Attachment) ([]byte, error)
}

// linked names files by links (or, without Links, by name only).
func (s *Service) linked(conversationID string, files []chat.Attachment) []mail.File {
	out := make([]mail.File, 0, len(files))
	for _, f := range files {
		mf := mail.File{Name: f.Filename, Size: sizeText(f.Size)}
		if s.links != nil {
			mf.URL = s.links.Link(conversationID, f)
		}
		out = append(out, mf)
	}
	return out
}

// carried splits a reply's files into the ones the email attaches (up to
// AttachUpTo bytes together, in order) and names all of them for its text.
// A file held back (a malware scan not done, or a threat found) is linked:
// the link says why when it is opened.
func (s *Service) carried(ctx context.Context, conversationID string, files []chat.Attachment) ([]mail.Attachment, []mail.File, error) {
	names := s.linked(conversationID, files)
	var attached []mail.Attachment
	budget := s.attachUpTo
	for i, f := range files {
		if s.files == nil || f.Size > budget {
			continue
		}
		data, err := s.files.Read(ctx, conversationID, f)
		if errors.Is(err, chat.ErrBlocked) || errors.Is(err, chat.ErrPending) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("attach %s: %w", f.ID, err)
		}
		budget -= f.Size
		attached = append(attached, mail.Attachment{Filename: f.Filename, ContentType: f.ContentType, Data: data})
		names[i] = mail.File{Name: f.Filename, Size: sizeText(f.Size), Attached: true}
	}
	return attached, names, nil
}

// filesNote tells how long the links of an email work, when it has any.
func filesNote(lead []mail.File, entries []mail.Entry) string {
	groups := [][]mail.File{lead}
	for _, e := range entries {
		groups = append(groups, e.Files)
	}
	for _, g := range groups {
		for _, f := range g {
			if f.URL != "" {
				return fmt.Sprintf("File links work for %d days.", int(attachment.LinkTTL.Hours()/24))
			}
		}
	}
	return ""
}

// sizeText writes a file's size as people read it.
func sizeText(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d bytes", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.0f KB", float64(n)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
}
