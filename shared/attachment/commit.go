package attachment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/parleychat/parley/shared/chat"
)

// Committing: the uploads a message names become files of its
// conversation. Each must be the sender's own, made for the conversation
// the message names (a visitor's made before any conversation may go to
// whichever conversation the message starts or names; and a message of a
// visitor that names none, so starts one, may carry the visitor's uploads
// made for any conversation: the one they were made for closed while they
// went up), there in the bucket, and of
// the size and type declared. It is then copied into the conversation's
// folder, where downloads, listings and erasure find it; the upload
// itself is removed once the message is stored (Settle), or expires.

var _ chat.Files = (*Bucket)(nil)

// uploadNotFound answers every upload that is not one the sender may use
// here: missing, expired, another sender's, another conversation's.
func uploadNotFound() error {
	return &chat.Error{Kind: chat.ErrNotFound, Message: "upload not found: it expired, or it is not yours for this conversation"}
}

// Commit implements chat.Files.
func (b *Bucket) Commit(ctx context.Context, c chat.FileCommit) (files []chat.Attachment, err error) {
	limits, err := b.limits.FileLimits(ctx, c.ChannelID)
	if err != nil {
		return nil, fmt.Errorf("file limits of %s: %w", c.ChannelID, err)
	}
	if len(c.Uploads) > limits.MaxFiles {
		return nil, invalid(fmt.Sprintf("a message carries at most %d files", limits.MaxFiles))
	}
	defer func() {
		if err != nil {
			b.Discard(ctx, c.ConversationID, files)
			files = nil
		}
	}()
	seen := map[string]bool{}
	for _, u := range c.Uploads {
		k, ok := parseUploadKey(u.Key)
		visitor := c.By.Role == chat.RoleVisitor
		if !ok || seen[k.id] || k.uploader != uploader(c.By) ||
			!(k.scope == c.Scope || (visitor && (k.scope == newScope || c.Scope == ""))) {
			return files, uploadNotFound()
		}
		seen[k.id] = true
		if ctype, _ := acceptedType(k.name); ctype != u.ContentType {
			return files, invalid(fmt.Sprintf("%s is not of type %s", k.name, u.ContentType))
		}
		if err := checkSize(u.Size, limits); err != nil {
			return files, err
		}
		f, err := b.commit(ctx, c.ConversationID, k, u)
		if err != nil {
			return files, err
		}
		files = append(files, f)
	}
	return files, nil
}

// acceptedType is the type an accepted name stands for ("" for others).
func acceptedType(name string) (string, bool) {
	_, ctype, err := acceptedName(name)
	return ctype, err == nil
}

// commit checks one upload against what was declared and copies it into
// the conversation's folder.
func (b *Bucket) commit(ctx context.Context, conversationID string, k uploadKey, u chat.Upload) (chat.Attachment, error) {
	src := k.String()
	head, err := b.objects.Head(ctx, src)
	if errors.Is(err, chat.ErrNotFound) {
		return chat.Attachment{}, uploadNotFound()
	}
	if err != nil {
		return chat.Attachment{}, fmt.Errorf("upload %s: %w", src, err)
	}
	if head.Size != u.Size || head.ContentType != u.ContentType {
		return chat.Attachment{}, invalid(fmt.Sprintf("the upload of %s is not the file declared (%d bytes of %s)", k.name, u.Size, u.ContentType))
	}
	rest := k.fileRest()
	dst := fileKey(conversationID, rest)
	err = b.objects.Copy(ctx, src, dst)
	if errors.Is(err, chat.ErrNotFound) {
		// Expired between the two calls.
		return chat.Attachment{}, uploadNotFound()
	}
	if err != nil {
		return chat.Attachment{}, fmt.Errorf("copy %s: %w", src, err)
	}
	return fileOf(rest, u.Size), nil
}

// Settle implements chat.Files.
func (b *Bucket) Settle(ctx context.Context, uploads []chat.Upload) {
	keys := make([]string, 0, len(uploads))
	for _, u := range uploads {
		keys = append(keys, u.Key)
	}
	if err := b.objects.Delete(ctx, keys); err != nil {
		// They expire with the uploads folder's lifecycle rule anyway.
		slog.ErrorContext(ctx, "remove committed uploads", "error", err)
	}
}

// Discard implements chat.Files.
func (b *Bucket) Discard(ctx context.Context, conversationID string, files []chat.Attachment) {
	keys := make([]string, 0, len(files))
	for _, f := range files {
		if rest, ok := decodeID(f.ID); ok {
			keys = append(keys, fileKey(conversationID, rest))
		}
	}
	if err := b.objects.Delete(ctx, keys); err != nil {
		slog.ErrorContext(ctx, "remove files of an unwritten message", "conversationId", conversationID, "error", err)
	}
}
