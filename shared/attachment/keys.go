package attachment

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strconv"
	"strings"

	"github.com/parleychat/parley/shared/chat"
)

// Where files live in the bucket:
//
//	uploads/<scope>/<uploader>/<upload id>/<name>     an upload waiting for its message
//	attachments/<conversation>/<upload id>/1-<name>   the file once its message is stored
//	attachments/<conversation>/<mail id>/<n>-<name>   a file mailed in
//
// The scope is the conversation the upload was made for, or "new" for a
// visitor's message that starts one; the uploader is "v-<visitor id>" or
// "a-" and a hash of the agent's id. The server chooses every part but the
// name, which it cleans, and the browser's upload policy fixes the key, so
// the key itself says whose upload it is and for which conversation.

// UploadFolder is where uploads wait for their message; a lifecycle rule
// expires what is never committed.
const UploadFolder = "uploads/"

// newScope is the scope of a visitor's upload for a message without a
// conversation yet.
const newScope = "new"

// uploader names who makes an upload, as its key says.
func uploader(p chat.Principal) string {
	if p.Role == chat.RoleVisitor {
		return "v-" + p.ID
	}
	// An agent's id comes from the identity provider and may hold any
	// character: its hash keeps the key plain.
	sum := sha256.Sum256([]byte(p.ID))
	return "a-" + hex.EncodeToString(sum[:16])
}

// uploadKey is an upload's key, in parts.
type uploadKey struct {
	scope, uploader, id, name string
}

func (k uploadKey) String() string {
	return UploadFolder + k.scope + "/" + k.uploader + "/" + k.id + "/" + k.name
}

// parseUploadKey reads a key a client sends back; anything the server did
// not make is refused.
func parseUploadKey(key string) (uploadKey, bool) {
	rest, ok := strings.CutPrefix(key, UploadFolder)
	if !ok {
		return uploadKey{}, false
	}
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) != 4 {
		return uploadKey{}, false
	}
	k := uploadKey{scope: parts[0], uploader: parts[1], id: parts[2], name: parts[3]}
	if (k.scope != newScope && !chat.ValidID(k.scope)) || !chat.ValidID(k.id) || k.name != cleanName(k.name) || k.name == "" ||
		(!strings.HasPrefix(k.uploader, "v-") && !strings.HasPrefix(k.uploader, "a-")) {
		return uploadKey{}, false
	}
	return k, true
}

// fileRest is a committed upload's key below its conversation's folder.
func (k uploadKey) fileRest() string { return k.id + "/1-" + k.name }

func fileKey(conversationID, rest string) string { return Folder + conversationID + "/" + rest }

// Mailed is where the n-th file of a mail (its id mailID) is kept in a
// conversation, and the file it is there.
func Mailed(conversationID, mailID string, n int, name string, size int64) (key string, file chat.Attachment) {
	rest := mailID + "/" + strconv.Itoa(n) + "-" + path.Base(name)
	return fileKey(conversationID, rest), fileOf(rest, size)
}
