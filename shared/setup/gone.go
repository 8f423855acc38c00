package setup

import (
	"context"
	"errors"
	"fmt"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/push"
	"github.com/parleychat/parley/shared/store"
)

// Service returns the chat service and the pusher it notifies through. A
// connection a push finds gone is handled as its $disconnect would be, which
// API Gateway may never deliver: its items are deleted and, for a visitor's
// last tab, the visitor goes offline.
func (e Env) Service(st *store.Store) (*chat.Service, *push.Pusher) {
	gone := &goneConnections{st: st}
	pusher := e.Pusher(gone)
	svc := chat.NewService(st, pusher, e.Options())
	gone.svc = svc
	return svc, pusher
}

// goneConnections implements push.Remover. svc is set once, before any
// push.
type goneConnections struct {
	st  *store.Store
	svc *chat.Service
}

func (g *goneConnections) DeleteConnection(ctx context.Context, id string) error {
	return g.forget(ctx, id, nil)
}

func (g *goneConnections) DeleteConnectionVia(ctx context.Context, id string, via chat.Via) error {
	return g.forget(ctx, id, &via)
}

func (g *goneConnections) forget(ctx context.Context, id string, via *chat.Via) error {
	// Who it was is read before the item goes.
	c, err := g.st.Connection(ctx, id)
	if err != nil && !errors.Is(err, chat.ErrNotFound) {
		return fmt.Errorf("gone connection %s: %w", id, err)
	}
	if via != nil {
		err = g.st.DeleteConnectionVia(ctx, id, *via)
	} else {
		err = g.st.DeleteConnection(ctx, id)
	}
	if err != nil {
		return err
	}
	visitorID := ""
	switch {
	case c.Principal.Role == chat.RoleVisitor:
		visitorID = c.Principal.ID
	case via != nil && via.Kind == chat.ViaVisitor:
		visitorID = via.ID
	}
	if visitorID != "" {
		g.svc.VisitorGone(ctx, visitorID)
	}
	return nil
}
