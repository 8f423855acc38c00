package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"

	"github.com/parleychat/parley/shared/plaintext"
)

// Bounds of what an inbound message may hold; beyond them the rest is
// ignored (parts) or the message refused (size).
const (
	MaxInboundBytes = 10 << 20
	maxParts        = 50
	maxDepth        = 5
	maxRefs         = 50
)

// Attachment is a file a message carries, inbound or outgoing.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Inbound is a received message, decoded.
type Inbound struct {
	From       string // address only
	FromName   string // decoded, control characters as spaces
	To         []string
	Subject    string
	MessageID  string // without brackets; "" when missing or not one Build would write
	InReplyTo  string
	References []string
	// Text and HTML are the message's text/plain and text/html parts that
	// are not files, decoded to UTF-8 and joined in order (a mail can hold
	// text, an inline image, more text); of the parts of one
	// multipart/alternative only the first of each type counts.
	Text        string
	HTML        string
	Attachments []Attachment
	// Header gives access to any other header (for example verdicts a
	// local test cloud adds).
	Header mail.Header
}

// Parse reads a raw RFC 5322 message.
func Parse(raw []byte) (*Inbound, error) {
	if len(raw) > MaxInboundBytes {
		return nil, &Error{Kind: ErrTooLarge, Message: fmt.Sprintf("message is larger than %d bytes", MaxInboundBytes)}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, invalid("message headers are malformed")
	}
	in := &Inbound{Header: msg.Header}
	dec := mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: charsetReader}}
	from, name, ok := parseFrom(&dec, msg.Header.Get("From"))
	if !ok {
		return nil, invalid("From is missing or malformed")
	}
	in.From, in.FromName = Key(from), cleanName(name)
	for _, h := range []string{"To", "Cc"} {
		if list, err := dec.ParseList(msg.Header.Get(h)); err == nil {
			for _, a := range list {
				in.To = append(in.To, Key(a.Address))
			}
		}
	}
	in.Subject = cleanName(DecodeHeader(msg.Header.Get("Subject")))
	in.MessageID = firstID(msg.Header.Get("Message-Id"))
	in.InReplyTo = firstID(msg.Header.Get("In-Reply-To"))
	in.References = ids(msg.Header.Get("References"))
	w := walker{in: in}
	w.walk(textprotoHeader(msg.Header), msg.Body, 0, nil)
	in.Text = joinParts(w.text, "\n\n")
	in.HTML = joinParts(w.html, "\n<br>\n")
	return in, nil
}

// parseFrom reads the sender's address and name from the From header. A
// header net/mail refuses for its display name alone (encoded-words in a
// charset not decoded, an unquoted "[" or ":", the address written again
// as the name) still gives its address when it holds exactly one
// <address> and no other address: the mail is not lost for its name,
// which is then the text before the brackets, with the encoded-words
// that decode decoded and the others kept as they are.
func parseFrom(dec *mail.AddressParser, v string) (addr, name string, ok bool) {
	if a, err := dec.Parse(v); err == nil {
		return a.Address, a.Name, true
	}
	lt, gt := strings.IndexByte(v, '<'), strings.IndexByte(v, '>')
	if lt < 0 || gt < lt || strings.Count(v, "<") != 1 || strings.Count(v, ">") != 1 {
		return "", "", false
	}
	a, err := mail.ParseAddress(v[lt : gt+1])
	if err != nil || strings.Contains(v[gt+1:], "@") {
		return "", "", false
	}
	name = strings.TrimSpace(v[:lt])
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return strings.ContainsRune(" \t\",'()[];:", r) }) {
		// Another address in the name could be taken for the sender.
		if strings.Contains(w, "@") && !strings.EqualFold(w, a.Address) {
			return "", "", false
		}
	}
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		// A quoted string: its backslashes escape the next character.
		var b strings.Builder
		for i := 1; i < len(name)-1; i++ {
			if name[i] == '\\' && i+1 < len(name)-1 {
				i++
			}
			b.WriteByte(name[i])
		}
		name = b.String()
	}
	name = DecodeHeader(name)
	if strings.EqualFold(name, a.Address) {
		name = ""
	}
	return a.Address, name, true
}

