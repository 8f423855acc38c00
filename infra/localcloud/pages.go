package localcloud

import (
	"html/template"
	"net/http"
	"sort"
)

// The pages carry no inline script, so they work under a strict CSP.
var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>
 body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
 main{max-width:880px;margin:0 auto;padding:32px 20px}
 h1{font-size:24px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
 p.lead{color:#5b6475;margin:0 0 20px}
 table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 2px #0001}
 th,td{text-align:left;padding:8px 12px;border-bottom:1px solid #eceef3;vertical-align:top}
 th{font-weight:600;color:#5b6475;font-size:13px;width:30%}
 code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
 a{color:#2453d6}
</style></head><body><main>{{end}}

{{define "dashboard"}}{{template "head" "Parley local cloud"}}
<h1>Parley local cloud</h1>
<p class="lead">Everything template.yaml describes, running on this machine.</p>
<h2>Endpoints</h2>
<table>{{range .Endpoints}}<tr><th>{{.Name}}</th><td><code>{{.URL}}</code></td></tr>{{end}}</table>
<h2>Functions</h2>
<table><tr><th>Function</th><td><strong>Invocations</strong></td></tr>
{{range .Functions}}<tr><th>{{.Name}}</th><td>{{.Count}}</td></tr>{{end}}</table>
<h2>AWS calls</h2>
<table>{{range .AWS}}<tr><th>{{.Name}}</th><td>{{.Count}}</td></tr>{{end}}</table>
<h2>Dead-letter queues</h2>
<table>{{range .DeadLetters}}<tr><th>{{.Name}}</th><td>{{.Count}} message(s){{if .Count}}: replay with <code>go run ./infra/cmd/redrive -local -queue {{.Name}}</code>{{end}}</td></tr>{{end}}</table>
<p>JSON: <a href="/_local/endpoints">/_local/endpoints</a> · <a href="/_local/stats">/_local/stats</a> ·
<a href="/_local/events.json">/_local/events.json</a> · Page: <a href="/_local/events">recent events</a></p>
</main></body></html>{{end}}

{{define "events"}}{{template "head" "Parley local cloud: events"}}
<h1>Recent events</h1>
<p class="lead">Events put on the EventBridge buses and scheduled rule firings, newest first, with their deliveries.
Clock: {{.Now.Format "2006-01-02 15:04:05"}} UTC. JSON: <a href="/_local/events.json">/_local/events.json</a></p>
<table><tr><th>Time · bus</th><td><strong>Event · deliveries</strong></td></tr>
{{range .Events}}<tr><th>{{.Time.Format "15:04:05.000"}}<br>{{.Bus}}</th><td><strong>{{.Source}} · {{.DetailType}}</strong><br>
<code>{{printf "%s" .Detail}}</code>
{{range .Deliveries}}<br>→ {{.Rule}} → {{.Function}}: {{.Status}} after {{.Attempts}} attempt(s){{if .Error}} ({{.Error}}){{end}}{{end}}</td></tr>
{{else}}<tr><th>–</th><td>No events yet.</td></tr>{{end}}</table>
</main></body></html>{{end}}
`))

type namedCount struct {
	Name  string
	Count int64
}

type namedURL struct{ Name, URL string }

func (c *Cloud) serveDashboard(w http.ResponseWriter, r *http.Request) {
	stats := c.Stats()
	e := c.endpoints
	data := struct {
		Endpoints                   []namedURL
		Functions, AWS, DeadLetters []namedCount
	}{
		Endpoints: []namedURL{
			{"HTTP API", e.HTTPAPI}, {"WebSocket API", e.WebSocket}, {"@connections", e.Callback},
			{"Demo site", e.DemoSite}, {"Chat window", e.WidgetFrame}, {"OIDC issuer", e.OIDCIssuer}, {"AWS endpoint", e.AWS},
			{"Mailbox", e.Mailbox}, {"User pool", e.UserPoolID},
		},
	}
	for name, n := range stats.Invocations {
		data.Functions = append(data.Functions, namedCount{name, n})
	}
	for svc, ops := range stats.AWS {
		for op, n := range ops {
			data.AWS = append(data.AWS, namedCount{svc + " " + op, n})
		}
	}
	byName := func(s []namedCount) {
		sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	}
	for q, n := range stats.DeadLetters {
		data.DeadLetters = append(data.DeadLetters, namedCount{q, int64(n)})
	}
	byName(data.Functions)
	byName(data.AWS)
	byName(data.DeadLetters)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pages.ExecuteTemplate(w, "dashboard", data)
}
