package s3emu

import (
	"net/http"
	"strings"
	"time"
)

// Lifecycle expiration, as S3 computes it: an object under a rule's prefix
// expires at the first midnight UTC at least the rule's days after it was
// written; with several rules, the earliest wins. S3 then removes it
// asynchronously, once a day or later; the local S3 removes it the moment
// its clock has passed that time, so a test that moves the clock sees the
// object gone at its next request, with nothing to wait for.

// expiration returns when a lifecycle rule of b expires o, and the rule.
func (b *bucket) expiration(key string, o Object) (at time.Time, rule string, ok bool) {
	for _, r := range b.config.Expiration {
		if !strings.HasPrefix(key, r.Prefix) {
			continue
		}
		due := o.LastModified.Add(time.Duration(r.Days) * 24 * time.Hour).UTC()
		midnight := due.Truncate(24 * time.Hour)
		if midnight.Before(due) {
			midnight = midnight.Add(24 * time.Hour)
		}
		if !ok || midnight.Before(at) {
			at, rule, ok = midnight, r.ID, true
		}
	}
	return at, rule, ok
}

// object returns a live object of b, and removes it if a lifecycle rule
// has expired it. s.mu is held.
func (s *Server) object(b *bucket, key string) (Object, bool) {
	o, ok := b.objects[key]
	if !ok {
		return Object{}, false
	}
	if at, _, expires := b.expiration(key, o); expires && !s.now().Before(at) {
		delete(b.objects, key)
		return Object{}, false
	}
	return o, true
}

// setExpiration adds the x-amz-expiration header S3 answers for an object
// a lifecycle rule will expire.
func (s *Server) setExpiration(h http.Header, bucket, key string, o Object) {
	s.mu.Lock()
	b := s.buckets[bucket]
	at, rule, ok := b.expiration(key, o)
	s.mu.Unlock()
	if ok {
		h.Set("X-Amz-Expiration", `expiry-date="`+at.Format(http.TimeFormat)+`", rule-id="`+rule+`"`)
	}
}
