// Package access keeps agents' access state: an admin can disable an
// agent, an agent can sign out everywhere. Either closes the agent's open
// sockets at once and refuses its earlier tokens and tickets from then on.
package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/parleychat/parley/shared/chat"
)

// State is an agent's access state.
type State struct {
	Disabled bool
	// SignedOutAt refuses tokens and tickets issued at or before it
	// (whole seconds, as JWT iat is).
	SignedOutAt time.Time
}

// Store keeps the state and finds an agent's sockets.
type Store interface {
	AgentAccess(ctx context.Context, agentID string) (State, error)
	SetAgentDisabled(ctx context.Context, agentID string, disabled bool) error
	SetAgentSignedOut(ctx context.Context, agentID string, at time.Time) error
	AgentConnections(ctx context.Context, inboxID, agentID string) ([]string, error)
	// DeleteConnection forgets a connection ($disconnect is best effort).
	DeleteConnection(ctx context.Context, id string) error
}

// Closer is the part of the @connections client that closes sockets.
type Closer interface {
	DeleteConnection(ctx context.Context, params *apigatewaymanagementapi.DeleteConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

// Errors of Check; both are chat.ErrUnauthorized, so the inbox signs in
// again.
var (
	ErrDisabled  = &chat.Error{Kind: chat.ErrUnauthorized, Message: "agent disabled"}
	ErrSignedOut = &chat.Error{Kind: chat.ErrUnauthorized, Message: "signed out: sign in again"}
)

// Guard checks and changes agents' access.
type Guard struct {
	store  Store
	closer Closer
	inbox  string
	now    func() time.Time
}

// New returns a Guard for the agents of inbox. closer may be nil in
// functions that only check.
func New(st Store, closer Closer, inbox string, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	return &Guard{store: st, closer: closer, inbox: inbox, now: now}
}

// Check refuses a disabled agent, or a token or ticket issued at or
// before the agent's last sign-out. It costs one GetItem, read
// consistently: a change is in force for the very next request.
func (g *Guard) Check(ctx context.Context, agentID string, issuedAt time.Time) error {
	st, err := g.store.AgentAccess(ctx, agentID)
	if err != nil {
		return err
	}
	switch {
	case st.Disabled:
		return ErrDisabled
	case !st.SignedOutAt.IsZero() && !issuedAt.After(st.SignedOutAt):
		return ErrSignedOut
	}
	return nil
}

// SignOut refuses every token and ticket the agent holds now and closes
// its sockets. It returns how many sockets it closed.
func (g *Guard) SignOut(ctx context.Context, agentID string) (int, error) {
	if err := g.store.SetAgentSignedOut(ctx, agentID, g.now().Truncate(time.Second)); err != nil {
		return 0, err
	}
	return g.closeSockets(ctx, agentID)
}

// SetDisabled disables or enables an agent; disabling closes its sockets.
func (g *Guard) SetDisabled(ctx context.Context, agentID string, disabled bool) (int, error) {
	if err := g.store.SetAgentDisabled(ctx, agentID, disabled); err != nil {
		return 0, err
	}
	if !disabled {
		return 0, nil
	}
	return g.closeSockets(ctx, agentID)
}

// closeSockets closes each of the agent's sockets through @connections
// and forgets it: the gateway's $disconnect may never come.
func (g *Guard) closeSockets(ctx context.Context, agentID string) (int, error) {
	ids, err := g.store.AgentConnections(ctx, g.inbox, agentID)
	if err != nil {
		return 0, err
	}
	var (
		errs   []error
		closed int
	)
	for _, id := range ids {
		_, err := g.closer.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
		var gone *types.GoneException
		closeErr := err != nil && !errors.As(err, &gone)
		if closeErr {
			errs = append(errs, fmt.Errorf("close connection %s: %w", id, err))
		}
		// Forgotten even when the close failed: a socket the table does not
		// know gets no pushes and every frame it sends is refused.
		if err := g.store.DeleteConnection(ctx, id); err != nil {
			errs = append(errs, err)
			continue
		}
		if !closeErr {
			closed++
		}
	}
	slog.InfoContext(ctx, "agent sockets closed", "agentId", agentID, "connections", closed)
	return closed, errors.Join(errs...)
}
