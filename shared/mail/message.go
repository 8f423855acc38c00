package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxRawBytes bounds an outgoing message (SES v2 accepts up to 40 MB): a
// reply with its history and up to 5 MB of files, base64-encoded, is far
// below this, so more means a bug or an abuse.
const MaxRawBytes = 10 << 20

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
	// Attachments travel after the text and HTML (multipart/mixed).
	Attachments []Attachment
}

// NewMessageID returns a fresh Message-ID (without brackets) at domain.
func NewMessageID(domain string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

// ValidMessageID reports whether id (without brackets) is a Message-ID
// Build writes: at most 250 bytes of printable ASCII without spaces or
// brackets, holding an "@". Parse keeps only such ids, and a sender
// threading an email on ids stored earlier skips any other.
func ValidMessageID(id string) bool {
	return id != "" && len(id) <= 250 && safeHeaderValue(id) && !strings.ContainsAny(id, "<> \t") && strings.Contains(id, "@")
}

func checkMsgID(id string) error {
	if !ValidMessageID(id) {
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
		if name == "References" { // folded already, an id a line
			fmt.Fprintf(&buf, "%s: %s\r\n", name, value)
			continue
		}
		buf.WriteString(fold(name, value) + "\r\n")
	}
	ctype, body, err := alternative(m.Text, m.HTML)
	if err == nil && len(m.Attachments) > 0 {
		ctype, body, err = mixed(ctype, body, m.Attachments)
	}
	if err != nil {
		return nil, err
	}
	buf.WriteString(fold("Content-Type", ctype) + "\r\n\r\n")
	buf.Write(body)
	if buf.Len() > MaxRawBytes {
		return nil, &Error{Kind: ErrTooLarge, Message: fmt.Sprintf("the email would be %d bytes, more than the limit of %d", buf.Len(), MaxRawBytes)}
	}
	return buf.Bytes(), nil
}

// maxLine is how long a header line may be (RFC 5322, 2.1.1: "SHOULD
// be no more than 78 characters", without the CRLF). The hard limit is
// 998, and SES refuses a message with a longer line.
const maxLine = 78

// fold returns the header field "name: value" broken at the spaces of
// value so that each line stays within maxLine where the words allow: a
// long subject or name is many RFC 2047 words of at most 75 characters
// each, one space apart, which mime's encoders write on one line however
// long, and a multipart's Content-Type carries a 60-character boundary.
// A continuation line starts with the space it was broken at, so a
// reader unfolding the field (removing the CRLFs) reads value back. When
// even the first word does not fit after the name, the field breaks
// right after the colon ("Subject:" CRLF " =?utf-8?q?…?="), which keeps
// a line with an encoded-word within RFC 2047's 76 characters. A space
// next to another space is never a break: some readers would take the
// run of white space for one space.
func fold(name, value string) string {
	var b strings.Builder
	b.WriteString(name + ":")
	line := b.Len()
	prev := "x" // the word before, "" after a space
	for i, w := range strings.Split(value, " ") {
		if (i == 0 || w != "" && prev != "") && line+1+len(w) > maxLine && (i > 0 || 1+len(w) <= maxLine) {
			b.WriteString("\r\n")
			line = 0
		}
		b.WriteByte(' ')
		b.WriteString(w)
		line += 1 + len(w)
		prev = w
	}
	return b.String()
}

// foldValue is value folded as fold does, for a writer that puts
// "name: " before it itself (multipart.Writer).
func foldValue(name, value string) string {
	return strings.TrimPrefix(strings.TrimPrefix(fold(name, value), name+":"), " ")
}

// alternative is the text and HTML bodies as one multipart/alternative
// body, with its content type.
func alternative(text, html string) (string, []byte, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range []struct{ typ, body string }{{"text/plain; charset=utf-8", text}, {"text/html; charset=utf-8", html}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return "", nil, fmt.Errorf("mime part: %w", err)
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(crlf(p.body))); err != nil {
			return "", nil, fmt.Errorf("mime part: %w", err)
		}
		if err := qp.Close(); err != nil {
			return "", nil, fmt.Errorf("mime part: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return "", nil, fmt.Errorf("mime: %w", err)
	}
	return fmt.Sprintf("multipart/alternative; boundary=%q", mw.Boundary()), b.Bytes(), nil
}

// mixed puts a body (of type ctype) and files into one multipart/mixed
// body. File names go into the headers encoded (RFC 2231), never raw; a
// content type that does not parse is sent as an octet stream.
func mixed(ctype string, body []byte, files []Attachment) (string, []byte, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {foldValue("Content-Type", ctype)}})
	if err == nil {
		_, err = w.Write(body)
	}
	if err != nil {
		return "", nil, fmt.Errorf("mime part: %w", err)
	}
	for _, f := range files {
		t, _, err := mime.ParseMediaType(f.ContentType)
		if err != nil || !safeHeaderValue(f.ContentType) {
			t = "application/octet-stream"
		}
		name := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return '_'
			}
			return r
		}, f.Filename)
		disposition := withFilename("Content-Disposition", "attachment", "filename", name)
		typ := withFilename("Content-Type", t, "name", name)
		if disposition == "" || typ == "" {
			disposition, typ = "attachment", t
		}
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {typ},
			"Content-Disposition":       {disposition},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return "", nil, fmt.Errorf("mime part: %w", err)
		}
		enc := base64.StdEncoding.EncodeToString(f.Data)
		for len(enc) > 76 {
			if _, err := io.WriteString(w, enc[:76]+"\r\n"); err != nil {
				return "", nil, fmt.Errorf("mime part: %w", err)
			}
			enc = enc[76:]
		}
		if _, err := io.WriteString(w, enc+"\r\n"); err != nil {
			return "", nil, fmt.Errorf("mime part: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return "", nil, fmt.Errorf("mime: %w", err)
	}
	return fmt.Sprintf("multipart/mixed; boundary=%q", mw.Boundary()), b.Bytes(), nil
}

