// Package mail builds and reads the emails Parley exchanges with contacts:
// MIME messages with safe headers, reply tokens bound to a conversation,
// and the extraction of the new text from a reply. It imports no AWS
// package.
package mail

import (
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of what is accepted from input.
const (
	MaxAddressLen     = 254
	MaxDisplayNameLen = 80
	MaxSubjectRunes   = 200
)

// ErrInvalid and ErrTooLarge classify the errors of this package.
var (
	ErrInvalid  = errors.New("invalid")
	ErrTooLarge = errors.New("too large")
)

// Error is an error whose message is safe to show to people.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Kind }

func invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// ParseAddress validates a bare email address typed by a person (no display
// name, no angle brackets, no comments, no quoted local part, no domain
// literal) and returns it with the domain in lower case.
func ParseAddress(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", invalid("email address is empty")
	}
	if len(raw) > MaxAddressLen || !utf8.ValidString(raw) {
		return "", invalid("email address is longer than %d bytes or not UTF-8", MaxAddressLen)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return "", invalid("email address must not contain spaces or control characters")
	}
	a, err := mail.ParseAddress(raw)
	if err != nil || a.Name != "" || a.Address != raw && !strings.EqualFold(a.Address, raw) {
		return "", invalid("%q is not an email address", raw)
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	// A domain literal ("a@[10.0.0.1]") names a host, not a mailbox
	// anyone gives out.
	if !ok || local == "" || domain == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.HasPrefix(domain, "[") {
		return "", invalid("%q is not an email address with a domain", raw)
	}
	return local + "@" + strings.ToLower(domain), nil
}

// Key is the form of an address used to compare and look up contacts: all
// lower case (the local part is case-sensitive in theory, never in practice).
func Key(addr string) string { return strings.ToLower(strings.TrimSpace(addr)) }

// cleanName makes a display name safe for a header: control characters
// (CR and LF above all) become spaces, runs of space collapse, and the
// length is bounded.
func cleanName(name string) string {
	name = cleanControls(name)
	if utf8.RuneCountInString(name) > MaxDisplayNameLen {
		name = strings.TrimSpace(string([]rune(name)[:MaxDisplayNameLen]))
	}
	return name
}

// cleanControls replaces control characters with spaces and collapses
// runs of white space.
func cleanControls(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, name)
	return strings.Join(strings.Fields(name), " ")
}

// FormatAddress builds a header value for one mailbox with net/mail: the
// display name is cleaned, quoted or RFC 2047 encoded as needed, and the
// result parses back to the same name and address.
func FormatAddress(name, addr string) (string, error) {
	a, err := ParseAddress(addr)
	if err != nil {
		return "", err
	}
	name = cleanName(name)
	// net/mail quotes or Q-encodes the name; a few names (a backslash next
	// to non-ASCII text, for one) do not parse back from its Q form, so
	// every candidate is checked and the next one tried. A name holding
	// "=?" is always encoded: many readers decode encoded-words even
	// inside quotes.
	candidates := []string{
		(&mail.Address{Name: name, Address: a}).String(),
		mime.BEncoding.Encode("utf-8", name) + " <" + a + ">",
	}
	if strings.Contains(name, "=?") {
		candidates = []string{encodeWords(name) + " <" + a + ">"}
	}
	for _, h := range candidates {
		if back, err := mail.ParseAddress(h); err == nil && back.Name == name && back.Address == a && safeHeaderValue(h) {
			return h, nil
		}
	}
	return (&mail.Address{Address: a}).String(), nil
}
