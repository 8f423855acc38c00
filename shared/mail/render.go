package mail

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Entry is one message of a conversation as an email shows it.
type Entry struct {
	At     time.Time
	Author string
	Body   string
	Email  bool // sent or received by email rather than chat
	Files  []File
}

// File is a file an email names: carried by the email itself, behind a
// link, or named only.
type File struct {
	Name     string
	Size     string // as people read it: "120 KB"
	URL      string
	Attached bool
}

// Thread is what a continuation email or a transcript shows: an optional
// lead text (the agent's reply) with its files, then the conversation.
type Thread struct {
	Lead      string
	LeadFiles []File
	LeadBy    string
	Title     string // heading above the history, e.g. "Your conversation"
	StartedAt time.Time
	PageURL   string // where the chat started; shown as a link when http(s)
	Entries   []Entry
	// Omitted counts the earlier messages left out to keep the email under
	// its size limit; Rest is where the whole conversation can be read
	// (shown as a link when http(s)).
	Omitted int
	Rest    string
	// FilesNote says how long file links work, under the files.
	FilesNote string
	// Survey, when set, are the links that rate the conversation, for
	// scores 1 to 5 in order (a transcript of a channel with the survey
	// on); only http(s) links are shown.
	Survey   []string
	Footer   string
	Location *time.Location
}

// SurveyQuestion and ScoreLabels are how a transcript asks for a rating
// (the widget asks the same, in the visitor's language).
const SurveyQuestion = "How was this conversation?"

// ScoreLabels name the scores 1 to 5.
var ScoreLabels = [5]string{"Very bad", "Bad", "OK", "Good", "Very good"}

