package config

import (
	"fmt"
	"net/url"
	"strconv"
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

// Files is the configuration of the files messages carry.
type Files struct {
	// MaxBytes is the largest file (FILES_MAX_MEGABYTES, default 10);
	// MaxFiles the most files a message carries (FILES_PER_MESSAGE,
	// default 5, at most 10). Both are the default of every chat channel.
	MaxBytes int64
	MaxFiles int
	// Scanning is set when GuardDuty scans the files for malware
	// (MALWARE_SCANNING=Enabled): only files found clean are served.
	Scanning bool
}

// Bounds of the file limits (the template's parameters have the same).
const (
	DefaultFileMegabytes = 10
	MaxFileMegabytes     = 100
	DefaultFilesPerMsg   = 5
	MaxFilesPerMsg       = 10
)

func readFiles(optional func(name, def string) string, bad *[]string) Files {
	whole := func(name string, def, most int) int {
		v := optional(name, strconv.Itoa(def))
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > most {
			*bad = append(*bad, fmt.Sprintf("%s=%q is not a whole number from 1 to %d", name, v, most))
			return def
		}
		return n
	}
	f := Files{
		MaxBytes: int64(whole("FILES_MAX_MEGABYTES", DefaultFileMegabytes, MaxFileMegabytes)) << 20,
		MaxFiles: whole("FILES_PER_MESSAGE", DefaultFilesPerMsg, MaxFilesPerMsg),
	}
	switch v := optional("MALWARE_SCANNING", "Disabled"); v {
	case "Enabled":
		f.Scanning = true
	case "Disabled":
	default:
		*bad = append(*bad, fmt.Sprintf("MALWARE_SCANNING=%q is neither Enabled nor Disabled", v))
	}
	return f
}
