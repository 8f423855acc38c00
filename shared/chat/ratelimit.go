package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrRateLimited refuses a request over its rate limit; nothing was stored.
var ErrRateLimited = errors.New("rate limited")

// RateLimitError says when the caller may try again.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
}

func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RateLimit is a number of events allowed per fixed window; Limit 0 means
// no limit.
type RateLimit struct {
	Limit  int
	Window time.Duration
}

// Quota is one fixed-window counter a write counts against: the store
// adds one to it in the same transaction as the write, under the condition
// that it is below Limit, so a refused write stores nothing and costs no
// extra call.
type Quota struct {
	// Key names the counter (for example "visitor#<id>").
	Key string
	// Start and End bound the window that holds At, the time the quota
	// was taken (by the caller's clock, which the store need not share).
	Start, End, At time.Time
	Limit          int
}

// RetryAfter is how long until the quota's window ends, in whole seconds,
// at least one.
func (q Quota) RetryAfter() time.Duration {
	secs := (q.End.Sub(q.At) + time.Second - 1) / time.Second
	return max(secs*time.Second, time.Second)
}

// NewQuota returns the quota of key in the window of r that holds now, or
// nil when r sets no limit.
func NewQuota(r RateLimit, key string, now time.Time) *Quota {
	if r.Limit <= 0 || r.Window <= 0 {
		return nil
	}
	start := now.Truncate(r.Window)
	return &Quota{Key: key, Start: start, End: start.Add(r.Window), At: now, Limit: r.Limit}
}

// FrameCounter counts one frame of a socket against the socket's limit,
// refusing with a *RateLimitError when it is full (ratelimit.Limiter).
type FrameCounter interface {
	Connection(ctx context.Context, connectionID string) error
}

// visitorQuota is the quota a visitor's message counts against: all its
// tabs together.
func (s *Service) visitorQuota(p Principal) *Quota {
	if p.Role != RoleVisitor {
		return nil
	}
	return NewQuota(s.visitorMessages, "visitor#"+p.ID, s.now())
}
