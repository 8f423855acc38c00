package mail

import (
	"encoding/base64"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Subject cleans a subject typed by a person and encodes it for the
// Subject header (RFC 2047, UTF-8, when it is not plain ASCII or looks
// like an encoded-word itself).
func Subject(s string) (string, error) {
	s = cleanControls(s)
	if s == "" {
		return "", invalid("subject must not be empty")
	}
	if utf8.RuneCountInString(s) > MaxSubjectRunes {
		return "", &Error{Kind: ErrTooLarge, Message: "subject is longer than 200 characters"}
	}
	return encodeText(s), nil
}

// encodeText encodes s for a header as RFC 2047 words when it needs it.
// Text holding "=?" is always encoded, even plain ASCII that needs no
// encoding: written as is, a decoder would read it as an encoded-word and
// decode whatever it carries (CR, LF, "Bcc: …") instead of the text typed.
func encodeText(s string) string {
	if strings.Contains(s, "=?") {
		return encodeWords(s)
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// maxWordBytes is how much text one B-encoded word carries: its base64
// (60 characters) and "=?utf-8?b?…?=" stay within RFC 2047's 75.
const maxWordBytes = 45

// encodeWords encodes s as B-encoded words unconditionally (mime's
// encoders leave ASCII text as it is), split between runes, separated by
// spaces that decoders drop between adjacent encoded-words.
func encodeWords(s string) string {
	var b strings.Builder
	for s != "" {
		n := len(s)
		if n > maxWordBytes {
			n = maxWordBytes
			for n > 1 && !utf8.RuneStart(s[n]) {
				n--
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("=?utf-8?b?")
		b.WriteString(base64.StdEncoding.EncodeToString([]byte(s[:n])))
		b.WriteString("?=")
		s = s[n:]
	}
	return b.String()
}

// DecodeHeader decodes RFC 2047 words of a received header; undecodable
// words are kept as they are.
func DecodeHeader(v string) string {
	d := mime.WordDecoder{CharsetReader: charsetReader}
	if out, err := d.DecodeHeader(v); err == nil {
		return out
	}
	// A word in a charset that is not decoded fails the whole header:
	// the words are then decoded one by one, that one kept as it is, and
	// the space between two decoded words dropped (RFC 2047, 6.2).
	var b strings.Builder
	space, decoded := "", false
	for v != "" {
		i := strings.IndexAny(v, " \t")
		if i < 0 {
			i = len(v)
		}
		token := v[:i]
		j := i
		for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
			j++
		}
		if token != "" {
			word, err := d.Decode(token)
			isWord := err == nil
			if !isWord {
				word = token
			}
			if !(isWord && decoded) {
				b.WriteString(space)
			}
			b.WriteString(word)
			space, decoded = "", isWord
		}
		space += v[i:j]
		v = v[j:]
	}
	b.WriteString(space)
	return b.String()
}

// safeHeaderValue reports whether v may be written as a header value as it
// is: printable ASCII and spaces only, so no CR or LF can split a header.
func safeHeaderValue(v string) bool {
	for _, r := range v {
		if r > unicode.MaxASCII || r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
