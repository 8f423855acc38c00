// Package useragent summarises a browser's User-Agent header into what an
// agent wants to read beside a conversation: the browser with its major
// version and the operating system ("Firefox 133", "macOS"). It knows the
// browsers and systems that carry nearly all traffic, by the tokens their
// user agents are documented to send, checked in an order that resolves
// the tokens they share (every Chromium browser says "Chrome/", every
// WebKit one "Safari/"). Anything else is "" rather than a guess.
//
// Browsers freeze parts of the header (user-agent reduction): Windows 10
// and 11 both say "Windows NT 10.0", macOS always "10_15_7", Android may
// say "Android 10; K". So the summary names Windows and macOS without a
// version, and Android and iOS with the major version they say.
package useragent

import (
	"strings"
)

// maxLen bounds what is read of a header.
const maxLen = 512

// Summary is a user agent as agents read it.
type Summary struct {
	Browser string
	OS      string
}

// browsers in the order they are tried: a browser whose user agent also
// carries the tokens of the ones after it comes first.
var browsers = []struct{ token, name string }{
	{"EdgiOS/", "Edge"}, {"EdgA/", "Edge"}, {"Edg/", "Edge"},
	{"OPiOS/", "Opera"}, {"OPR/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"YaBrowser/", "Yandex Browser"},
	{"Vivaldi/", "Vivaldi"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"},
	// Safari says its own version in "Version/".
	{"Version/", "Safari"},
}

// Parse summarises a User-Agent header.
func Parse(ua string) Summary {
	if len(ua) > maxLen {
		ua = ua[:maxLen]
	}
	return Summary{Browser: browser(ua), OS: system(ua)}
}

func browser(ua string) string {
	for _, b := range browsers {
		i := strings.Index(ua, b.token)
		if i < 0 {
			continue
		}
		if b.name == "Safari" && !strings.Contains(ua, "Safari/") {
			continue
		}
		if v := major(ua[i+len(b.token):]); v != "" {
			return b.name + " " + v
		}
		return b.name
	}
	return ""
}

// major is the leading number of a version ("131.0.6778.85" → "131").
func major(s string) string {
	n := 0
	for n < len(s) && n < 4 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return s[:n]
}

// after returns the major version that follows token, with "_" or "."
// separating its parts ("iPhone OS 17_4" → "17").
func after(ua, token string) string {
	i := strings.Index(ua, token)
	if i < 0 {
		return ""
	}
	return major(ua[i+len(token):])
}

func system(ua string) string {
	switch {
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod"):
		if v := after(ua, " OS "); v != "" {
			return "iOS " + v
		}
		return "iOS"
	case strings.Contains(ua, "Android"):
		if v := after(ua, "Android "); v != "" {
			return "Android " + v
		}
		return "Android"
	case strings.Contains(ua, "CrOS"):
		return "ChromeOS"
	case strings.Contains(ua, "Windows Phone"):
		return "Windows Phone"
	case strings.Contains(ua, "Windows"):
		return "Windows"
	case strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS X"):
		return "macOS"
	case strings.Contains(ua, "Linux") || strings.Contains(ua, "X11"):
		return "Linux"
	}
	return ""
}