// withFilename returns the value of the header field (Content-Type or
// Content-Disposition) of media type v with the parameter param set to a
// file's name: as mime.FormatMediaType writes it when the header's line
// stays within maxLine, else split into RFC 2231 continuations (param*0*,
// param*1*, …, percent-encoded UTF-8), one a folded line, so that a long
// name (a hundred CJK characters are 900 characters percent-encoded)
// never makes a line longer than maxLine. Continuations split between
// characters, never inside one. "" when v is not a media type.
func withFilename(field, v, param, name string) string {
	short := mime.FormatMediaType(v, map[string]string{param: name})
	if short == "" || len(field)+len(": ")+len(short) <= maxLine {
		return short
	}
	var b strings.Builder
	b.WriteString(mime.FormatMediaType(v, nil))
	n, seg := 0, ""
	flush := func() {
		if n == 0 {
			seg = "utf-8''" + seg
		}
		fmt.Fprintf(&b, ";\r\n %s*%d*=%s", param, n, seg)
		n, seg = n+1, ""
	}
	for rest := name; rest != ""; {
		_, size := utf8.DecodeRuneInString(rest)
		enc := ""
		for _, c := range []byte(rest[:size]) {
			if attrChar(c) {
				enc += string(c)
			} else {
				enc += fmt.Sprintf("%%%02X", c)
			}
		}
		rest = rest[size:]
		// " param*n*=" (and "utf-8''" in the first), the text, ";"
		room := maxLine - len(fmt.Sprintf(" %s*%d*=;", param, n))
		if n == 0 {
			room -= len("utf-8''")
		}
		if seg != "" && len(seg)+len(enc) > room {
			flush()
		}
		seg += enc
	}
	flush()
	return b.String()
}

// attrChar reports whether c may stand unencoded in an RFC 2231
// extended parameter value (RFC 5987, attr-char).
func attrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// crlf normalises line ends to CRLF, as MIME wants.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}
