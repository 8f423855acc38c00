package mail

import (
	"html"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// Every pattern here is RE2 (linear time) and runs on one line, most of
// them only on a line short enough to be what they look for, so
// extraction is bounded by the input's length whatever the input.

// headerForm is one way a client writes the line above the quoted
// message. Every header of the form contains the lower-case keyword,
// which decides cheaply whether the pattern needs to run at all.
type headerForm struct {
	keyword string
	re      *regexp.Regexp
}

func form(keyword, pattern string) headerForm {
	return headerForm{keyword, regexp.MustCompile(`(?i)^(?:` + pattern + `)\s*$`)}
}

// replyPatterns tell a reply from what it quotes.
type replyPatterns struct {
	quoteHeaders []headerForm

	dated, attribution, originalMessage, outlookFrom, outlookSent, mobileSignature *regexp.Regexp
}

// patterns are compiled on first use, not at init: only the function that
// reads inbound mail extracts replies, and compiling them takes about 2 ms
// and 1 MB, which every function importing this package would otherwise
// pay at each cold start (docs/cost.md, "Cold start and binary size").
var patterns = sync.OnceValue(func() *replyPatterns {
	return &replyPatterns{
		// quoteHeaders are the quote headers of Gmail, Apple Mail, iPhone,
		// Thunderbird and the big webmails in English, German, Italian, French,
		// Polish, Spanish, Portuguese, Dutch, Russian, Swedish, Danish, Norwegian,
		// Czech, Turkish, Japanese and Chinese. Each carries a date or a lead
		// word. A lead word alone is close to ordinary text ("On the invoice
		// you wrote:"), so a line that no quoted lines follow ends the reply
		// only when it also holds a date, a time or an address (dated).
		quoteHeaders: []headerForm{
			form("wrote", `on\s.+\swrote:`),                                       // en: On Sat, 21 Nov 2026 at 19:42, Alice <a@x> wrote:
			form("wrote", `.+\swrote\son\s.*\d.*:`),                               // en (Thunderbird): Alice wrote on 21/11/2026 19:42:
			form("schrieb", `am\s.+\sschrieb\s?.*:`),                              // de: Am 21.11.2026 um 19:42 schrieb Alice:
			form("ha scritto", `il\s.+\sha scritto:`),                             // it: Il giorno sab 21 nov 2026 alle ore 19:42 Alice ha scritto:
			form("a écrit", `le\s.+\sa écrit\s?:`),                                // fr: Le sam. 21 nov. 2026 à 19:42, Alice a écrit :
			form("w dniu", `w dniu\s.+\s(pisze|napisał\(a\)|napisał|napisała):`),  // pl (Thunderbird): W dniu 21.11.2026 o 19:42, Alice pisze:
			form("napisał", `.+\snapisał(\(a\)|a)?:`),                             // pl (Gmail): sob., 21 lis 2026 o 19:42 Alice <a@x> napisał(a):
			form("wiadomość napisana przez", `wiadomość napisana przez\s.+:`),     // pl (Apple Mail)
			form("escribió", `el\s.+\sescribió\s?:`),                              // es: El sáb, 21 nov 2026 a las 19:42, Alice (<a@x>) escribió:
			form("escribió", `.+\sescribió\sel\s.*\d.*:`),                         // es (Thunderbird): Alice escribió el 21/11/26 a las 19:42:
			form("escreveu", `(em|às|a)\s.+\sescreveu\s?:`),                       // pt: Em sáb., 21 de nov. de 2026 às 19:42, Alice <a@x> escreveu:
			form("escreveu", `.+\sescreveu\s(em|às|no dia)\s.*\d.*:`),             // pt: Alice escreveu às 19:42 de 21/11/2026:
			form("schreef", `op\s.+\sschreef\s.+:`),                               // nl: Op za 21 nov 2026 om 19:42 schreef Alice <a@x>:
			form("schreef", `.+\sschreef\sop\s.*\d.*:`),                           // nl (Thunderbird): Alice schreef op 21-11-2026 om 19:42:
			form("geschreven", `op\s.+\sheeft\s.+\shet volgende geschreven\s?:`),  // nl (Apple Mail)
			form("пишет", `.*\d.*\sпишет(\s.+)?:`),                                // ru (Thunderbird): 21.11.2026 19:42, Alice пишет:
			form("написал", `.*\d.*\sнаписал(\(а\)|а)?(\s.+)?:`),                  // ru (Apple Mail): 21 нояб. 2026 г., в 19:42, Alice <a@x> написал(а):
			form("г.", `.+\d{4}\sг\.,?\sв\s\d{1,2}:\d{2},\s.+:`),                  // ru (Gmail): сб, 21 нояб. 2026 г. в 19:42, Alice <a@x>:
			form(" от ", `.+\d{1,2}:\d{2}.*\sот\s.+<.+@.+>:`),                     // ru (Mail.ru): Суббота, 21 ноября 2026, 19:42 +03:00 от Alice <a@x>:
			form("@", `\d{1,2}\.\d{1,2}\.\d{2,4},?\s\d{1,2}:\d{2},?\s.+<.+@.+>:`), // ru (Yandex): 21.11.2026, 19:42, "Alice" <a@x>:
			form("skre", `.*\d.*\s(skrev|skreiv)(\s.+)?:`),                        // sv, da, no: lör 21 nov. 2026 kl. 19:42 skrev Alice <a@x>:
			form("napsal", `.*\d.*\snapsal(\(a\)|a)?(\s.+)?:`),                    // cs: Dne 21. 11. 2026 v 19:42 Alice napsal(a):
			form("yazdı", `.*\d.*\s(şunu\s)?yazdı\s?:`),                           // tr: 21.11.2026 19:42 tarihinde Alice yazdı:
			form("年", `\d{4}年\d{1,2}月\d{1,2}日.*\d{1,2}:\d{2}.*<.+@.+>\s?[:：]`),    // ja (Gmail): 2026年11月21日(土) 19:42 Alice <a@x>:
			form("のメール", `.*\d.*のメール\s?[:：]`),                                     // ja (Apple Mail): 2026/11/21 19:42、Alice <a@x>のメール:
			form("道", `.*\d.*(写道|寫道)\s?[:：]`),                                     // zh: Alice <a@x> 于2026年11月21日周六 19:42写道：
			form("写于", `.+\s写于\s.*\d.*[:：]`),                                      // zh (Thunderbird): Alice 写于 2026/11/21 19:42:
		},

		// dated matches what a quote header carries and a sentence rarely
		// does: a time (19:42), a numeric date (21.11.2026, 2026/11/21,
		// 2026年11月21日), a year or an address (<a@x>, a@x).
		dated: regexp.MustCompile(`\d{1,2}:\d{2}|\d{1,4}\s?[./\-年]\s?\d{1,2}\s?[./\-月]\s?\d{1,4}|(?:^|\D)(?:19|20)\d{2}(?:\D|$)|\S@\S`),

		// attribution matches the short form of a quote header, without a
		// date ("Alice wrote:"). It is too close to ordinary text to end a
		// reply, so it counts only right above quoted lines.
		attribution: regexp.MustCompile(`(?i)^(` +
			`.+\s(wrote|writes|schrieb|ha scritto|a écrit|pisze|napisał\(a\)|escribió|escreveu|schreef|пишет|skrev|skreiv|napsal\(a\)|yazdı)\s?:|` +
			`(skrev|skreiv)\s.+:|` +
			`.+(写道|寫道)\s?[:：]` +
			`)\s*$`),

		// originalMessage matches Outlook's and Thunderbird's separators.
		originalMessage: regexp.MustCompile(`(?i)^\s*(-{2,}\s*(original message|ursprüngliche nachricht|messaggio originale|message d'origine|wiadomość oryginalna|oryginalna wiadomość|` +
			`mensaje original|mensagem original|oorspronkelijk bericht|исходное сообщение|ursprungligt meddelande|oprindelig meddelelse|opprinnelig melding|opphavleg melding|` +
			`původní zpráva|özgün (i|İ)leti|orijinal mesaj|元のメッセージ|原始邮件|原始郵件|原始消息)\s*-{2,}|_{20,})\s*$`),

		// outlookFrom and outlookSent match the header block Outlook writes
		// above the quoted message (From:/Sent:, Von:/Gesendet:, Da:/Inviato:,
		// De :/Envoyé :, Od:/Wysłano:, De:/Enviado:, Van:/Verzonden:,
		// От:/Отправлено:, Från:/Skickat:, Fra:/Sendt:, Od:/Odesláno:,
		// Kimden:/Gönderildi:, 差出人:/送信日時:, 发件人:/发送时间:).
		outlookFrom: regexp.MustCompile(`(?i)^\s*\*?(from|von|da|de|od|van|от|från|fra|kimden|差出人|发件人|寄件者|發件人)\s?[:：]\*?\s?\S`),
		outlookSent: regexp.MustCompile(`(?i)^\s*\*?(sent|date|gesendet|datum|inviato|data|envoyé|wysłano|wysłane|enviado|enviada|fecha|verzonden|` +
			`отправлено|дата|skickat|sendt|dato|odesláno|gönderildi|tarih|送信日時|日付|发送时间|发送日期|寄件日期|日期)\s?[:：]\*?\s?\S`),

		// mobileSignature matches the lines phones and apps add.
		mobileSignature: regexp.MustCompile(`(?i)^\s*(sent from my \S.{0,40}|sent from (mail|outlook) for .{1,40}|get outlook for \S.{0,30}|` +
			`von meinem \S.{0,40} gesendet|gesendet von meinem \S.{0,40}|inviato da(l mio)? \S.{0,40}|envoyé de mon \S.{0,40}|envoyé depuis mon \S.{0,40}|wysłane z (mojego )?\S.{0,40}|` +
			`enviado desde mi \S.{0,40}|enviado d[oe] meu \S.{0,40}|(verzonden|verstuurd) (vanaf|met|van) mijn \S.{0,40}|отправлено с (моего )?\S.{0,40}|` +
			`skickat från min \S.{0,40}|sendt fra min \S.{0,40}|odesláno z (mého )?\S.{0,40}|\S{1,40}'(umdan|dan|den|tan|ten) gönderildi|` +
			`\S{1,40}から送信|[发發]自我的\s?\S.{0,40}|從我的\s?\S.{0,40}傳送)\s*$`),
	}
})

// maxHeaderLen bounds the lines taken for a quote header (two lines when
// a client wrapped it).
const maxHeaderLen = 600

// Reply is the new text of a received email.
type Reply struct {
	Text string
	// Full reports that the new text could not be told from the quoted
	// history: Text is then the mail without its quoted lines or, when
	// nothing else is left, all of it, for the agent to read.
	Full bool
}

// ExtractReply returns the new text of a reply: the quoted history, the
// quote header above it and the signature are cut off, whether the answer
// sits above the quote (top posting), below it (bottom posting) or
// between quoted passages (interleaved: each answer keeps the quoted
// paragraph it answers). Text is the text/plain body; when it is empty
// the HTML body is used. A mail that is not empty never gives an empty
// reply: when nothing new can be told from the quote, Text is the mail
// shown in full and Full says so.
func ExtractReply(text, htmlBody string) Reply {
	if strings.TrimSpace(text) == "" && htmlBody != "" {
		text = HTMLToText(htmlBody)
	}
	return extractText(text)
}

// lineKind classifies the lines of a mail.
type lineKind uint8

const (
	lineText lineKind = iota
	lineBlank
	lineQuoted // starts with ">"
	lineHeader // a quote header
)

func extractText(text string) Reply {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	kinds, end := classify(lines)
	if r := answer(lines, kinds, end); r != "" {
		return Reply{Text: r}
	}
	return fallback(lines, kinds)
}

// classify gives each line its kind and returns where the reply ends: at
// the first signature, Outlook header block, separator or quote header
// that no quoted line follows (the quote below it is not marked with ">"),
// the last only when it holds a date, a time or an address.
func classify(lines []string) ([]lineKind, int) {
	n := len(lines)
	kinds := make([]lineKind, n)
	header := make([]bool, n)
	for i, l := range lines {
		switch t := strings.TrimSpace(l); {
		case t == "":
			kinds[i] = lineBlank
		case strings.HasPrefix(t, ">"):
			kinds[i] = lineQuoted
		default:
			header[i] = isQuoteHeader(t)
		}
	}
	// nextLine[i] is the first line at or after i that is not blank.
	nextLine := make([]int, n+1)
	nextLine[n] = n
	for i := n - 1; i >= 0; i-- {
		nextLine[i] = i
		if kinds[i] == lineBlank {
			nextLine[i] = nextLine[i+1]
		}
	}
	quotedAt := func(i int) bool { j := nextLine[i]; return j < n && kinds[j] == lineQuoted }
	// outlookBlock reports whether a Sent:/Date: line follows line i
	// closely, which tells Outlook's header block from a sentence that
	// starts with "From:". sent[j] remembers line j's answer (0: not
	// looked at), so each line is matched once.
	sent := make([]uint8, n)
	outlookBlock := func(i int) bool {
		for j := i + 1; j < n && j <= i+4; j++ {
			if sent[j] == 0 {
				sent[j] = 2
				if patterns().outlookSent.MatchString(lines[j]) {
					sent[j] = 1
				}
			}
			if sent[j] == 1 {
				return true
			}
		}
		return false
	}
	end := n
	for i := 0; i < n; i++ {
		if kinds[i] != lineText {
			continue
		}
		line := strings.TrimRight(lines[i], " \t\u00a0")
		trimmed := strings.TrimSpace(line)
		// A header takes one line, or two when a client wrapped it.
		width := 0
		switch {
		case header[i]:
			width = 1
		case i+1 < n && kinds[i+1] == lineText && !header[i+1] && wrappedHeader(trimmed, strings.TrimSpace(lines[i+1])):
			width = 2
		case quotedAt(i+1) && isAttribution(trimmed):
			kinds[i] = lineHeader
			continue
		}
		if width > 0 {
			quoted := quotedAt(i + width)
			whole := trimmed
			if width == 2 {
				whole += " " + strings.TrimSpace(lines[i+1])
			}
			// Above unmarked text, a line with a lead word but no date,
			// time or address is a sentence of the reply, not a header.
			if quoted || patterns().dated.MatchString(whole) {
				for k := i; k < i+width; k++ {
					kinds[k] = lineHeader
				}
				if !quoted {
					end = min(end, i)
				}
				i += width - 1
				continue
			}
		}
		if end == n && (isSeparator(trimmed) ||
			patterns().outlookFrom.MatchString(line) && outlookBlock(i) ||
			line == "--" || // the signature delimiter "-- ", trimmed
			isMobileSignature(trimmed)) {
			end = i
		}
	}
	return kinds, end
}

// answer returns the new text of lines[:end]: the one run of text when
// there is one; the runs with the quoted paragraph each answers when
// they alternate with quotes; "" when there is none.
func answer(lines []string, kinds []lineKind, end int) string {
	type run struct{ from, start, stop int }
	var runs []run
	open := false
	for i := 0; i < end; i++ {
		switch kinds[i] {
		case lineText:
			if open {
				runs[len(runs)-1].stop = i + 1
				continue
			}
			// The quoted paragraph right above: quoted lines back to a
			// blank one, a quoted blank line or the header.
			from := i
			j := i - 1
			for j >= 0 && kinds[j] == lineBlank {
				j--
			}
			for j >= 0 && kinds[j] == lineQuoted && strings.Trim(lines[j], "> \t\u00a0") != "" {
				from = j
				j--
			}
			runs = append(runs, run{from: from, start: i, stop: i + 1})
			open = true
		case lineQuoted, lineHeader:
			open = false
		}
	}
	switch len(runs) {
	case 0:
		return ""
	case 1:
		return strings.TrimSpace(strings.Join(lines[runs[0].start:runs[0].stop], "\n"))
	}
	parts := make([]string, len(runs))
	for k, r := range runs {
		parts[k] = strings.Join(lines[r.from:r.stop], "\n")
	}
	return strings.TrimSpace(strings.Join(parts, "\n\n"))
}

// fallback is the reply of a mail whose new text could not be found: the
// mail without its quoted lines, quote headers and the line a phone adds,
// or all of it when nothing else is left.
func fallback(lines []string, kinds []lineKind) Reply {
	var out []string
	for i, l := range lines {
		switch {
		case kinds[i] == lineQuoted || kinds[i] == lineHeader || isMobileSignature(strings.TrimSpace(l)):
		case kinds[i] == lineBlank:
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
		default:
			out = append(out, l)
		}
	}
	if rest := strings.TrimSpace(strings.Join(out, "\n")); rest != "" {
		return Reply{Text: rest, Full: true}
	}
	if whole := strings.TrimSpace(strings.Join(lines, "\n")); whole != "" {
		return Reply{Text: whole, Full: true}
	}
	return Reply{}
}

// noBreakSpaces are the spaces clients put around dates and before
// French colons.
var noBreakSpaces = strings.NewReplacer("\u00a0", " ", "\u202f", " ")

// headerLine returns the trimmed line s ready for the header patterns, or
// "" when it cannot be a quote header: every header ends with a colon.
func headerLine(s string) string {
	if s == "" || len(s) >= maxHeaderLen || !strings.HasSuffix(s, ":") && !strings.HasSuffix(s, "：") {
		return ""
	}
	return noBreakSpaces.Replace(s)
}

func isQuoteHeader(s string) bool {
	s = headerLine(s)
	if s == "" {
		return false
	}
	lower := strings.ToLower(s)
	for _, f := range patterns().quoteHeaders {
		if strings.Contains(lower, f.keyword) && f.re.MatchString(s) {
			return true
		}
	}
	return false
}

// wrappedHeader reports whether the lines a and b are one quote header
// that a client wrapped.
func wrappedHeader(a, b string) bool {
	return headerLine(b) != "" && utf8.RuneCountInString(a) < 200 && isQuoteHeader(a+" "+b)
}

func isAttribution(s string) bool {
	s = headerLine(s)
	return s != "" && patterns().attribution.MatchString(s)
}

// maxMarkerLen bounds a separator line or a phone's line; longer lines
// skip their patterns.
const maxMarkerLen = 200

func isSeparator(trimmed string) bool {
	return len(trimmed) <= maxMarkerLen && patterns().originalMessage.MatchString(trimmed)
}

func isMobileSignature(trimmed string) bool {
	return len(trimmed) <= maxMarkerLen && patterns().mobileSignature.MatchString(trimmed)
}

// outlookReplyMarkers start the header block above the quoted message in
// Outlook's HTML: its reply container, the empty div before it and its
// rule drawn as a border.
var outlookReplyMarkers = []string{
	`divrplyfwdmsg`, `appendonsend`, `outlookmessageheader`, `border-top:solid #e1e1e1`, `border-top:solid #b5c4df`,
}

// outlookRule is the line Outlook writes above the quoted message in its
// plain text.
const outlookRule = "________________________________"

// HTMLToText turns HTML into plain text as mail clients do: block
// elements and <br> become line breaks (a paragraph ends with a blank
// line), the text of <blockquote> comes out as quoted lines ("> "), a rule
// and Outlook's reply header block as Outlook's line of underscores;
// scripts and styles are dropped, every other tag is removed and entities
// are decoded. It never produces HTML.
func HTMLToText(h string) string {
	type chunk struct {
		quoted bool
		text   string
	}
	var chunks []chunk
	var b strings.Builder
	depth := 0
	// lineEmpty: nothing but white space since the last line break, where
	// the indentation and line breaks of the source between tags count
	// for nothing.
	lineEmpty := true
	write := func(s string) {
		if lineEmpty {
			s = strings.TrimLeft(s, " \t\r\n")
		}
		if s == "" {
			return
		}
		b.WriteString(s)
		if k := strings.LastIndexByte(s, '\n'); k >= 0 {
			lineEmpty, s = true, s[k+1:]
		}
		lineEmpty = lineEmpty && strings.TrimSpace(s) == ""
	}
	lineBreak := func() { b.WriteString("\n"); lineEmpty = true }
	endLine := func() {
		if !lineEmpty {
			lineBreak()
		}
	}
	lower := asciiLower(h)
	i := 0
	for i < len(h) {
		lt := strings.IndexByte(h[i:], '<')
		if lt < 0 {
			write(html.UnescapeString(h[i:]))
			break
		}
		write(html.UnescapeString(h[i : i+lt]))
		i += lt
		gt := strings.IndexByte(h[i:], '>')
		if gt < 0 {
			break
		}
		tag := lower[i+1 : i+gt]
		i += gt + 1
		closing := strings.HasPrefix(tag, "/")
		name := strings.TrimPrefix(tag, "/")
		if k := strings.IndexAny(name, " \t\n\r/"); k >= 0 {
			name = name[:k]
		}
		switch name {
		case "script", "style", "head", "title":
			if !closing {
				end := strings.Index(lower[i:], "</"+name)
				if end < 0 {
					i = len(h)
				} else {
					i += end
				}
			}
		case "blockquote":
			endLine()
			chunks = append(chunks, chunk{depth > 0, b.String()})
			b.Reset()
			if closing {
				depth = max(depth-1, 0)
			} else {
				depth++
			}
		case "br":
			lineBreak()
		case "hr":
			endLine()
			write(outlookRule)
			lineBreak()
		case "div":
			endLine()
			if !closing && outlookHeader(tag) {
				write(outlookRule)
				lineBreak()
			}
		case "p":
			endLine()
			if closing {
				lineBreak()
			}
		case "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre":
			endLine()
		}
	}
	chunks = append(chunks, chunk{depth > 0, b.String()})
	var out []string
	blank := false
	for _, c := range chunks {
		for l := range strings.SplitSeq(c.text, "\n") {
			l = strings.Join(strings.Fields(strings.ReplaceAll(l, "\u00a0", " ")), " ")
			if l == "" {
				if !blank && len(out) > 0 {
					out = append(out, "")
				}
				blank = true
				continue
			}
			blank = false
			if c.quoted {
				l = "> " + l
			}
			out = append(out, l)
		}
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func outlookHeader(tag string) bool {
	for _, m := range outlookReplyMarkers {
		if strings.Contains(tag, m) {
			return true
		}
	}
	return false
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
