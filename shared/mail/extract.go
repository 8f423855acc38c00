package mail

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Every pattern here is RE2 (linear time), so extraction is bounded by the
// input's length whatever the input.
var (
	// quoteHeader matches the line a client writes above the quoted
	// message, in English, German, Italian, French and Polish, as Gmail,
	// Apple Mail, iPhone and Thunderbird write them.
	quoteHeader = regexp.MustCompile(`(?i)^(` +
		`on\s.{1,250}\swrote:|` + // en: On Sat, 21 Nov 2026 at 19:42, Alice <a@x> wrote:
		`am\s.{1,250}\sschrieb\s?.{0,250}:|` + // de: Am 21.11.2026 um 19:42 schrieb Alice:
		`il\s.{1,250}\sha scritto:|` + // it: Il giorno sab 21 nov 2026 alle ore 19:42 Alice ha scritto:
		`le\s.{1,250}\sa écrit\s?:|` + // fr: Le sam. 21 nov. 2026 à 19:42, Alice a écrit :
		`w dniu\s.{1,250}\s(pisze|napisał\(a\)|napisał|napisała):|` + // pl (Thunderbird): W dniu 21.11.2026 o 19:42, Alice pisze:
		`.{1,250}\snapisał(\(a\)|a)?:|` + // pl (Gmail): sob., 21 lis 2026 o 19:42 Alice <a@x> napisał(a):
		`wiadomość napisana przez\s.{1,250}:` + // pl (Apple Mail)
		`)\s*$`)

	// originalMessage matches Outlook's separators.
	originalMessage = regexp.MustCompile(`(?i)^\s*(-{2,}\s*(original message|ursprüngliche nachricht|messaggio originale|message d'origine|wiadomość oryginalna|oryginalna wiadomość)\s*-{2,}|_{20,})\s*$`)

	// outlookFrom and outlookSent match the header block Outlook writes
	// above the quoted message (From:/Sent:, Von:/Gesendet:, Da:/Inviato:,
	// De :/Envoyé :, Od:/Wysłano:).
	outlookFrom = regexp.MustCompile(`(?i)^\s*\*?(from|von|da|de|od)\s?:\*?\s`)
	outlookSent = regexp.MustCompile(`(?i)^\s*\*?(sent|date|gesendet|datum|inviato|data|envoyé|wysłano|wysłane)\s?:\*?\s`)

	// mobileSignature matches the lines phones and apps add.
	mobileSignature = regexp.MustCompile(`(?i)^\s*(sent from my \S.{0,40}|sent from (mail|outlook) for .{1,40}|get outlook for \S.{0,30}|von meinem \S.{0,40} gesendet|gesendet von meinem \S.{0,40}|inviato da(l mio)? \S.{0,40}|envoyé de mon \S.{0,40}|envoyé depuis mon \S.{0,40}|wysłane z (mojego )?\S.{0,40})\s*$`)
)

// ExtractReply returns the new text of a reply: the quoted history, the
// quote header above it and the signature are cut off. Text is the
// text/plain body; when it is empty the HTML body is used.
func ExtractReply(text, htmlBody string) string {
	if strings.TrimSpace(text) == "" && htmlBody != "" {
		text = HTMLToText(cutHTMLQuote(htmlBody))
	}
	return extractText(text)
}

func extractText(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	cut := len(lines)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t\u00a0")
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, ">"):
			cut = i
			// The quote header may sit just above, possibly wrapped over
			// two lines, possibly followed by a blank line.
			j := i - 1
			for j >= 0 && strings.TrimSpace(lines[j]) == "" {
				j--
			}
			if j >= 0 && isQuoteHeader(lines[j]) {
				cut = j
			} else if j >= 1 && isQuoteHeader(strings.TrimSpace(lines[j-1])+" "+strings.TrimSpace(lines[j])) {
				cut = j - 1
			}
		case isQuoteHeader(trimmed):
			cut = i
		case i+1 < len(lines) && utf8.RuneCountInString(trimmed) < 200 && trimmed != "" && isQuoteHeader(trimmed+" "+strings.TrimSpace(lines[i+1])):
			cut = i
		case originalMessage.MatchString(trimmed):
			cut = i
		case outlookFrom.MatchString(line) && outlookBlock(lines[i+1:]):
			cut = i
		case line == "--" || line == "-- " || lines[i] == "-- ":
			cut = i
		case mobileSignature.MatchString(trimmed):
			cut = i
		default:
			continue
		}
		break
	}
	out := strings.Join(lines[:cut], "\n")
	return strings.TrimSpace(out)
}

func isQuoteHeader(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && len(s) < 600 && quoteHeader.MatchString(s)
}

// outlookBlock reports whether a Sent:/Date: line follows within the next
// lines, which tells Outlook's header block from a sentence that starts
// with "From:".
func outlookBlock(next []string) bool {
	for k := 0; k < 4 && k < len(next); k++ {
		if outlookSent.MatchString(next[k]) {
			return true
		}
	}
	return false
}

// htmlQuoteMarkers start the quoted part of HTML replies: Gmail's
// gmail_quote, Apple Mail's and Thunderbird's blockquote type=cite and
// moz-cite-prefix, Outlook's divRplyFwdMsg / appendonsend and its rule.
var htmlQuoteMarkers = []string{
	`<div class="gmail_quote`, `<div class=gmail_quote`, `<blockquote`, `<div class="moz-cite-prefix`,
	`<div id="appendonsend"`, `<div id="divRplyFwdMsg"`, `<div id=divRplyFwdMsg`, `<hr`, `<div class="OutlookMessageHeader`,
	`<div style="border:none;border-top:solid #E1E1E1`,
}

func cutHTMLQuote(h string) string {
	lower := asciiLower(h)
	cut := len(h)
	for _, m := range htmlQuoteMarkers {
		if i := strings.Index(lower, asciiLower(m)); i >= 0 && i < cut {
			cut = i
		}
	}
	return h[:cut]
}

// HTMLToText turns HTML into plain text: block elements and <br> become
// line breaks, scripts and styles are dropped, every other tag is removed
// and entities are decoded. It never produces HTML.
func HTMLToText(h string) string {
	var b strings.Builder
	lower := asciiLower(h)
	i := 0
	for i < len(h) {
		lt := strings.IndexByte(h[i:], '<')
		if lt < 0 {
			b.WriteString(html.UnescapeString(h[i:]))
			break
		}
		b.WriteString(html.UnescapeString(h[i : i+lt]))
		i += lt
		gt := strings.IndexByte(h[i:], '>')
		if gt < 0 {
			break
		}
		tag := lower[i+1 : i+gt]
		i += gt + 1
		name := strings.TrimPrefix(tag, "/")
		if k := strings.IndexAny(name, " \t\n\r/"); k >= 0 {
			name = name[:k]
		}
		switch name {
		case "script", "style", "head", "title":
			if !strings.HasPrefix(tag, "/") {
				end := strings.Index(lower[i:], "</"+name)
				if end < 0 {
					i = len(h)
				} else {
					i += end
				}
			}
		case "br":
			b.WriteString("\n")
		case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol":
			b.WriteString("\n")
		}
	}
	lines := strings.Split(b.String(), "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.Fields(strings.ReplaceAll(l, "\u00a0", " ")), " ")
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// asciiLower lowers A–Z only, so byte offsets stay those of the input.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
