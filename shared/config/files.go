package config

import (
	"fmt"
	"net/url"
	"strings"
)

// readFilesURL reads FILES_BASE_URL: the origin attachment downloads are
// served from (scheme and host only, e.g. the files distribution's
// https://d111111abcdef8.cloudfront.net). Unset or empty, downloads keep
// the presigned URL's own host.
func readFilesURL(lookup func(string) (string, bool)) (*url.URL, error) {
	v, ok := lookup("FILES_BASE_URL")
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		return nil, nil
	}
	u, err := url.Parse(strings.TrimSuffix(v, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("config: FILES_BASE_URL=%q is not an origin like https://files.example.com", v)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}
