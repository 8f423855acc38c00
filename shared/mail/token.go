package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"

	"github.com/google/uuid"
)

// ReplyPrefix starts the local part of every reply address:
// reply+<token>@<inbound domain>.
const ReplyPrefix = "reply+"

// macBytes is the length of the truncated HMAC-SHA256 in a token: 96 bits,
// far beyond guessing, while the address stays under the 64-byte local-part
// limit of RFC 5321.
const macBytes = 12

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrBadToken means a reply address was not issued by us: unknown version,
// malformed, or a signature that does not match.
var ErrBadToken = errors.New("reply token is malformed or forged")

// Tokens issues and verifies the tokens that bind a reply address to a
// conversation. Keys are versioned so that a new key can be introduced
// while addresses issued under the old one still verify.
type Tokens struct {
	current byte
	keys    map[byte][]byte
}

// NewTokens derives one key per version from secret; version current signs
// new tokens, all listed versions verify. Versions are single letters a–z.
func NewTokens(secret []byte, current byte, versions ...byte) (*Tokens, error) {
	if len(secret) < 16 {
		return nil, errors.New("mail: token secret shorter than 16 bytes")
	}
	t := &Tokens{current: current, keys: map[byte][]byte{}}
	for _, v := range append([]byte{current}, versions...) {
		if v < 'a' || v > 'z' {
			return nil, errors.New("mail: token versions are letters a-z")
		}
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("parley/reply-token/" + string(v)))
		t.keys[v] = m.Sum(nil)
	}
	return t, nil
}

func (t *Tokens) mac(version byte, id []byte) []byte {
	m := hmac.New(sha256.New, t.keys[version])
	m.Write([]byte{version})
	m.Write(id)
	return m.Sum(nil)[:macBytes]
}

// Token returns the token for a conversation id (a UUID).
func (t *Tokens) Token(conversationID string) (string, error) {
	id, err := uuid.Parse(conversationID)
	if err != nil {
		return "", invalid("conversation id is not a UUID")
	}
	raw := append(id[:], t.mac(t.current, id[:])...)
	return string(t.current) + strings.ToLower(tokenEncoding.EncodeToString(raw)), nil
}

// Verify returns the conversation id a token was issued for. The signature
// is compared in constant time.
func (t *Tokens) Verify(token string) (string, error) {
	if len(token) < 2 || len(token) > 64 {
		return "", ErrBadToken
	}
	token = strings.ToLower(token)
	key, ok := t.keys[token[0]]
	if !ok || key == nil {
		return "", ErrBadToken
	}
	raw, err := decodeToken(token[1:])
	if err != nil || len(raw) != 16+macBytes {
		return "", ErrBadToken
	}
	if !hmac.Equal(raw[16:], t.mac(token[0], raw[:16])) {
		return "", ErrBadToken
	}
	id, err := uuid.FromBytes(raw[:16])
	if err != nil {
		return "", ErrBadToken
	}
	return id.String(), nil
}

// ReplyAddress is the Reply-To address for a conversation.
func (t *Tokens) ReplyAddress(conversationID, inboundDomain string) (string, error) {
	tok, err := t.Token(conversationID)
	if err != nil {
		return "", err
	}
	return ReplyPrefix + tok + "@" + strings.ToLower(inboundDomain), nil
}

// TokenOf returns the token of a reply address (reply+<token>@domain) when
// its domain is inboundDomain.
func TokenOf(addr, inboundDomain string) (string, bool) {
	local, domain, ok := strings.Cut(Key(addr), "@")
	if !ok || domain != strings.ToLower(inboundDomain) || !strings.HasPrefix(local, ReplyPrefix) {
		return "", false
	}
	return strings.TrimPrefix(local, ReplyPrefix), true
}

// decodeToken decodes the base32 part of a token (lower case), refusing
// any spelling but the one Token writes: base32 ignores the unused low
// bits of the last character, so without this check one token would have
// several accepted spellings.
func decodeToken(s string) ([]byte, error) {
	raw, err := tokenEncoding.DecodeString(strings.ToUpper(s))
	if err != nil {
		return nil, err
	}
	if strings.ToLower(tokenEncoding.EncodeToString(raw)) != s {
		return nil, ErrBadToken
	}
	return raw, nil
}
