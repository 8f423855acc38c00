package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Access is the configuration of who may reach what, and how often.
type Access struct {
	// InboxOrigins are the URLs the inbox is served at (INBOX_ORIGINS):
	// agents' sockets must come from their origins.
	InboxOrigins []string
	// Rate limits (RATE_LIMIT_*), each a number per RateWindow; 0 turns
	// one off. PerIP: visitor session, ticket, contact and $connect requests of a
	// source IP together; VisitorMessages: a visitor's messages over all
	// its tabs; ConnectionFrames: a socket's frames other than messages.
	PerIP            int
	VisitorMessages  int
	ConnectionFrames int
	RateWindow       time.Duration
	// AdminGroup is the group claim value (cognito:groups) that makes an
	// agent an admin (ADMIN_GROUP, default "admins").
	AdminGroup string
}

// Defaults of the rate limits, per minute.
const (
	DefaultPerIP            = 120
	DefaultVisitorMessages  = 60
	DefaultConnectionFrames = 120
)

func readAccess(optional func(name, def string) string, bad *[]string) Access {
	count := func(name string, def int) int {
		v := optional(name, strconv.Itoa(def))
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			*bad = append(*bad, fmt.Sprintf("%s=%q is not a count (0 or more)", name, v))
			return 0
		}
		return n
	}
	a := Access{
		PerIP:            count("RATE_LIMIT_PER_IP", DefaultPerIP),
		VisitorMessages:  count("RATE_LIMIT_VISITOR_MESSAGES", DefaultVisitorMessages),
		ConnectionFrames: count("RATE_LIMIT_CONNECTION_FRAMES", DefaultConnectionFrames),
		RateWindow:       time.Minute,
		AdminGroup:       optional("ADMIN_GROUP", "admins"),
	}
	for _, o := range strings.Split(optional("INBOX_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			a.InboxOrigins = append(a.InboxOrigins, o)
		}
	}
	return a
}