// Render returns the plain text and HTML bodies of t. Every piece of
// content is escaped in the HTML body; nothing from a message is ever
// inserted as markup.
func Render(t Thread) (text, htmlBody string, err error) {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	const layout = "2 Jan 2006 15:04 MST"
	started := t.StartedAt.In(loc).Format(layout)
	page, rest := "", ""
	if httpURL(t.PageURL) {
		page = t.PageURL
	}
	if httpURL(t.Rest) {
		rest = t.Rest
	}
	var tb, hb strings.Builder
	hb.WriteString(bodyStart)
	if t.Lead != "" || len(t.LeadFiles) > 0 {
		if t.Lead != "" {
			tb.WriteString(t.Lead + "\n")
			hb.WriteString(`<div style="white-space:pre-wrap">` + htmlText(t.Lead) + "</div>\n")
		}
		if len(t.LeadFiles) > 0 {
			tb.WriteString("\n")
			textFiles(&tb, t.LeadFiles)
		}
		tb.WriteString("\n")
		htmlFiles(&hb, t.LeadFiles)
		hb.WriteString("\n")
		if t.LeadBy != "" {
			tb.WriteString("— " + t.LeadBy + "\n")
			hb.WriteString(`<p style="color:#59636e">— ` + htmlText(t.LeadBy) + "</p>")
		}
		tb.WriteString("\n")
		hb.WriteString("\n" + `<hr style="border:none;border-top:1px solid #d1d9e0">` + "\n")
	}
	tb.WriteString(t.Title + "\n")
	hb.WriteString(`<h3 style="font-size:15px">` + htmlText(t.Title) + "</h3>\n")
	if !t.StartedAt.IsZero() {
		tb.WriteString("Started " + started)
		hb.WriteString(`<p style="color:#59636e">Started ` + htmlText(started))
		if page != "" {
			tb.WriteString(" on " + page)
			hb.WriteString(` on <a href="` + htmlURL(page) + `">` + htmlText(page) + "</a>")
		}
		tb.WriteString("\n")
		hb.WriteString("</p>")
	}
	hb.WriteString("\n")
	if t.Omitted != 0 {
		n := strconv.Itoa(t.Omitted)
		tb.WriteString("\nThe " + n + " earlier messages are not in this email: it would be too large to send.")
		hb.WriteString(`<p style="color:#59636e">The ` + n + " earlier messages are not in this email: it would be too large to send.")
		if rest != "" {
			tb.WriteString(" The whole conversation: " + rest)
			hb.WriteString(` <a href="` + htmlURL(rest) + `">Read the whole conversation</a>.`)
		}
		tb.WriteString("\n")
		hb.WriteString("</p>\n")
	}
	for _, e := range t.Entries {
		when := e.At.In(loc).Format(layout)
		tb.WriteString("\n[" + when + "] " + e.Author)
		hb.WriteString(`<div style="margin:0 0 12px 0">` + "\n" + `<div style="color:#59636e;font-size:12px">` + htmlText(when) + " · <strong>" + htmlText(e.Author) + "</strong>")
		if e.Email {
			tb.WriteString(" (email)")
			hb.WriteString(" · email")
		}
		tb.WriteString(":\n")
		hb.WriteString("</div>\n")
		if e.Body != "" {
			tb.WriteString(e.Body + "\n")
			hb.WriteString(`<div style="white-space:pre-wrap">` + htmlText(e.Body) + "</div>")
		}
		textFiles(&tb, e.Files)
		htmlFiles(&hb, e.Files)
		hb.WriteString("\n</div>\n")
	}
	tb.WriteString("\n")
	if t.FilesNote != "" {
		tb.WriteString(t.FilesNote + "\n")
		hb.WriteString(`<p style="color:#59636e;font-size:12px">` + htmlText(t.FilesNote) + "</p>\n")
	}
	if len(t.Survey) == len(ScoreLabels) && !slices.ContainsFunc(t.Survey, func(u string) bool { return !httpURL(u) }) {
		tb.WriteString("\n" + SurveyQuestion + " Choose a rating:\n")
		hb.WriteString(`<p style="margin:16px 0 6px 0"><strong>` + SurveyQuestion + "</strong></p>\n<p>")
		for i, u := range t.Survey {
			score := strconv.Itoa(i + 1)
			tb.WriteString(score + " - " + ScoreLabels[i] + ": " + u + "\n")
			hb.WriteString(`<a href="` + htmlURL(u) + `" style="display:inline-block;margin:0 6px 6px 0;padding:6px 10px;border:1px solid #d1d9e0;border-radius:6px;color:#1f2328;text-decoration:none">` + score + " · " + ScoreLabels[i] + "</a>\n")
		}
		tb.WriteString("\n")
		hb.WriteString("</p>\n")
	}
	tb.WriteString(t.Footer + "\n")
	hb.WriteString(`<p style="color:#59636e;font-size:12px">` + htmlText(t.Footer) + "</p>\n" + bodyEnd)
	return tb.String(), hb.String(), nil
}

// textFiles writes one line per file: its name and size, and its link or
// whether the email carries it.
func textFiles(b *strings.Builder, files []File) {
	for _, f := range files {
		b.WriteString("[file] " + f.Name + " (" + f.Size + ")")
		if f.URL != "" {
			b.WriteString(": " + f.URL)
		} else if f.Attached {
			b.WriteString(", attached")
		}
		b.WriteString("\n")
	}
}

// htmlFiles writes the files as a list, each name a link when the file
// has an http(s) one.
func htmlFiles(b *strings.Builder, files []File) {
	if len(files) == 0 {
		return
	}
	b.WriteString(`<ul style="margin:4px 0 0 0;padding-left:18px">` + "\n")
	for _, f := range files {
		b.WriteString("<li>")
		if httpURL(f.URL) {
			b.WriteString(`<a href="` + htmlURL(f.URL) + `">` + htmlText(f.Name) + "</a>")
		} else {
			b.WriteString(htmlText(f.Name))
		}
		b.WriteString(` <span style="color:#59636e">(` + htmlText(f.Size))
		if f.Attached {
			b.WriteString(", attached")
		}
		b.WriteString(")</span></li>\n")
	}
	b.WriteString("</ul>")
}

func httpURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
