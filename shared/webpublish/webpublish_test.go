package webpublish

import (
	"strings"
	"testing"
	"testing/fstest"
)

func testEnv() Env {
	return Env{HTTPAPI: "https://api.example.com/", WidgetConfig: "https://cdn.example.net/", WebSocket: "wss://ws.example.com/live", OIDC: OIDC{
		Authorize: "https://auth.example.com/oauth2/authorize", Token: "https://auth.example.com/oauth2/token",
		Logout: "https://auth.example.com/logout", ClientID: "abc",
	}, Widget: "https://chat.example.net/widget/frame.html"}
}

func TestRender(t *testing.T) {
	dist := fstest.MapFS{
		"widget/loader.js":  {Data: []byte(`fetch("__PARLEY_API__/widget/config");frame("__PARLEY_FRAME__")`)},
		"widget/frame.html": {Data: []byte(`<meta name="parley-env" content="__PARLEY_ENV__">`)},
		"widget/frame-X.js": {Data: []byte(`__PARLEY_API__ stays in assets`)},
		"inbox/index.html":  {Data: []byte(`<meta name="parley-env" content="__PARLEY_ENV__">`)},
	}
	out, err := Render(dist, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out["widget/loader.js"]); got != `fetch("https://cdn.example.net/widget/config");frame("https://chat.example.net/widget/frame.html")` {
		t.Errorf("loader = %s, want the config through the CDN and the chat window's page", got)
	}
	frame := string(out["widget/frame.html"])
	if !strings.Contains(frame, `content="{&#34;httpApi&#34;:&#34;https://api.example.com&#34;,&#34;webSocket&#34;:&#34;wss://ws.example.com/live&#34;`) || strings.Contains(frame, "cdn.example.net") {
		t.Errorf("frame page = %s", frame)
	}
	if string(out["widget/frame-X.js"]) != "__PARLEY_API__ stays in assets" {
		t.Error("an asset was rewritten")
	}
}

func TestRenderRefuses(t *testing.T) {
	full := fstest.MapFS{
		"widget/loader.js":  {Data: []byte(`"__PARLEY_API__" "__PARLEY_FRAME__"`)},
		"widget/frame.html": {Data: []byte(``)},
		"inbox/index.html":  {Data: []byte(``)},
	}
	tests := []struct {
		name   string
		dist   fstest.MapFS
		change func(*Env)
		want   string
	}{
		{"quote in URL", full, func(e *Env) { e.HTTPAPI = `https://x.example.com/"+alert(1)+"` }, "not a plain absolute URL"},
		{"script scheme", full, func(e *Env) { e.OIDC.Token = "javascript://x.example.com/" }, "must use http or https"},
		{"http socket", full, func(e *Env) { e.WebSocket = "https://ws.example.com" }, "must use ws or wss"},
		{"no config URL", full, func(e *Env) { e.WidgetConfig = "" }, "widget config URL"},
		{"no client id", full, func(e *Env) { e.OIDC.ClientID = "" }, "client id is empty"},
		{"missing page", fstest.MapFS{"widget/loader.js": full["widget/loader.js"]}, nil, "widget/frame.html is missing"},
		{"stale loader", fstest.MapFS{"widget/loader.js": {Data: []byte("x")}}, nil, "no __PARLEY_API__ placeholder"},
		{"loader without the chat window's URL", fstest.MapFS{"widget/loader.js": {Data: []byte(`"__PARLEY_API__"`)}, "widget/frame.html": {}, "inbox/index.html": {}}, nil, "no __PARLEY_FRAME__ placeholder"},
		{"no chat window URL", full, func(e *Env) { e.Widget = "" }, "chat window URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv()
			if tt.change != nil {
				tt.change(&env)
			}
			_, err := Render(tt.dist, env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
