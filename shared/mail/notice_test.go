package mail_test

import (
	"strings"
	"testing"

	parleymail "github.com/parleychat/parley/shared/mail"
)

// TestRenderNotice: the quoted text is escaped in the HTML body (markup
// from a note stays text), and only an http(s) link becomes a link.
func TestRenderNotice(t *testing.T) {
	tests := []struct {
		name, link string
		wantLink   bool
	}{
		{"https link", "https://inbox.example.com/#/c/8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", true},
		{"script link", "javascript:alert(1)", false},
		{"no link", "", false},
	}
	const quote = `<img src=x onerror="alert(1)"> @Ben please check`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, html, err := parleymail.RenderNotice(parleymail.Notice{
				Heading: "Alice mentioned you", Quote: quote, By: "Alice <script>", Link: tt.link, LinkText: "Open the conversation",
			})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, quote) {
				t.Errorf("the text body lacks the note as written:\n%s", text)
			}
			if strings.Contains(html, "<img") || strings.Contains(html, "<script") || !strings.Contains(html, "&lt;img src=x") {
				t.Errorf("the HTML body holds markup from the note:\n%s", html)
			}
			if got := strings.Contains(html, `href="`+tt.link+`"`) && tt.link != ""; got != tt.wantLink {
				t.Errorf("link shown = %v, want %v:\n%s", got, tt.wantLink, html)
			}
			if got := strings.Contains(text, "Open the conversation: "+tt.link) && tt.link != ""; got != tt.wantLink {
				t.Errorf("link in text = %v, want %v:\n%s", got, tt.wantLink, text)
			}
		})
	}
}
