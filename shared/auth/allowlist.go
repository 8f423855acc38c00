package auth

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/parleychat/parley/shared/chat"
)

// ErrOrigin refuses a request whose Origin is not allowed where it goes.
var ErrOrigin = &chat.Error{Kind: chat.ErrUnauthorized, Message: "origin not allowed"}

// Allowlist says which origins may use each chat channel's widget routes
// and open visitor sockets, and which may open agents' sockets (the
// inbox). A channel without a list, or with an empty one, allows nothing.
type Allowlist struct {
	channels map[string]Origins
	inbox    Origins
}

// NewAllowlist returns the allowlist of the given channels and inbox.
func NewAllowlist(channels map[string]Origins, inbox Origins) Allowlist {
	return Allowlist{channels: channels, inbox: inbox}
}

// Channel reports whether origin may use channelID's widget.
func (a Allowlist) Channel(channelID, origin string) bool {
	return a.channels[channelID].Allows(origin)
}

// Inbox reports whether origin may open an agent's socket.
func (a Allowlist) Inbox(origin string) bool { return a.inbox.Allows(origin) }

// CheckSocket checks the Origin of a socket opened with ticket t: a
// visitor's against its channel's list, an agent's against the inbox's.
func (a Allowlist) CheckSocket(t chat.Ticket, origin string) error {
	ok := false
	switch t.Principal.Role {
	case chat.RoleVisitor:
		ok = a.Channel(t.ChannelID, origin)
	case chat.RoleAgent:
		ok = a.Inbox(origin)
	}
	if !ok {
		return ErrOrigin
	}
	return nil
}

// ParseAppOrigins builds an allowlist from the URLs an app is served at
// (the inbox's sign-in callback URLs, for example): each URL's scheme,
// host and port; its path does not matter.
func ParseAppOrigins(urls []string) (Origins, error) {
	list := make([]string, 0, len(urls))
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("auth: %q is not a URL", raw)
		}
		list = append(list, u.Scheme+"://"+u.Host)
	}
	return ParseOrigins(list)
}
