package wsapi

import (
	"regexp"

	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/useragent"
)

// countryCode is an ISO 3166-1 alpha-2 code; CloudFront says XX when it
// cannot tell.
var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

// device is what a socket's upgrade request says of the browser: its user
// agent, summarised here (the header itself is not kept), and the
// country CloudFront adds as CloudFront-Viewer-Country when the WebSocket
// API is reached through a distribution that forwards it (the local cloud
// sets it from /_local/viewer; docs/architecture.md, "Who the visitor is").
func device(headers map[string]string) chat.Device {
	ua := useragent.Parse(auth.Header(headers, "User-Agent"))
	d := chat.Device{Browser: ua.Browser, OS: ua.OS}
	if c := auth.Header(headers, "CloudFront-Viewer-Country"); countryCode.MatchString(c) && c != "XX" {
		d.Country = c
	}
	return d
}
