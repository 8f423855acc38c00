package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"

	"github.com/google/uuid"
)

// A confirmation token proves that whoever holds it received the email
// sent to an address a visitor gave: the visitor's id, when the link
// expires and a MAC over both and the address, under a key derived from
// the reply-token key of the same version (so key changes and version
// letters work the same way). The address itself is not in the token (it
// would end up in access logs and browser history); it is checked against
// the visitor's stored address, so a link stops working when the visitor
// changes the address.
//
//	<version a–z><base32(visitor id 16 bytes ‖ expiry unix seconds 4 bytes ‖ MAC 16 bytes)>
const confirmMACBytes = 16

// Confirmation is a parsed, not yet checked, confirmation token.
type Confirmation struct {
	VisitorID string
	Expires   time.Time
	version   byte
	id        [16]byte
	exp       uint32
	mac       []byte
}

func (t *Tokens) confirmKey(version byte) []byte {
	m := hmac.New(sha256.New, t.keys[version])
	m.Write([]byte("parley/confirm-address"))
	return m.Sum(nil)
}

func (t *Tokens) confirmMAC(version byte, id [16]byte, exp uint32, addr string) []byte {
	m := hmac.New(sha256.New, t.confirmKey(version))
	var e [4]byte
	binary.BigEndian.PutUint32(e[:], exp)
	m.Write([]byte{version})
	m.Write(id[:])
	m.Write(e[:])
	m.Write([]byte(Key(addr)))
	return m.Sum(nil)[:confirmMACBytes]
}

// ConfirmToken returns the token confirming that addr is the address of
// the visitor visitorID (a UUID), valid until expires.
func (t *Tokens) ConfirmToken(visitorID, addr string, expires time.Time) (string, error) {
	id, err := uuid.Parse(visitorID)
	if err != nil {
		return "", invalid("visitor id is not a UUID")
	}
	exp := uint32(expires.Unix())
	raw := append(append(id[:], binary.BigEndian.AppendUint32(nil, exp)...), t.confirmMAC(t.current, id, exp, addr)...)
	return string(t.current) + strings.ToLower(tokenEncoding.EncodeToString(raw)), nil
}

// ParseConfirmation reads a confirmation token without checking it: the
// caller loads the visitor's address and calls CheckConfirmation.
func (t *Tokens) ParseConfirmation(token string) (Confirmation, error) {
	if len(token) < 2 || len(token) > 80 {
		return Confirmation{}, ErrBadToken
	}
	token = strings.ToLower(token)
	if _, ok := t.keys[token[0]]; !ok {
		return Confirmation{}, ErrBadToken
	}
	raw, err := decodeToken(token[1:])
	if err != nil || len(raw) != 16+4+confirmMACBytes {
		return Confirmation{}, ErrBadToken
	}
	c := Confirmation{version: token[0], exp: binary.BigEndian.Uint32(raw[16:20]), mac: raw[20:]}
	copy(c.id[:], raw[:16])
	id, err := uuid.FromBytes(raw[:16])
	if err != nil {
		return Confirmation{}, ErrBadToken
	}
	c.VisitorID, c.Expires = id.String(), time.Unix(int64(c.exp), 0).UTC()
	return c, nil
}

// CheckConfirmation verifies, in constant time, that c was issued for
// addr. Expiry is the caller's to check (against its clock).
func (t *Tokens) CheckConfirmation(c Confirmation, addr string) error {
	if _, ok := t.keys[c.version]; !ok || len(c.mac) != confirmMACBytes {
		return ErrBadToken
	}
	if !hmac.Equal(c.mac, t.confirmMAC(c.version, c.id, c.exp, addr)) {
		return ErrBadToken
	}
	return nil
}
