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

// singleByte returns the table (charset_tables.go) of one of the other
// single-byte charsets mail is written in, by the names and aliases
// clients label it with (lower case, "_" written "-"), or "": the rest of
// ISO-8859, the Windows code pages, KOI8, the DOS and Mac code pages.
// The multi-byte charsets of Chinese, Japanese and Korean are not decoded
// (docs/email.md, "Receiving").
func singleByte(name string) string {
	switch name {
	case "iso-8859-2", "iso-ir-101", "latin2", "l2", "csisolatin2":
		return iso8859_2
	case "iso-8859-3", "iso-ir-109", "latin3", "l3", "csisolatin3":
		return iso8859_3
	case "iso-8859-4", "iso-ir-110", "latin4", "l4", "csisolatin4":
		return iso8859_4
	case "iso-8859-5", "iso-ir-144", "cyrillic", "csisolatincyrillic":
		return iso8859_5
	case "iso-8859-6", "iso-8859-6-i", "iso-8859-6-e", "iso-ir-127", "arabic", "csisolatinarabic":
		return iso8859_6
	case "iso-8859-7", "iso-ir-126", "greek", "greek8", "csisolatingreek":
		return iso8859_7
	case "iso-8859-8", "iso-8859-8-i", "iso-8859-8-e", "iso-ir-138", "hebrew", "csisolatinhebrew":
		return iso8859_8
	case "iso-8859-9", "iso-ir-148", "latin5", "l5", "csisolatin5":
		return iso8859_9
	case "iso-8859-10", "iso-ir-157", "latin6", "l6", "csisolatin6":
		return iso8859_10
	case "iso-8859-11", "tis-620", "windows-874", "cp874", "dos-874":
		return windows874
	case "iso-8859-13", "latin7":
		return iso8859_13
	case "iso-8859-14", "latin8":
		return iso8859_14
	case "iso-8859-15", "latin9", "latin-9", "l9":
		return iso8859_15
	case "iso-8859-16", "latin10":
		return iso8859_16
	case "windows-1250", "cp1250":
		return windows1250
	case "windows-1251", "cp1251":
		return windows1251
	case "windows-1253", "cp1253":
		return windows1253
	case "windows-1254", "cp1254":
		return windows1254
	case "windows-1255", "cp1255":
		return windows1255
	case "windows-1256", "cp1256":
		return windows1256
	case "windows-1257", "cp1257":
		return windows1257
	case "windows-1258", "cp1258":
		return windows1258
	case "koi8-r", "koi8", "cskoi8r":
		return koi8r
	case "koi8-u", "koi8-ru":
		return koi8u
	case "ibm866", "cp866", "866", "csibm866":
		return codePage866
	case "ibm437", "cp437", "437":
		return codePage437
	case "ibm850", "cp850", "850":
		return codePage850
	case "ibm852", "cp852", "852":
		return codePage852
	case "macintosh", "mac", "x-mac-roman", "csmacintosh":
		return macintosh
	case "x-mac-cyrillic", "x-mac-ukrainian":
		return macintoshCyrillic
	}
	return ""
}

// charsetReader converts a charset mail is written in to UTF-8 (toUTF8).
// Others are refused, and the caller keeps the raw text.
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

// toUTF8 decodes raw from charset: UTF-8 and US-ASCII as they are,
// ISO-8859-1 and Windows-1252 byte by byte (as Windows-1252, which is
// what mail labelled ISO-8859-1 is written in), the charsets of
// singleByte by their tables. Bytes a charset does not define become
// U+FFFD; a charset not known is an error.
func toUTF8(charset string, raw []byte) (string, error) {
	name := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(charset)), "_", "-")
	if rest, ok := strings.CutPrefix(name, "iso8859-"); ok {
		name = "iso-8859-" + rest
	}
	if rest, ok := strings.CutPrefix(name, "x-cp"); ok {
		name = "cp" + rest
	}
	switch name {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return strings.ToValidUTF8(string(raw), "\uFFFD"), nil
	case "iso-8859-1", "iso-ir-100", "latin1", "l1", "csisolatin1", "windows-1252", "cp1252":
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
	if table := singleByte(name); table != "" {
		high := []rune(table)
		var b strings.Builder
		b.Grow(len(raw))
		for _, c := range raw {
			if c < 0x80 {
				b.WriteByte(c)
			} else {
				b.WriteRune(high[c-0x80])
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("unsupported charset %q", charset)
}
