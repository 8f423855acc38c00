package mail

import (
	"fmt"
	"strings"
)

// The email bodies are written with a strings.Builder rather than
// text/template and html/template: executing a template reaches
// reflect.Value.MethodByName, which makes the linker keep every exported
// method of every type in the binary (all of each AWS SDK client's
// operations), doubling the size of every function that sends email.

// htmlText escapes s for an HTML text node or a quoted attribute value,
// exactly as html/template does.
var htmlText = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
).Replace

// htmlURL returns s for an href attribute: normalised (bytes that may not
// appear in a URL percent-encoded, valid escapes kept) and then escaped,
// as html/template does. Callers pass http(s) URLs only.
func htmlURL(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0,
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		b.WriteString(s[written:i])
		fmt.Fprintf(&b, "%%%02x", c)
		written = i + 1
	}
	if written == 0 {
		return htmlText(s)
	}
	b.WriteString(s[written:])
	return htmlText(b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// bodyStart opens every HTML email.
const bodyStart = `<!doctype html>
<html><head><meta charset="utf-8"></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328">
`

// bodyEnd closes it.
const bodyEnd = "</body></html>\n"
