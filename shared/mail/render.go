package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"text/template"
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

type surveyLink struct {
	Score int
	Label string
	URL   string
}

var textTmpl = template.Must(template.New("text").Parse(`{{define "files"}}{{range .}}[file] {{.Name}} ({{.Size}}){{if .URL}}: {{.URL}}{{else if .Attached}}, attached{{end}}
{{end}}{{end}}{{if or .Lead .LeadFiles}}{{if .Lead}}{{.Lead}}
{{end}}{{if .LeadFiles}}
{{template "files" .LeadFiles}}{{end}}
{{if .LeadBy}}— {{.LeadBy}}
{{end}}
{{end}}{{.Title}}
{{if not .StartedAt.IsZero}}Started {{.Started}}{{if .PageURL}} on {{.PageURL}}{{end}}
{{end}}{{if .Omitted}}
The {{.Omitted}} earlier messages are not in this email: it would be too large to send.{{if .SafeRest}} The whole conversation: {{.SafeRest}}{{end}}
{{end}}{{range .Entries}}
[{{.When}}] {{.Author}}{{if .Email}} (email){{end}}:
{{if .Body}}{{.Body}}
{{end}}{{template "files" .Files}}{{end}}
{{if .FilesNote}}{{.FilesNote}}
{{end}}{{if .Links}}
{{.Question}} Choose a rating:
{{range .Links}}{{.Score}} - {{.Label}}: {{.URL}}
{{end}}
{{end}}{{.Footer}}
`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Parse(`{{define "files"}}{{if .}}<ul style="margin:4px 0 0 0;padding-left:18px">
{{range .}}<li>{{if .URL}}<a href="{{.URL}}">{{.Name}}</a>{{else}}{{.Name}}{{end}} <span style="color:#59636e">({{.Size}}{{if .Attached}}, attached{{end}})</span></li>
{{end}}</ul>{{end}}{{end}}<!doctype html>
<html><head><meta charset="utf-8"></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328">
{{if or .Lead .LeadFiles}}{{if .Lead}}<div style="white-space:pre-wrap">{{.Lead}}</div>
{{end}}{{template "files" .LeadFiles}}
{{if .LeadBy}}<p style="color:#59636e">— {{.LeadBy}}</p>{{end}}
<hr style="border:none;border-top:1px solid #d1d9e0">
{{end}}<h3 style="font-size:15px">{{.Title}}</h3>
{{if not .StartedAt.IsZero}}<p style="color:#59636e">Started {{.Started}}{{if .SafePage}} on <a href="{{.SafePage}}">{{.PageURL}}</a>{{end}}</p>{{end}}
{{if .Omitted}}<p style="color:#59636e">The {{.Omitted}} earlier messages are not in this email: it would be too large to send.{{if .SafeRest}} <a href="{{.SafeRest}}">Read the whole conversation</a>.{{end}}</p>
{{end}}{{range .Entries}}<div style="margin:0 0 12px 0">
<div style="color:#59636e;font-size:12px">{{.When}} · <strong>{{.Author}}</strong>{{if .Email}} · email{{end}}</div>
{{if .Body}}<div style="white-space:pre-wrap">{{.Body}}</div>{{end}}{{template "files" .Files}}
</div>
{{end}}{{if .FilesNote}}<p style="color:#59636e;font-size:12px">{{.FilesNote}}</p>
{{end}}{{if .Links}}<p style="margin:16px 0 6px 0"><strong>{{.Question}}</strong></p>
<p>{{range .Links}}<a href="{{.URL}}" style="display:inline-block;margin:0 6px 6px 0;padding:6px 10px;border:1px solid #d1d9e0;border-radius:6px;color:#1f2328;text-decoration:none">{{.Score}} · {{.Label}}</a>
{{end}}</p>
{{end}}<p style="color:#59636e;font-size:12px">{{.Footer}}</p>
</body></html>
`))

type entryView struct {
	Entry
	When string
}

type threadView struct {
	Thread
	Started  string
	SafePage string
	SafeRest string
	Entries  []entryView
	Question string
	Links    []surveyLink
}

// Render returns the plain text and HTML bodies of t. Every piece of
// content is escaped in the HTML body; nothing from a message is ever
// inserted as markup.
func Render(t Thread) (text, htmlBody string, err error) {
	loc := t.Location
	if loc == nil {
		loc = time.UTC
	}
	const layout = "2 Jan 2006 15:04 MST"
	v := threadView{Thread: t, Started: t.StartedAt.In(loc).Format(layout)}
	if httpURL(t.PageURL) {
		v.SafePage = t.PageURL
	} else {
		v.PageURL = ""
	}
	if httpURL(t.Rest) {
		v.SafeRest = t.Rest
	}
	if len(t.Survey) == len(ScoreLabels) && !slices.ContainsFunc(t.Survey, func(u string) bool { return !httpURL(u) }) {
		v.Question = SurveyQuestion
		for i, u := range t.Survey {
			v.Links = append(v.Links, surveyLink{Score: i + 1, Label: ScoreLabels[i], URL: u})
		}
	}
	for _, e := range t.Entries {
		v.Entries = append(v.Entries, entryView{Entry: e, When: e.At.In(loc).Format(layout)})
	}
	var tb, hb bytes.Buffer
	if err := textTmpl.Execute(&tb, v); err != nil {
		return "", "", fmt.Errorf("render text: %w", err)
	}
	if err := htmlTmpl.Execute(&hb, v); err != nil {
		return "", "", fmt.Errorf("render html: %w", err)
	}
	return tb.String(), hb.String(), nil
}

func httpURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