// joinParts joins the text of successive parts with sep between them,
// without the line breaks that end each but the last.
func joinParts(parts []string, sep string) string {
	var b strings.Builder
	for i, p := range parts {
		if i < len(parts)-1 {
			p = strings.TrimRight(p, "\n")
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
	}
	return b.String()
}

type header interface{ Get(string) string }

type textprotoHeader mail.Header

func (h textprotoHeader) Get(k string) string { return mail.Header(h).Get(k) }

// walker reads the parts of a message into an Inbound.
type walker struct {
	in         *Inbound
	parts      int
	text, html []string // the bodies of the text parts, in order
}

// alternatives records which types the parts of one multipart/alternative
// gave already: they are the same text, so only the first of each counts.
type alternatives struct{ text, html bool }

// walk reads one part; alt is the multipart/alternative it belongs to
// (nil when its parent is another kind).
func (w *walker) walk(h header, body io.Reader, depth int, alt *alternatives) {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		ctype, params = "text/plain", map[string]string{"charset": "us-ascii"}
	}
	if strings.HasPrefix(ctype, "multipart/") {
		var inner *alternatives
		if ctype == "multipart/alternative" {
			inner = &alternatives{}
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				// The end, or a broken part, which ends the walk; what
				// was read is kept.
				return
			}
			w.walk(p.Header, p, depth+1, inner)
		}
	}
	// What was decoded before an error (a part cut short, a stray
	// character) is kept for the text; a file that did not decode whole is
	// left out rather than stored cut.
	data, err := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	if disp == "attachment" || filename != "" || (ctype != "text/plain" && ctype != "text/html") {
		if len(data) > 0 && err == nil {
			w.in.Attachments = append(w.in.Attachments, Attachment{Filename: safeFilename(DecodeHeader(filename)), ContentType: ctype, Data: data})
		}
		return
	}
	if alt != nil {
		seen := &alt.text
		if ctype == "text/html" {
			seen = &alt.html
		}
		if *seen {
			return
		}
		*seen = true
	}
	text, err := toUTF8(params["charset"], data)
	if err != nil {
		text = strings.ToValidUTF8(string(data), "\uFFFD")
	}
	// What is posted into a conversation comes from here: its controls and
	// line breaks are normalised as at every other edge.
	text = plaintext.Body(text)
	switch {
	case strings.TrimSpace(text) == "":
	case ctype == "text/plain":
		w.text = append(w.text, text)
	case ctype == "text/html":
		w.html = append(w.html, text)
	}
}

// decodeTransfer reads a part's body and undoes its transfer encoding.
// On an error it returns what was decoded before it with the error.
func decodeTransfer(enc string, r io.Reader) ([]byte, error) {
	r = io.LimitReader(r, MaxInboundBytes)
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		raw, err := io.ReadAll(r)
		return decodeBase64(raw), err
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(r))
	}
	return io.ReadAll(r)
}

// decodeBase64 decodes a base64 body as RFC 2045 asks of a reader:
// characters outside the alphabet (line breaks, spaces, whatever a relay
// appended) are ignored, the first "=" ends the data, and data that stops
// short of its padding decodes as far as it goes. It never fails.
func decodeBase64(raw []byte) []byte {
	clean := make([]byte, 0, len(raw))
	for _, c := range raw {
		if c == '=' {
			break
		}
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	// A lone character left over carries less than a byte.
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

// safeFilename keeps the last path element of a name, without control
// characters, bounded to its last 100 characters (which hold the
// extension).
func safeFilename(name string) string {
	name = cleanControls(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimLeft(name, ".")
	if name == "" {
		return "attachment"
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	return name
}

func firstID(v string) string {
	if l := ids(v); len(l) > 0 {
		return l[0]
	}
	return ""
}

// ids reads a list of <message ids>, keeping those Build would write
// (ValidMessageID): an id stored from a mail is threaded on later.
func ids(v string) []string {
	var out []string
	for len(out) < maxRefs {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); ValidMessageID(id) {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	return out
}
