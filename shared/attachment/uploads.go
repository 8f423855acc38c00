package attachment

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
)

// Upload slots: a client asks for one per file before sending any byte of
// it, and gets a presigned POST to the bucket whose policy fixes the key
// (chosen here, bound to the uploader and the conversation), the exact
// size declared and the content type the file's extension stands for. S3
// itself refuses any other key, size or type, and the policy once it
// expires.

// SlotTTL is how long an upload slot's policy lasts: time to send a file
// of the largest size over a slow line.
const SlotTTL = 15 * time.Minute

// FileLimits are a chat channel's limits on files.
type FileLimits struct {
	// MaxBytes is the largest file; MaxFiles the most files one message
	// carries (at most chat.MaxUploadsPerMessage).
	MaxBytes int64 `json:"maxBytes"`
	MaxFiles int   `json:"maxFiles"`
}

// Limits tells a chat channel's file limits. The channel settings carry
// them; until a channel has its own, DefaultLimits are every channel's.
type Limits interface {
	FileLimits(ctx context.Context, channelID string) (FileLimits, error)
}

// DefaultLimits are the same limits for every channel: the deployment's
// parameters (MaxFileMegabytes, MaxFilesPerMessage).
type DefaultLimits FileLimits

// FileLimits implements Limits.
func (d DefaultLimits) FileLimits(context.Context, string) (FileLimits, error) {
	return FileLimits(d), nil
}

// SlotRequest asks for an upload slot.
type SlotRequest struct {
	// ConversationID is the conversation the file is for; a visitor's
	// message that starts a conversation has none, and uploads for the
	// channel (ChannelID) the visitor's token is for.
	ConversationID string
	ChannelID      string
	Filename       string
	Size           int64
}

// Slot is a presigned upload: the browser posts Fields (in any order),
// then the file, as multipart/form-data to URL, before ExpiresIn seconds
// pass; the message that carries the file names Key, Size and
// ContentType.
type Slot struct {
	Key         string            `json:"key"`
	URL         string            `json:"url"`
	Fields      map[string]string `json:"fields"`
	ContentType string            `json:"contentType"`
	ExpiresIn   int               `json:"expiresIn"`
	// MaxBytes and MaxFiles are the channel's limits, so the client can
	// refuse the next file before asking.
	MaxBytes int64 `json:"maxBytes"`
	MaxFiles int   `json:"maxFiles"`
}

// Slot refuses what can be told before any byte is sent (a type not
// accepted, a size over the channel's limit, a conversation p may not
// reach) and otherwise presigns an upload for p.
func (s *Service) Slot(ctx context.Context, p chat.Principal, r SlotRequest) (Slot, error) {
	scope, channel := newScope, r.ChannelID
	if r.ConversationID != "" {
		var err error
		if channel, err = s.access.ConversationChannel(ctx, p, r.ConversationID); err != nil {
			return Slot{}, err
		}
		scope = r.ConversationID
	} else if p.Role != chat.RoleVisitor || channel == "" {
		return Slot{}, invalid("conversationId is required")
	}
	name, ctype, err := acceptedName(r.Filename)
	if err != nil {
		return Slot{}, err
	}
	limits, err := s.bucket.limits.FileLimits(ctx, channel)
	if err != nil {
		return Slot{}, fmt.Errorf("file limits of %s: %w", channel, err)
	}
	if err := checkSize(r.Size, limits); err != nil {
		return Slot{}, err
	}
	key := uploadKey{scope: scope, uploader: uploader(p), id: uuid.NewString(), name: name}.String()
	url, fields, err := s.bucket.objects.PresignPost(ctx, key, r.Size, ctype, SlotTTL)
	if err != nil {
		return Slot{}, fmt.Errorf("presign upload: %w", err)
	}
	return Slot{
		Key: key, URL: url, Fields: fields, ContentType: ctype, ExpiresIn: int(SlotTTL.Seconds()),
		MaxBytes: limits.MaxBytes, MaxFiles: limits.MaxFiles,
	}, nil
}

func checkSize(size int64, limits FileLimits) error {
	if size <= 0 {
		return invalid("the file is empty")
	}
	if size > limits.MaxBytes {
		return &chat.Error{Kind: chat.ErrTooLarge, Message: fmt.Sprintf("the file is larger than the %s limit", megabytes(limits.MaxBytes))}
	}
	return nil
}

// megabytes writes a limit the way people read it: 10 MB.
func megabytes(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
