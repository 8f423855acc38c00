package localcloud

import (
	"fmt"
	"html/template"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The demo site is a small shop's page that embeds the widget with one
// script tag, on http://localhost:<port>, another origin than the loader's
// and the inbox's (http://127.0.0.1:<port>) and the chat window's
// (http://127.0.0.1:<port+1>), exactly as on a customer's site. /hostile is
// the same page made as unfriendly as a real site can be: CSS resets with
// !important, huge z-indexes and a strict Content-Security-Policy.
var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Northwind Coffee Roasters{{if .Hostile}} (hostile page){{end}}</title>
<link rel="stylesheet" href="/demo.css">{{if .Hostile}}
<link rel="stylesheet" href="/hostile.css">{{end}}
</head><body>
<header class="site"><div class="wrap">
 <a class="logo" href="/">Northwind<span>Coffee Roasters</span></a>
 <nav aria-label="Main"><a href="#shop">Shop</a><a href="#subscriptions">Subscriptions</a><a href="#guides">Brewing guides</a><a href="#chat-open">Contact</a></nav>
</div></header>
<main>
<section class="hero"><div class="wrap">
 <p class="kicker">Roasted on Mondays, at your door by Thursday</p>
 <h1>Small-batch coffee, roasted to order.</h1>
 <p class="lead">Single origins and house blends from farms we know by name. Free shipping on subscriptions.</p>
 <p><a class="btn" href="#shop">Shop coffee</a> <a class="btn alt" href="#chat-open">Ask a barista</a></p>
</div></section>
<section id="shop" class="wrap products" aria-label="Coffees">
 <article><div class="swatch s1"></div><h2>Huila, Colombia</h2><p>Red apple, panela, cocoa. Washed.</p><p class="price">€14.50 · 250 g</p></article>
 <article><div class="swatch s2"></div><h2>Yirgacheffe, Ethiopia</h2><p>Jasmine, bergamot, peach. Natural.</p><p class="price">€16.00 · 250 g</p></article>
 <article><div class="swatch s3"></div><h2>Northwind Espresso</h2><p>Dark chocolate, hazelnut, long finish.</p><p class="price">€12.90 · 250 g</p></article>
</section>
<section id="guides" class="wrap faq">
 <h2>Questions about grind size or your order?</h2>
 <p>Our baristas answer in the chat, usually within a few minutes. <a href="#chat-open">Start a chat</a>.</p>
</section>
{{if .Hostile}}<div class="promo">SALE 20% · this banner sits at z-index 2147483647</div>{{end}}
</main>
<footer class="site"><div class="wrap">
 <p>© Northwind Coffee Roasters · demo site of the Parley local cloud</p>
 <p>Agent inbox: <a href="{{.Inbox}}">{{.Inbox}}</a> · <a href="{{.Dashboard}}">local cloud dashboard</a>{{if not .Hostile}} · <a href="/hostile">hostile page</a>{{end}}</p>
</div></footer>
<script src="{{.Loader}}" data-channel="main" async></script>
</body></html>
`))

const demoCSS = `*{box-sizing:border-box}
body{margin:0;font:17px/1.6 Georgia,"Iowan Old Style","Times New Roman",serif;color:#2a211c;background:#fbf7f2}
a{color:#8a4b2a}
.wrap{max-width:1040px;margin:0 auto;padding:0 24px}
header.site{background:#fff;border-bottom:1px solid #eadfd3}
header.site .wrap{display:flex;align-items:center;justify-content:space-between;height:72px}
.logo{font:700 22px/1 system-ui,sans-serif;color:#2a211c;text-decoration:none;letter-spacing:-.02em}
.logo span{display:block;font:500 11px/1.6 system-ui,sans-serif;letter-spacing:.18em;text-transform:uppercase;color:#8a4b2a}
nav a{font:500 15px system-ui,sans-serif;color:#2a211c;text-decoration:none;margin-left:28px}
nav a:hover{color:#8a4b2a}
.hero{background:#4a3123;color:#fbf1e6;padding:88px 0 96px}
.kicker{font:600 13px system-ui,sans-serif;letter-spacing:.14em;text-transform:uppercase;color:#e9b98f;margin:0}
.hero h1{font-size:52px;line-height:1.1;margin:14px 0 16px;max-width:640px}
.lead{font-size:20px;max-width:560px;color:#f0dcc8}
.btn{display:inline-block;font:600 15px system-ui,sans-serif;background:#e9b98f;color:#2a211c;padding:13px 22px;border-radius:999px;text-decoration:none;margin:12px 10px 0 0}
.btn.alt{background:transparent;color:#fbf1e6;box-shadow:inset 0 0 0 2px #e9b98f}
.products{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:28px;padding-top:64px;padding-bottom:24px}
.products article{background:#fff;border-radius:16px;padding:22px;box-shadow:0 1px 3px rgba(42,33,28,.08)}
.products h2{font-size:22px;margin:16px 0 4px}
.products p{margin:0;color:#5c4d42}
.price{font:600 15px system-ui,sans-serif;margin-top:12px!important;color:#2a211c!important}
.swatch{height:150px;border-radius:12px}
.s1{background:#b5713f}
.s2{background:#d9a066}
.s3{background:#4b2c1c}
.faq{padding:40px 24px 80px}
.faq h2{font-size:28px;margin-bottom:6px}
footer.site{background:#2a211c;color:#cdbfb2;font:14px/1.6 system-ui,sans-serif;padding:28px 0}
footer.site a{color:#e9b98f}
@media (max-width:640px){nav{display:none}.hero h1{font-size:36px}}
`

// hostileCSS is what careless or hostile site styles look like.
const hostileCSS = `*,*::before,*::after{all:unset!important;display:block!important;position:static!important;
font-family:"Comic Sans MS",cursive!important;color:#f0f!important;z-index:999999999!important;transform:translateZ(0)!important;
visibility:visible!important;box-sizing:content-box!important;filter:none!important}
head,script,style,link,title,meta{display:none!important}
iframe{display:none!important;width:1px!important;height:1px!important}
button{display:none!important}
div{position:relative!important;z-index:2147483647!important}
body{transform:scale(1)!important;overflow:hidden!important;contain:paint!important}
.promo{position:fixed!important;right:0!important;bottom:0!important;width:420px!important;height:180px!important;
background:#ff0!important;z-index:2147483647!important;padding:20px!important}
`

type demoData struct {
	Inbox, Dashboard, Loader string
	Hostile                  bool
}

func (c *Cloud) demoData(hostile bool) demoData {
	return demoData{Inbox: c.endpoints.Inbox, Dashboard: c.endpoints.Dashboard, Loader: c.endpoints.WidgetLoader, Hostile: hostile}
}

func (c *Cloud) serveDemo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = demoPage.Execute(w, c.demoData(false))
}

// HostileCSP is the hostile page's policy: no inline script or style and no
// eval. It allows exactly what the README says a site must allow for the
// widget: the loader's origin for scripts, the chat window's for frames,
// and the API's origin for the config.
func (c *Cloud) HostileCSP() string {
	return fmt.Sprintf("default-src 'none'; script-src 'self' %s; connect-src %s; frame-src %s; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'",
		c.base, strings.TrimSuffix(c.endpoints.HTTPAPI, "/api"), c.widget.base)
}

func (c *Cloud) serveHostile(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", c.HostileCSP())
	_ = demoPage.Execute(w, c.demoData(true))
}

func (c *Cloud) serveDemoCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write([]byte(demoCSS))
}

func (c *Cloud) serveHostileCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write([]byte(hostileCSS))
}

var pageName = regexp.MustCompile(`^[a-z0-9-]{1,40}\.html$`)

// servePage serves a page of Config.PagesDir on the demo site.
func (c *Cloud) servePage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if c.cfg.PagesDir == "" || !pageName.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	b, err := os.ReadFile(filepath.Join(c.cfg.PagesDir, name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

var avatarName = regexp.MustCompile(`^([a-z]{1,20})\.svg$`)

// serveAvatar draws a picture for demo agents' profiles
// (/_local/avatars/alice.svg), so avatars work without the internet.
func serveAvatar(w http.ResponseWriter, r *http.Request) {
	m := avatarName.FindStringSubmatch(r.PathValue("name"))
	if m == nil {
		http.NotFound(w, r)
		return
	}
	colours := []string{"#d9485f", "#2f9e77", "#7b61ff", "#e8890c", "#1c7ed6"}
	name := m[1]
	bg := colours[int(name[0])%len(colours)]
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="%s"/>`+
		`<circle cx="32" cy="25" r="12" fill="#fff" opacity=".92"/><path d="M10 60c2-13 11-20 22-20s20 7 22 20" fill="#fff" opacity=".92"/></svg>`, bg)
}
