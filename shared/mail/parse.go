package mail

import (
	"bufio"
	"bytes"
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
// ignored (parts) or the message refused (size, text).
const (
	// MaxInboundBytes is SES's limit: its receipt rule stores mail of up
	// to 40 MB in S3 and bounces larger mail.
	MaxInboundBytes = 40 << 20
	// MaxInboundText bounds the text of a message, its text parts decoded
	// together: far more than a person writes, and what reply extraction
	// is sized for.
	MaxInboundText = 10 << 20
	// maxHeaderBytes bounds the message's header: held as a map of its
	// fields, a header takes several times its size in memory (many short
	// fields nine times), which at 40 MB is more than the inbound function
	// has. Real headers, long DKIM and ARC chains included, stay far below.
	maxHeaderBytes = 1 << 20
	maxParts       = 50
	maxDepth       = 5
	maxRefs        = 50
)

// Limits bound what Read takes of a message; a zero field is the
// package's bound.
type Limits struct {
	// Message is the most bytes a message may have (MaxInboundBytes); a
	// larger one is refused.
	Message int64
	// Text is the most bytes its text parts may decode to together
	// (MaxInboundText); a message with more text is refused, since its
	// text is what it is read for.
	Text int
	// File is the most bytes one file may decode to (MaxInboundBytes); a
	// larger file is listed with TooLarge and without its data, and the
	// rest of the message is read as usual.
	File int
}

func (l Limits) orDefaults() Limits {
	if l.Message <= 0 {
		l.Message = MaxInboundBytes
	}
	if l.Text <= 0 {
		l.Text = MaxInboundText
	}
	if l.File <= 0 {
		l.File = MaxInboundBytes
	}
	return l
}

// Attachment is a file a message carries, inbound or outgoing.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
	// TooLarge says an inbound file was larger than Limits.File: it is
	// listed, without its data, so that the reader can say it was left out.
	TooLarge bool
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

// Parse reads a raw RFC 5322 message within the package's bounds.
func Parse(raw []byte) (*Inbound, error) {
	return Read(bytes.NewReader(raw), Limits{})
}

// Read reads an RFC 5322 message from r as it arrives, part by part, each
// decoded as it is read: what it holds at once is the message's text and
// its files of up to lim.File bytes, never the raw message. A message that
// breaks a limit or cannot be read is an *Error (ErrTooLarge or
// ErrInvalid); an error of r is returned as it is, wrapped. With
// ErrTooLarge, the Inbound returned beside the error holds what the
// headers say (sender, subject, ids) when they could be read, and nothing
// of the body: enough to tell people which mail was refused.
func Read(r io.Reader, lim Limits) (*Inbound, error) {
	lim = lim.orDefaults()
	src := &sizedReader{r: io.LimitReader(r, lim.Message+1)}
	in, err := read(src, lim)
	// What the walk left unread (parts past its bounds, the rest of a file
	// over its limit, all of a message refused) is read through, to know
	// the message's size and whether it arrived whole.
	_, _ = io.Copy(io.Discard, src)
	switch {
	case src.err != nil:
		// The message was not read to its end: whatever it held is
		// unknown, so it is not judged.
		return nil, fmt.Errorf("read message: %w", src.err)
	case src.n > lim.Message:
		return in.headers(), &Error{Kind: ErrTooLarge, Message: fmt.Sprintf("the message is larger than %s", sizeLimit(lim.Message))}
	}
	return in, err
}

// headers is what in's headers say, without its body (nil for nil).
func (in *Inbound) headers() *Inbound {
	if in == nil {
		return nil
	}
	h := *in
	h.Text, h.HTML, h.Attachments = "", "", nil
	return &h
}

// sizedReader counts the bytes read and keeps the first error other than
// io.EOF: the multipart reader takes any error for the end of a part.
type sizedReader struct {
	r   io.Reader
	n   int64
	err error
}

func (s *sizedReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// sizeLimit writes a limit as people read it ("40 MB").
func sizeLimit(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// read decodes the message src holds.
func read(src io.Reader, lim Limits) (*Inbound, error) {
	capped := &headerCap{r: src, left: maxHeaderBytes}
	msg, err := mail.ReadMessage(bufio.NewReader(capped))
	capped.lift()
	switch {
	case err != nil && capped.left == 0:
		return nil, &Error{Kind: ErrTooLarge, Message: fmt.Sprintf("the headers of the message are larger than %s", sizeLimit(maxHeaderBytes))}
	case err != nil:
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
	w := walker{in: in, lim: lim, textLeft: lim.Text}
	w.walk(textprotoHeader(msg.Header), msg.Body, 0, nil)
	if w.err != nil {
		return in.headers(), w.err
	}
	in.Text = joinParts(w.text, "\n\n")
	in.HTML = joinParts(w.html, "\n<br>\n")
	return in, nil
}

// headerCap ends its reader after left bytes until lifted: the header is
// read through it. The buffered reader over it reads ahead only while the
// header is incomplete, so the cap ends only a header that is too large,
// never the body of a message whose header fits.
type headerCap struct {
	r      io.Reader
	left   int64
	lifted bool
}

func (h *headerCap) Read(p []byte) (int, error) {
	if h.lifted {
		return h.r.Read(p)
	}
	if h.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > h.left {
		p = p[:h.left]
	}
	n, err := h.r.Read(p)
	h.left -= int64(n)
	return n, err
}

func (h *headerCap) lift() { h.lifted = true }

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
	lim        Limits
	parts      int
	text, html []string // the bodies of the text parts, in order
	textLeft   int      // bytes of text still allowed
	err        error    // the limit the message broke, which ends the walk
}

// alternatives records which types the parts of one multipart/alternative
// gave already: they are the same text, so only the first of each counts.
type alternatives struct{ text, html bool }

// walk reads one part; alt is the multipart/alternative it belongs to
// (nil when its parent is another kind).
func (w *walker) walk(h header, body io.Reader, depth int, alt *alternatives) {
	w.parts++
	if w.err != nil || w.parts > maxParts || depth > maxDepth {
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
		for w.err == nil {
			p, err := mr.NextRawPart()
			if err != nil {
				// The end, or a broken part, which ends the walk; what
				// was read is kept.
				return
			}
			w.walk(p.Header, p, depth+1, inner)
		}
		return
	}
	body = decoder(h.Get("Content-Transfer-Encoding"), body)
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	if disp == "attachment" || filename != "" || (ctype != "text/plain" && ctype != "text/html") {
		w.file(safeFilename(DecodeHeader(filename)), ctype, body)
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
	// What was decoded before an error (a part cut short, a stray
	// character) is kept for the text.
	data, _ := readAtMost(body, w.textLeft)
	if len(data) > w.textLeft {
		w.err = &Error{Kind: ErrTooLarge, Message: fmt.Sprintf("the text of the message is larger than %s", sizeLimit(int64(w.lim.Text)))}
		return
	}
	w.textLeft -= len(data)
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

// file reads a file's part: kept when it decoded whole within the limit,
// listed without its data when larger, left out when empty or when it
// did not decode whole (rather than stored cut).
func (w *walker) file(name, ctype string, body io.Reader) {
	data, err := readAtMost(body, w.lim.File)
	switch {
	case len(data) > w.lim.File:
		w.in.Attachments = append(w.in.Attachments, Attachment{Filename: name, ContentType: ctype, TooLarge: true})
	case len(data) > 0 && err == nil:
		w.in.Attachments = append(w.in.Attachments, Attachment{Filename: name, ContentType: ctype, Data: data})
	}
}

// readAtMost reads r up to n bytes and one more, which tells a body over
// n bytes from one of n. On an error it returns what was read before it
// with the error.
func readAtMost(r io.Reader, n int) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, int64(n)+1))
}

// decoder undoes a part's transfer encoding as its body is read.
func decoder(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		return &base64Reader{r: r}
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// base64Reader decodes a base64 body as RFC 2045 asks of a reader:
// characters outside the alphabet (line breaks, spaces, whatever a relay
// appended) are ignored, the first "=" ends the data, and data that stops
// short of its padding decodes as far as it goes. It has no errors of its
// own: it returns those of the body, once it decoded what came before.
type base64Reader struct {
	r     io.Reader
	in    [4096]byte
	out   []byte // decoded and not yet returned
	buf   []byte // out's storage
	quad  uint32 // the sextets of an unfinished group
	nquad int
	ended bool // an "=" was read: the rest is not data
	err   error
}

// base64Values maps a byte to its sextet, or to 0xff outside the alphabet.
var base64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	return t
}()

func (b *base64Reader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		n, err := b.r.Read(b.in[:])
		if b.buf == nil {
			b.buf = make([]byte, 0, len(b.in)/4*3+3)
		}
		b.out = b.decode(b.in[:n], b.buf[:0])
		if err != nil {
			b.out = b.flush(b.out)
			b.err = err
		}
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// decode appends what the characters in give to out. After an "=" the
// body is still read, for its errors, but nothing of it is data.
func (b *base64Reader) decode(in, out []byte) []byte {
	for _, c := range in {
		if b.ended {
			break
		}
		if c == '=' {
			b.ended = true
			break
		}
		v := base64Values[c]
		if v == 0xff {
			continue
		}
		b.quad = b.quad<<6 | uint32(v)
		b.nquad++
		if b.nquad == 4 {
			out = append(out, byte(b.quad>>16), byte(b.quad>>8), byte(b.quad))
			b.quad, b.nquad = 0, 0
		}
	}
	return out
}

// flush appends the bytes of an unfinished group; a lone character left
// over carries less than a byte.
func (b *base64Reader) flush(out []byte) []byte {
	switch b.nquad {
	case 2:
		out = append(out, byte(b.quad>>4))
	case 3:
		out = append(out, byte(b.quad>>10), byte(b.quad>>2))
	}
	b.quad, b.nquad = 0, 0
	return out
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
