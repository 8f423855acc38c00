package config

import (
	"fmt"
	"net/url"
	"strings"
)

// readInboxURL reads INBOX_URL: where the inbox is served (the web
// distribution's root in AWS, /inbox/ in the local cloud), which emails to
// agents link to. Unset or empty, there is none.
func readInboxURL(lookup func(string) (string, bool)) (*url.URL, error) {
	v, ok := lookup("INBOX_URL")
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		return nil, nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("config: INBOX_URL=%q is not a URL like https://inbox.example.com/", v)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}
