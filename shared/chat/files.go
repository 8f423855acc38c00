package chat

// Files: what a message carries besides its text. A client uploads each
// file straight to storage under a key the server chose (shared/attachment
// hands out the slots), then sends the message naming its uploads; the
// message is written only with uploads that exist, were made by its sender
// for its conversation and match what was declared, each made a file of
// the conversation first. A retry of a stored message commits nothing
// again: the stored message answers it. The uploads are part of what a
// client id is bound to (clientid.go): the same id with other files is
// another request, refused.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// MaxUploadsPerMessage bounds the uploads one message may name before any
// is looked at; each channel's own limit (Files.Commit) is at most this.
const MaxUploadsPerMessage = 10

// Attachment is a file of a conversation as clients see it.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	// Inline is true for the raster images a browser may show in place;
	// everything else downloads as a file.
	Inline bool `json:"inline"`
}

// Upload is a file a client uploaded, as the message it sends names it:
// the key its upload slot gave, and the size and type it declared.
type Upload struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// FileCommit asks for a message's uploads to become files of its
// conversation.
type FileCommit struct {
	// By sent the message: its uploads must be its own.
	By Principal
	// Scope is the conversation the message named ("" when it starts
	// one): the uploads must have been made for it (a visitor's starting
	// one may carry the visitor's own made for any conversation).
	Scope string
	// ConversationID and ChannelID are where the message is written.
	ConversationID string
	ChannelID      string
	Uploads        []Upload
}

// Files makes uploads files of conversations; shared/attachment implements
// it over S3.
type Files interface {
	// Commit checks every upload and makes it a file of the conversation,
	// in order; when one fails, none is kept and the error says why (an
	// upload that is missing, another sender's or another conversation's
	// answers alike: ErrNotFound).
	Commit(ctx context.Context, c FileCommit) ([]Attachment, error)
	// Settle removes the uploads of a message that is now stored (their
	// files are the conversation's); uploads left behind expire anyway.
	Settle(ctx context.Context, uploads []Upload)
	// Discard removes files committed for a message that was not written
	// with them.
	Discard(ctx context.Context, conversationID string, files []Attachment)
}

var errNoFiles = &Error{Kind: ErrInvalid, Message: "files cannot be sent here"}

func (in SendInput) validateUploads() error {
	if len(in.Attachments) > MaxUploadsPerMessage {
		return invalid("a message carries at most %d files", MaxUploadsPerMessage)
	}
	for _, u := range in.Attachments {
		if u.Key == "" || len(u.Key) > 1024 || u.Size <= 0 || u.ContentType == "" {
			return invalid("every attachment needs the key of its upload, its size and its content type")
		}
	}
	return nil
}

// attach commits the message's uploads as files of conv before the message
// is written, into in.files. A client id that stored this request already
// commits nothing (its uploads are gone by now; the write answers with the
// stored message); one that stored another request is refused.
func (s *Service) attach(ctx context.Context, p Principal, in *SendInput, conv Conversation) error {
	in.files = nil
	if len(in.Attachments) == 0 {
		return nil
	}
	if s.files == nil {
		return errNoFiles
	}
	if _, found, err := s.storedMessage(ctx, clientKey(p, in.ClientID), in.requestDigest()); err != nil || found {
		return err
	}
	files, err := s.files.Commit(ctx, FileCommit{
		By: p, Scope: in.ConversationID, ConversationID: conv.ID, ChannelID: conv.ChannelID, Uploads: in.Attachments,
	})
	if err != nil {
		return err
	}
	in.files, in.filesIn = files, conv.ID
	return nil
}

// storedMessage is the message a client key stored for request, if any;
// another request stored under the key is refused (ClientIDReused).
func (s *Service) storedMessage(ctx context.Context, key, request string) (Message, bool, error) {
	lookup, ok := s.store.(ClientLookup)
	if !ok {
		return Message{}, false, nil
	}
	m, err := lookup.ClientMessage(ctx, key, request)
	switch {
	case err == nil:
		return m, true, nil
	case errors.Is(err, ErrNotFound):
		return Message{}, false, nil
	case errors.Is(err, ErrClientIDReused):
		return Message{}, false, err
	}
	return Message{}, false, fmt.Errorf("client id: %w", err)
}

// settle follows a message's write: a new message's uploads are removed,
// and files committed for a write that answered with a message stored
// before, in another conversation, are removed too (in the same
// conversation they are that message's own files: the same uploads make
// the same files).
func (s *Service) settle(ctx context.Context, in SendInput, res Appended) {
	if len(in.files) == 0 {
		return
	}
	if !res.Duplicate {
		s.files.Settle(ctx, in.Attachments)
		return
	}
	if res.Message.ConversationID != in.filesIn {
		s.files.Discard(ctx, in.filesIn, in.files)
	}
}

// unattach removes files committed for a write that did not happen (the
// conversation closed meanwhile and the message goes to a new one).
func (s *Service) unattach(ctx context.Context, in *SendInput) {
	if len(in.files) > 0 {
		s.files.Discard(ctx, in.filesIn, in.files)
		slog.InfoContext(ctx, "files of an unwritten message discarded", "conversationId", in.filesIn, "files", len(in.files))
	}
	in.files, in.filesIn = nil, ""
}

// previewOf is a conversation's preview after a message: its text, or the
// names of its files when it has none.
func previewOf(body string, files []Attachment) string {
	if strings.TrimSpace(body) != "" || len(files) == 0 {
		return preview(body)
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.Filename)
	}
	return preview("📎 " + strings.Join(names, ", "))
}
