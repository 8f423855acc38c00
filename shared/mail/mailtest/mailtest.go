// Package mailtest writes inbound mail for tests as mail clients send it:
// parts nested in multiparts, files base64-encoded in lines of 76.
package mailtest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
)

// Part is one part of a mail: its headers (each line ending in CRLF) and
// its body as sent.
type Part struct {
	Header string
	Body   string
}

// Text is a text/plain part in UTF-8.
func Text(s string) Part {
	return Part{Header: "Content-Type: text/plain; charset=utf-8\r\n", Body: s + "\r\n"}
}

// HTML is a text/html part in UTF-8.
func HTML(s string) Part {
	return Part{Header: "Content-Type: text/html; charset=utf-8\r\n", Body: s + "\r\n"}
}

// File is an attachment, base64-encoded.
func File(name, contentType string, data []byte) Part {
	return Part{
		Header: fmt.Sprintf("Content-Type: %s; name=%q\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n", contentType, name, name),
		Body:   Base64(data),
	}
}

var boundaries atomic.Int64

// Multipart is a multipart of the given subtype ("mixed", "alternative",
// "related") holding parts, each under a boundary of its own.
func Multipart(subtype string, parts ...Part) Part {
	boundary := fmt.Sprintf("=_part%d", boundaries.Add(1))
	var b strings.Builder
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n" + p.Header + "\r\n" + p.Body)
	}
	b.WriteString("--" + boundary + "--\r\n")
	return Part{Header: fmt.Sprintf("Content-Type: multipart/%s; boundary=%q\r\n", subtype, boundary), Body: b.String()}
}

// Mail is a whole mail: the header lines given ("From: …", one a line,
// without line ends), MIME-Version, and body as its content.
func Mail(header []string, body Part) string {
	return strings.Join(header, "\r\n") + "\r\nMIME-Version: 1.0\r\n" + body.Header + "\r\n" + body.Body
}

// Base64 is data base64-encoded in lines of 76 characters, each ending in
// CRLF.
func Base64(data []byte) string {
	enc := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	b.Grow(len(enc) + len(enc)/76*2 + 2)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}
