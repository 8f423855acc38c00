package mail

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// windows1252 maps the bytes 0x80–0x9F, where Windows-1252 differs from
// ISO-8859-1; Outlook labels much mail with it.
var windows1252 = [32]rune{
	'€', 0xFFFD, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0xFFFD, 'Ž', 0xFFFD,
	0xFFFD, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0xFFFD, 'ž', 'Ÿ',
}

// charsetReader converts the charsets mail clients commonly send to UTF-8:
// UTF-8 and US-ASCII as they are, ISO-8859-1/-15 and Windows-1252 byte by
// byte. Others are refused, and the caller keeps the raw text.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	raw, err := io.ReadAll(io.LimitReader(in, MaxInboundBytes))
	if err != nil {
		return nil, err
	}
	out, err := toUTF8(charset, raw)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(out), nil
}

func toUTF8(charset string, raw []byte) (string, error) {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return strings.ToValidUTF8(string(raw), "\uFFFD"), nil
	case "iso-8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252":
		if utf8.Valid(raw) && !bytes.ContainsFunc(raw, func(r rune) bool { return r >= 0x80 && r < 0xA0 }) && bytes.IndexFunc(raw, func(r rune) bool { return r > 0x7f }) < 0 {
			return string(raw), nil
		}
		var b strings.Builder
		for _, c := range raw {
			switch {
			case c >= 0x80 && c < 0xA0:
				b.WriteRune(windows1252[c-0x80])
			default:
				b.WriteRune(rune(c))
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("unsupported charset %q", charset)
}
