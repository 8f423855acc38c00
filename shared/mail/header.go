package mail

import (
	"mime"
	"unicode"
	"unicode/utf8"
)

// Subject cleans a subject typed by a person and encodes it for the
// Subject header (RFC 2047, UTF-8, only when it is not plain ASCII).
func Subject(s string) (string, error) {
	s = cleanControls(s)
	if s == "" {
		return "", invalid("subject must not be empty")
	}
	if utf8.RuneCountInString(s) > MaxSubjectRunes {
		return "", &Error{Kind: ErrTooLarge, Message: "subject is longer than 200 characters"}
	}
	return mime.QEncoding.Encode("utf-8", s), nil
}

// DecodeHeader decodes RFC 2047 words of a received header; undecodable
// words are kept as they are.
func DecodeHeader(v string) string {
	d := mime.WordDecoder{CharsetReader: charsetReader}
	out, err := d.DecodeHeader(v)
	if err != nil {
		return v
	}
	return out
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
