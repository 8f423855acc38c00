package attachment

import (
	"fmt"
	"net/url"
	"strings"
)

// ServeFrom makes download URLs point at origin (scheme and host only) in
// place of the bucket's own host. In AWS that is the files distribution:
// a CloudFront origin of its own that forwards the path and the query
// unchanged to the very bucket host the URL was signed for, so S3 still
// checks the signature and the expiry, and that adds the headers S3 does
// not send (X-Content-Type-Options: nosniff, a sandboxing
// Content-Security-Policy). A nil origin keeps the bucket's host.
func ServeFrom(origin *url.URL) Option {
	return func(b *Bucket) { b.origin = origin }
}

// rebase puts signed on origin, keeping its path and query byte for byte:
// a re-encoded path or a reordered query would no longer be the request
// that was signed.
func rebase(signed string, origin *url.URL) (string, error) {
	if origin == nil {
		return signed, nil
	}
	u, err := url.Parse(signed)
	if err != nil {
		return "", fmt.Errorf("presigned URL: %w", err)
	}
	prefix := u.Scheme + "://" + u.Host
	rest, ok := strings.CutPrefix(signed, prefix)
	if u.Host == "" || !ok || (rest != "" && rest[0] != '/') {
		return "", fmt.Errorf("presigned URL of %q has no scheme and host to replace", u.Path)
	}
	return origin.Scheme + "://" + origin.Host + rest, nil
}
