// Package ratelimit limits requests per source IP and frames per socket
// with fixed-window counters kept in the table, so every Lambda instance
// counts against the same numbers. (A visitor's messages are limited in
// the message write itself: chat.Options.VisitorMessages.)
package ratelimit

import (
	"context"
	"net/netip"
	"time"

	"github.com/parleychat/parley/shared/chat"
)

// Counter raises a fixed-window counter by one, refusing with a
// *chat.RateLimitError when it is full (store.Store.Hit).
type Counter interface {
	Hit(ctx context.Context, q chat.Quota) error
}

// Limits are the limits a Limiter enforces.
type Limits struct {
	// PerIP bounds the visitor session, ticket, contact and $connect
	// requests of one source IP, together.
	PerIP chat.RateLimit
	// ConnectionFrames bounds the frames of one socket other than
	// sendMessage (typing, read, resume, ping, unknown actions).
	ConnectionFrames chat.RateLimit
	// Uploads bounds the upload slots one visitor asks for, all its tabs
	// together.
	Uploads chat.RateLimit
}

// Limiter checks requests against Limits; a limit of 0 (by configuration)
// is no limit.
type Limiter struct {
	counter Counter
	limits  Limits
	now     func() time.Time
}

var _ chat.FrameCounter = (*Limiter)(nil)

// New returns a Limiter counting in c. now may be nil (time.Now).
func New(c Counter, l Limits, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{counter: c, limits: l, now: now}
}

// IP counts one request from ip. Without a source IP (a test event, a
// gateway that does not say) there is nothing to count by.
func (l *Limiter) IP(ctx context.Context, ip string) error {
	if ip == "" {
		return nil
	}
	return l.hit(ctx, l.limits.PerIP, "ip#"+ipKey(ip))
}

// ipKey is what one client's addresses share: an IPv4 address, or an IPv6
// address's /64 (a client picks any address of its /64 at will).
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// Connection counts one frame of a socket.
func (l *Limiter) Connection(ctx context.Context, connectionID string) error {
	if connectionID == "" {
		return nil
	}
	return l.hit(ctx, l.limits.ConnectionFrames, "conn#"+connectionID)
}

// Upload counts one upload slot a visitor asks for.
func (l *Limiter) Upload(ctx context.Context, visitorID string) error {
	return l.hit(ctx, l.limits.Uploads, "upload#"+visitorID)
}

func (l *Limiter) hit(ctx context.Context, r chat.RateLimit, key string) error {
	q := chat.NewQuota(r, key, l.now())
	if q == nil {
		return nil
	}
	return l.counter.Hit(ctx, *q)
}
