package attachment

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleychat/parley/shared/chat"
)

// DeleteConversation removes every file of a conversation, mailed in or
// attached in the chat, and the uploads still waiting to be committed to
// it, for when retention or an erasure removes the conversation. It
// returns how many objects it removed; running it again removes nothing
// more and is no error.
func (b *Bucket) DeleteConversation(ctx context.Context, conversationID string) (int, error) {
	// A UUID cannot climb out of its folder or name another's.
	if !chat.ValidID(conversationID) {
		return 0, invalid("conversation id must be a UUID")
	}
	removed := 0
	for _, prefix := range []string{Folder + conversationID + "/", UploadFolder + conversationID + "/"} {
		for after := ""; ; {
			objs, next, err := b.objects.List(ctx, prefix, after)
			if err != nil {
				return removed, fmt.Errorf("list %s: %w", prefix, err)
			}
			keys := make([]string, 0, len(objs))
			for _, o := range objs {
				keys = append(keys, o.Key)
			}
			if err := b.objects.Delete(ctx, keys); err != nil {
				return removed, fmt.Errorf("delete %d objects of %s: %w", len(keys), prefix, err)
			}
			removed += len(keys)
			if next == "" {
				break
			}
			after = next
		}
	}
	return removed, nil
}

// DeleteInbound removes raw inbound mails by key (the messages they
// became record theirs), for retention and erasure. Keys of the files'
// own folders are refused: those go with their conversation.
func (b *Bucket) DeleteInbound(ctx context.Context, keys []string) (int, error) {
	for _, k := range keys {
		if k == "" || strings.HasPrefix(k, Folder) || strings.HasPrefix(k, UploadFolder) {
			return 0, invalid("not a raw mail's key")
		}
	}
	if err := b.objects.Delete(ctx, keys); err != nil {
		return 0, fmt.Errorf("delete %d raw mails: %w", len(keys), err)
	}
	return len(keys), nil
}
