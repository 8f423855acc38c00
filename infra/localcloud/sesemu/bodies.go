package sesemu

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// bodies returns the first text/plain and text/html parts of a raw message.
func bodies(raw []byte) (text, htmlBody string) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", ""
	}
	var walk func(h textproto.MIMEHeader, r io.Reader, depth int)
	walk = func(h textproto.MIMEHeader, r io.Reader, depth int) {
		if depth > 5 {
			return
		}
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			ct = "text/plain"
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header, p, depth+1)
			}
		}
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		}
		data, _ := io.ReadAll(io.LimitReader(r, 10<<20))
		switch {
		case ct == "text/plain" && text == "":
			text = strings.ReplaceAll(string(data), "\r\n", "\n")
		case ct == "text/html" && htmlBody == "":
			htmlBody = strings.ReplaceAll(string(data), "\r\n", "\n")
		}
	}
	walk(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return text, htmlBody
}
