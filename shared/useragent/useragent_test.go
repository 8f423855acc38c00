package useragent_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/bounded"
	"github.com/parleychat/parley/shared/useragent"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, ua string
		want     useragent.Summary
	}{
		{"Chrome on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", useragent.Summary{Browser: "Chrome 131", OS: "Windows"}},
		{"Edge on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", useragent.Summary{Browser: "Edge 131", OS: "Windows"}},
		{"Opera on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0", useragent.Summary{Browser: "Opera 115", OS: "macOS"}},
		{"Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", useragent.Summary{Browser: "Safari 18", OS: "macOS"}},
		{"Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", useragent.Summary{Browser: "Firefox 133", OS: "Linux"}},
		{"Firefox on Ubuntu", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", useragent.Summary{Browser: "Firefox 128", OS: "Linux"}},
		{"Safari on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", useragent.Summary{Browser: "Safari 17", OS: "iOS 17"}},
		{"Chrome on iPad", "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", useragent.Summary{Browser: "Chrome 131", OS: "iOS 18"}},
		{"Firefox on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15", useragent.Summary{Browser: "Firefox 133", OS: "iOS 18"}},
		{"Chrome on Android, reduced", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", useragent.Summary{Browser: "Chrome 131", OS: "Android 10"}},
		{"Samsung Internet", "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", useragent.Summary{Browser: "Samsung Internet 26", OS: "Android 14"}},
		{"Edge on Android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0", useragent.Summary{Browser: "Edge 131", OS: "Android 10"}},
		{"Chrome on ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", useragent.Summary{Browser: "Chrome 131", OS: "ChromeOS"}},
		{"headless Chromium", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", useragent.Summary{Browser: "Chrome 131", OS: "Linux"}},
		{"a Go client", "Go-http-client/1.1", useragent.Summary{}},
		{"curl", "curl/8.5.0", useragent.Summary{}},
		{"empty", "", useragent.Summary{}},
		{"markup", "<script>alert(1)</script> Chrome/<b>", useragent.Summary{Browser: "Chrome"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := useragent.Parse(tt.ua); got != tt.want {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseOnHostileInput(t *testing.T) {
	for _, in := range bounded.Hostile(bounded.Size) {
		bounded.Check(t, in.Describe("Parse"), func() {
			s := useragent.Parse(in.Text)
			if len(s.Browser) > 40 || len(s.OS) > 20 || strings.ContainsAny(s.Browser+s.OS, "<>\"'") {
				t.Errorf("Parse(%s) = %+v", in.Describe(""), s)
			}
		})
	}
}
