package chat

// Client ids: every client-originated write carries one, and a retry with
// the same id gets the stored result. The id's record keeps a digest of
// the request it stored, so the same id on another request is refused
// instead of answered with a message the client did not send. The digest
// is written in the message's own transaction and compared only when the
// id was used before: it costs the hot path no call.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
)

// requestFields are what a client id is bound to: the conversation the
// request names (empty for a visitor's first message: a retry names none
// either) and everything it asks to store. A new field of a message that a
// client sends is added here, as a name and a value.
func (in SendInput) requestFields() []string {
	channel := in.Channel
	if channel == "" {
		channel = ChannelChat
	}
	fields := []string{"conversation", in.ConversationID, "channel", channel, "body", in.Body}
	// Each upload as its message names it: the same key with another size
	// or type is another request.
	for _, u := range in.Attachments {
		fields = append(fields, "attachment", u.Key+"\n"+strconv.FormatInt(u.Size, 10)+"\n"+u.ContentType)
	}
	return fields
}

// requestDigest is the digest stored with a client id: SHA-256 over the
// length-prefixed fields, so no two field lists share an encoding.
func (in SendInput) requestDigest() string {
	h := sha256.New()
	var n [8]byte
	for _, f := range in.requestFields() {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// ClientIDReused is the refusal of a client id that stored another
// request: another body, channel or conversation. A client retrying sends
// the same request; a new message needs a new id.
func ClientIDReused() error {
	return &Error{Kind: ErrClientIDReused, Message: "this clientId was used for another request; a new message needs a new clientId"}
}
