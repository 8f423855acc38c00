package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"
)

// MaxRawBytes bounds an outgoing message (SES v2 accepts up to 40 MB; a
// chat reply with its history is far below this, so more means a bug or an
// abuse).
const MaxRawBytes = 2 << 20

// Message is an outgoing email. Addresses are header values made by
// FormatAddress; Subject is a value made by Subject.
type Message struct {
	From      string
	To        string
	ReplyTo   string
	Subject   string
	MessageID string // without angle brackets
	// InReplyTo and References thread the message (ids without brackets).
	InReplyTo  string
	References []string
	Date       time.Time
	Text       string
	HTML       string
	// Headers are extra headers (for example SES tags); names and values
	// must be safe ASCII.
	Headers map[string]string
}

// NewMessageID returns a fresh Message-ID (without brackets) at domain.
func NewMessageID(domain string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

func checkMsgID(id string) error {
	if id == "" || len(id) > 250 || !safeHeaderValue(id) || strings.ContainsAny(id, "<> \t") || !strings.Contains(id, "@") {
		return invalid("message id %q is malformed", id)
	}
	return nil
}

// Build renders m as a MIME message: multipart/alternative with a
// quoted-printable text part and HTML part. Every header value is checked
// for CR, LF and non-ASCII bytes before it is written.
func Build(m Message) ([]byte, error) {
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	headers := [][2]string{
		{"From", m.From},
		{"To", m.To},
		{"Subject", m.Subject},
		{"Date", m.Date.UTC().Format(time.RFC1123Z)},
		{"MIME-Version", "1.0"},
	}
	if m.ReplyTo != "" {
		headers = append(headers, [2]string{"Reply-To", m.ReplyTo})
	}
	if err := checkMsgID(m.MessageID); err != nil {
		return nil, err
	}
	headers = append(headers, [2]string{"Message-ID", "<" + m.MessageID + ">"})
	if m.InReplyTo != "" {
		if err := checkMsgID(m.InReplyTo); err != nil {
			return nil, err
		}
		headers = append(headers, [2]string{"In-Reply-To", "<" + m.InReplyTo + ">"})
	}
	if len(m.References) > 0 {
		refs := make([]string, 0, len(m.References))
		for _, r := range m.References {
			if err := checkMsgID(r); err != nil {
				return nil, err
			}
			refs = append(refs, "<"+r+">")
		}
		// Keep the first and the latest ids when the chain grows long
		// (RFC 5322 3.6.4 allows trimming the middle).
		if len(refs) > 20 {
			refs = append(refs[:1], refs[len(refs)-19:]...)
		}
		headers = append(headers, [2]string{"References", strings.Join(refs, "\r\n ")})
	}
	for k, v := range m.Headers {
		headers = append(headers, [2]string{k, v})
	}
	var buf bytes.Buffer
	for _, h := range headers {
		name, value := h[0], h[1]
		if name == "" || !safeHeaderValue(name) || strings.ContainsAny(name, ": ") {
			return nil, invalid("header name %q is malformed", name)
		}
		if value == "" {
			return nil, invalid("header %s is empty", name)
		}
		if name != "References" && !safeHeaderValue(value) {
			return nil, invalid("header %s has characters that are not allowed", name)
		}
		fmt.Fprintf(&buf, "%s: %s\r\n", name, value)
	}
	mw := multipart.NewWriter(&buf)
	fmt.Fprintf(&buf, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", mw.Boundary())
	for _, p := range []struct{ typ, body string }{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("mime part: %w", err)
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(crlf(p.body))); err != nil {
			return nil, fmt.Errorf("mime part: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("mime part: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("mime: %w", err)
	}
	if buf.Len() > MaxRawBytes {
		return nil, &Error{Kind: ErrTooLarge, Message: fmt.Sprintf("the email would be %d bytes, more than the limit of %d", buf.Len(), MaxRawBytes)}
	}
	return buf.Bytes(), nil
}

// crlf normalises line ends to CRLF, as MIME wants.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
