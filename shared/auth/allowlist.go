package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/parleychat/parley/shared/chat"
)

// ErrOrigin refuses a request whose Origin is not allowed where it goes.
var ErrOrigin = &chat.Error{Kind: chat.ErrUnauthorized, Message: "origin not allowed"}

// ChannelOrigins answers each chat channel's allowed origins (the stored
// settings do, from their cache); chat.ErrNotFound for an unknown channel.
type ChannelOrigins interface {
	ChannelOrigins(ctx context.Context, channelID string) (Origins, error)
}

// StaticOrigins is a fixed set of channels' origins (tests, tools).
type StaticOrigins map[string]Origins

// ChannelOrigins implements ChannelOrigins.
func (m StaticOrigins) ChannelOrigins(_ context.Context, channelID string) (Origins, error) {
	if o, ok := m[channelID]; ok {
		return o, nil
	}
	return nil, chat.ErrNotFound
}

// Allowlist says which origins may use each chat channel's widget routes
// and open visitor sockets, and which may open agents' sockets (the
// inbox). Each principal's only from its own origin: a visitor's from the
// chat window's (the widget origins), on a channel that exists; an
// agent's from the inbox's. A channel's own list names the sites that
// embed the widget: they frame the chat window and call nothing the
// visitor's token opens. It fails closed: an unknown channel or a failed
// read of the lists allows nothing.
type Allowlist struct {
	channels ChannelOrigins
	widget   Origins
	inbox    Origins
}

// NewAllowlist returns the allowlist of the channels, the widget's own
// origins (the chat window's, allowed on every channel that exists) and
// the inbox's; without the channels there is none.
func NewAllowlist(channels ChannelOrigins, widget, inbox Origins) (*Allowlist, error) {
	if channels == nil {
		return nil, errors.New("auth: an allowlist needs the channels' origins")
	}
	return &Allowlist{channels: channels, widget: widget, inbox: inbox}, nil
}

// Channel checks that origin may use channelID's widget: nil, ErrOrigin,
// or the error of reading the channel (the request fails). Only the chat
// window's origin may, not the sites (a site's page would otherwise act
// as its visitors) and not the inbox's.
func (a *Allowlist) Channel(ctx context.Context, channelID, origin string) error {
	_, err := a.channels.ChannelOrigins(ctx, channelID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		return ErrOrigin
	case err != nil:
		return fmt.Errorf("origins of channel %s: %w", channelID, err)
	case a.widget.Allows(origin):
		return nil
	}
	return ErrOrigin
}

// ErrSite refuses the chat window of a channel embedded in a site the
// channel does not list.
var ErrSite = &chat.Error{Kind: chat.ErrForbidden, Message: "this chat is not enabled on this site"}

// Site checks that the site the chat window is embedded in (embedder: the
// parent page's origin, which the window verified by postMessage) is one
// of channelID's allowed origins, as stored now: ErrSite, or the error of
// reading the channel. An empty embedder passes: the chat window always
// sends it, and a caller outside a browser can claim any origin anyway
// (docs/security.md, "Origins").
func (a *Allowlist) Site(ctx context.Context, channelID, embedder string) error {
	if embedder == "" {
		return nil
	}
	sites, err := a.channels.ChannelOrigins(ctx, channelID)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		return ErrOrigin
	case err != nil:
		return fmt.Errorf("origins of channel %s: %w", channelID, err)
	case sites.Allows(embedder):
		return nil
	}
	return ErrSite
}

// Inbox reports whether origin may open an agent's socket.
func (a *Allowlist) Inbox(origin string) bool { return a.inbox.Allows(origin) }

// CheckSocket checks the Origin of a socket opened with ticket t: a
// visitor's against its channel's list, an agent's against the inbox's.
func (a *Allowlist) CheckSocket(ctx context.Context, t chat.Ticket, origin string) error {
	switch t.Principal.Role {
	case chat.RoleVisitor:
		return a.Channel(ctx, t.ChannelID, origin)
	case chat.RoleAgent:
		if a.Inbox(origin) {
			return nil
		}
	}
	return ErrOrigin
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
