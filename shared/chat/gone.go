package chat

// Gone connections: a push that finds a socket closed (410 Gone) is most
// often how the system learns of it, since API Gateway's $disconnect is
// best effort. The domain forgets such a connection as $disconnect would.

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// pushVia pushes frame to connections found in the listener set via and
// forgets those found gone.
func (s *Service) pushVia(ctx context.Context, via Via, connectionIDs []string, frame any) {
	for _, id := range s.notify.Push(ctx, connectionIDs, frame) {
		s.forget(ctx, id, via)
	}
}

// Answer pushes frame to one connection: the answer to a frame it sent (a
// resume's page, an error, a pong). A connection found gone is forgotten.
func (s *Service) Answer(ctx context.Context, connectionID string, frame any) {
	s.pushVia(ctx, Via{}, []string{connectionID}, frame)
}

// connectGrace is how long after its $connect a connection is kept when a
// push finds it gone. API Gateway answers PostToConnection with 410 until
// the $connect integration has returned (29 s at most), but $connect
// stores the connection and its listener items before returning: a push
// racing a new socket's $connect must not delete it, or the socket stays
// open with a connection the system no longer knows (no pushes reach it,
// its frames are refused). A connection that really went away that soon is
// deleted by its $disconnect, or by a push after the grace.
const connectGrace = 30 * time.Second

// forget deletes a connection a push found gone (that one, never the
// sender's), with the listener item of via it was found through, and,
// once a visitor's last tab is gone, marks the visitor offline and tells
// the inbox. A connection younger than connectGrace is kept; its age is
// read on the clock that stamped it (the service's: the local cloud's
// test clock moves it, not the store's). Failures are logged: the push is
// done, and the connection's TTL removes what stays.
func (s *Service) forget(ctx context.Context, id string, via Via) {
	var c Connection
	var err error
	if via.Kind == "" {
		c, err = s.store.DeleteConnection(ctx, id)
	} else {
		// Who it was, and how long ago it connected, is read before the
		// item goes.
		c, err = s.store.Connection(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			slog.ErrorContext(ctx, "delete gone connection", "connectionId", id, "error", err)
			return
		}
		if err == nil && s.now().Sub(c.ConnectedAt) < connectGrace {
			return
		}
		err = s.store.DeleteConnectionVia(ctx, id, via)
	}
	if err != nil {
		slog.ErrorContext(ctx, "delete gone connection", "connectionId", id, "error", err)
		return
	}
	visitorID := ""
	switch {
	case c.Principal.Role == RoleVisitor:
		visitorID = c.Principal.ID
	case via.Kind == ViaVisitor:
		visitorID = via.ID
	}
	if visitorID != "" {
		s.visitorLeft(ctx, visitorID)
	}
	if c.Principal.Role == RoleAgent {
		s.agentSocketClosed(ctx, c)
	}
}
