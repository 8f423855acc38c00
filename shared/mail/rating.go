package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
)

// A rating token is what the survey links of a transcript email carry: it
// lets whoever holds the email rate one conversation until it expires.
// The conversation id and the expiry are signed under a key derived from
// the reply-token key of the same version (as confirmation tokens are);
// the score is not in it (the page lets the reader change it).
//
//	<version a–z><base32(conversation id 16 bytes ‖ expiry unix seconds 4 bytes ‖ MAC 16 bytes)>
const ratingMACBytes = 16

// ErrTokenExpired means a rating token was issued by us but its time is
// over.
var ErrTokenExpired = errors.New("rating link expired")

func (t *Tokens) ratingMAC(version byte, id [16]byte, exp uint32) []byte {
	k := hmac.New(sha256.New, t.keys[version])
	k.Write([]byte("parley/rate-conversation"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte{version})
	m.Write(id[:])
	m.Write(binary.BigEndian.AppendUint32(nil, exp))
	return m.Sum(nil)[:ratingMACBytes]
}

// RatingToken returns the token of the links rating a conversation (a
// UUID), valid until expires.
func (t *Tokens) RatingToken(conversationID string, expires time.Time) (string, error) {
	id, err := uuid.Parse(conversationID)
	if err != nil {
		return "", invalid("conversation id is not a UUID")
	}
	exp := uint32(expires.Unix())
	raw := append(append(id[:], binary.BigEndian.AppendUint32(nil, exp)...), t.ratingMAC(t.current, id, exp)...)
	return string(t.current) + strings.ToLower(tokenEncoding.EncodeToString(raw)), nil
}

// VerifyRating returns the conversation a rating token was issued for:
// ErrBadToken for one we did not issue (the MAC is compared in constant
// time), ErrTokenExpired for one issued but expired at now.
func (t *Tokens) VerifyRating(token string, now time.Time) (string, error) {
	if len(token) < 2 || len(token) > 80 {
		return "", ErrBadToken
	}
	token = strings.ToLower(token)
	if _, ok := t.keys[token[0]]; !ok {
		return "", ErrBadToken
	}
	raw, err := decodeToken(token[1:])
	if err != nil || len(raw) != 16+4+ratingMACBytes {
		return "", ErrBadToken
	}
	var id [16]byte
	copy(id[:], raw[:16])
	exp := binary.BigEndian.Uint32(raw[16:20])
	if !hmac.Equal(raw[20:], t.ratingMAC(token[0], id, exp)) {
		return "", ErrBadToken
	}
	if now.Unix() >= int64(exp) {
		return "", ErrTokenExpired
	}
	return uuid.UUID(id).String(), nil
}
