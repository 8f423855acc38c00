package oidc

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
)

// The sign-in page has no script and no inline style, so it works under
// the strict policy below. form-action must include the redirect targets:
// browsers apply it to the redirect that follows the form post.
const signInCSP = "default-src 'none'; style-src 'self'; form-action 'self' http://localhost:* http://127.0.0.1:* http://[::1]:*; " +
	"frame-ancestors 'none'; base-uri 'none'"

var signInPage = template.Must(template.New("signin").Funcs(template.FuncMap{"join": strings.Join}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Parley (local)</title>
<link rel="stylesheet" href="signin.css">
</head>
<body>
<main>
<h1>Sign in to Parley</h1>
<p class="note">Local development sign-in. The demo agents below exist only on this machine; their password is <code>demo</code>.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<section aria-labelledby="demo-heading">
<h2 id="demo-heading">Continue as a demo agent</h2>
<form method="post" action="authorize">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<ul class="agents">
{{range .Agents}}<li><button type="submit" name="agent" value="{{.Sub}}"><span class="name">{{.Name}}</span> <span class="email">{{.Email}}</span>{{if .Groups}} <span class="groups">{{join .Groups ", "}}</span>{{end}}</button></li>
{{end}}</ul>
</form>
</section>
<section aria-labelledby="password-heading">
<h2 id="password-heading">Or sign in with email and password</h2>
<p class="note">An invited agent signs in with the email address and the temporary password of the invitation.</p>
<form method="post" action="authorize">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="{{.Email}}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button>
</form>
</section>
</main>
</body>
</html>
`))

// newPasswordPage is the step Cognito's hosted UI shows a user who signed
// in with a temporary password. The temporary password is not carried on:
// the session names the half-done sign-in.
var newPasswordPage = template.Must(template.New("newpassword").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Choose a new password · Parley (local)</title>
<link rel="stylesheet" href="signin.css">
</head>
<body>
<main>
<h1>Choose a new password</h1>
<p class="note">You signed in{{if .Email}} as <strong>{{.Email}}</strong>{{end}} with a temporary password. Choose a password of your own to continue.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="authorize">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<input type="hidden" name="session" value="{{.Session}}">
<label for="new_password">New password</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" required aria-describedby="policy">
<label for="confirm_password">Enter the new password again</label>
<input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required>
<p id="policy" class="note">{{.Policy}}</p>
<button type="submit" class="primary">Set password and sign in</button>
</form>
</main>
</body>
</html>
`))

type signInData struct {
	Fields []field
	Agents []Agent
	Email  string
	Error  string
}

type newPasswordData struct {
	Fields                        []field
	Session, Email, Error, Policy string
}

func (i *Issuer) renderSignIn(w http.ResponseWriter, status int, a authRequest, email, message string) {
	renderPage(w, status, signInPage, signInData{Fields: a.fields(), Agents: i.demoAgents(), Email: email, Error: message})
}

func (i *Issuer) renderNewPassword(w http.ResponseWriter, status int, a authRequest, session, email, message string) {
	renderPage(w, status, newPasswordPage, newPasswordData{
		Fields: a.fields(), Session: session, Email: email, Error: message, Policy: i.policy.describe(),
	})
}

func renderPage(w http.ResponseWriter, status int, page *template.Template, data any) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "could not render the sign-in page")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", signInCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

const stylesheet = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin:0 0 .5rem}
h2{font-size:1rem;margin:1.5rem 0 .75rem}
.note{color:#4a5262;font-size:.9rem}
.error{background:#fdecec;color:#8a1c1c;padding:.5rem .75rem;border-radius:6px}
.agents{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
button{font:inherit;cursor:pointer;border-radius:8px}
.agents button{width:100%;text-align:left;padding:.6rem .8rem;border:1px solid #c9ced8;background:#fff;display:flex;flex-wrap:wrap;gap:.25rem .5rem}
.agents button:hover{border-color:#2f5bea}
.name{font-weight:600}
.email{color:#4a5262}
.groups{font-size:.8rem;background:#e8edfd;color:#1f3fa8;padding:0 .4rem;border-radius:4px}
label{display:block;margin:.75rem 0 .25rem;font-weight:500}
input{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid #c9ced8;border-radius:6px}
.primary{margin-top:1rem;width:100%;padding:.6rem;border:0;background:#2f5bea;color:#fff;font-weight:600}
button:focus-visible,input:focus-visible{outline:3px solid #8aa4f8;outline-offset:2px}
`

func serveStylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write([]byte(stylesheet))
}
