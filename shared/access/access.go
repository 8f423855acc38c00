// Package access keeps agents' access state: an admin can disable an
// agent, an agent can sign out everywhere. Either closes the agent's open
// sockets at once and refuses its earlier tokens and tickets from then on.
package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// Record is what is stored under an agent's own key: its access state and,
// once it has one, its profile.
type Record struct {
	State   State
	Profile *chat.Agent
}

// Store keeps the state and finds an agent's sockets.
type Store interface {
	AgentAccess(ctx context.Context, agentID string) (State, error)
	// AgentRecord reads the agent's access state and profile in one
	// consistent read.
	AgentRecord(ctx context.Context, agentID string) (Record, error)
	// SetAgentDisabled commits only while by is still an admin (Admin).
	SetAgentDisabled(ctx context.Context, agentID string, disabled bool, by Admin) error
	SetAgentSignedOut(ctx context.Context, agentID string, at time.Time) error
	// AgentConnections finds the agent's sockets among an inbox's.
	AgentConnections(ctx context.Context, inboxID, agentID string) ([]string, error)
}

// Sockets forgets a socket as its $disconnect would (chat.Service): the
// connection, its listener items and its entry among the agent's open
// sockets, so the agent's presence no longer counts it. AgentLeft then
// marks an agent who signed out or was disabled as gone at once, where a
// closed socket alone leaves it available for a while (a reload).
type Sockets interface {
	Disconnect(ctx context.Context, connectionID string) error
	AgentLeft(ctx context.Context, agentID string) error
}

// Closer is the part of the @connections client that closes sockets and
// says why beforehand.
type Closer interface {
	PostToConnection(ctx context.Context, params *apigatewaymanagementapi.PostToConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
	DeleteConnection(ctx context.Context, params *apigatewaymanagementapi.DeleteConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.DeleteConnectionOutput, error)
}

// Admin is the admin making a change. A change that could leave the team
// without an admin (disabling an agent, taking the admin role back)
// commits only while this admin still is one: enabled and, unless the
// identity provider's admin group makes it one (ByGroup), holding the
// role in the product. So of two admins disabling or demoting each other
// at once, one write fails, and the acting admin always remains.
type Admin struct {
	ID      string
	ByGroup bool
}

// ErrNoLongerAdmin refuses a change whose admin lost the role (or was
// disabled) while making it.
var ErrNoLongerAdmin = &chat.Error{Kind: chat.ErrForbidden, Message: "you are no longer an admin"}

// Errors of Check; both are chat.ErrUnauthorized, so the inbox signs in
// again.
var (
	ErrDisabled  = &chat.Error{Kind: chat.ErrUnauthorized, Message: "agent disabled"}
	ErrSignedOut = &chat.Error{Kind: chat.ErrUnauthorized, Message: "signed out: sign in again"}
)

// Guard checks and changes agents' access.
type Guard struct {
	store   Store
	closer  Closer
	sockets Sockets
	now     func() time.Time
}

// New returns a Guard. closer and sockets may be nil in functions that
// only check.
func New(st Store, closer Closer, sockets Sockets, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	return &Guard{store: st, closer: closer, sockets: sockets, now: now}
}

// Check refuses a disabled agent, or a token or ticket issued at or
// before the agent's last sign-out. It costs one GetItem, read
// consistently: a change is in force for the very next request.
func (g *Guard) Check(ctx context.Context, agentID string, issuedAt time.Time) error {
	st, err := g.store.AgentAccess(ctx, agentID)
	if err != nil {
		return err
	}
	return st.check(issuedAt)
}

// Disabled says whether an admin has turned the agent's access off.
func (g *Guard) Disabled(ctx context.Context, agentID string) (bool, error) {
	st, err := g.store.AgentAccess(ctx, agentID)
	return st.Disabled, err
}

// Admit is Check for the start of a request that acts as the agent: the
// same one consistent read (a Query of the agent's partition) also brings
// the agent's profile, nil when it has none yet, which tells its name and
// its inboxes (chat.Service.Member).
func (g *Guard) Admit(ctx context.Context, agentID string, issuedAt time.Time) (*chat.Agent, error) {
	rec, err := g.store.AgentRecord(ctx, agentID)
	if err != nil {
		return nil, err
	}
	if err := rec.State.check(issuedAt); err != nil {
		return nil, err
	}
	return rec.Profile, nil
}

func (st State) check(issuedAt time.Time) error {
	switch {
	case st.Disabled:
		return ErrDisabled
	case !st.SignedOutAt.IsZero() && !issuedAt.After(st.SignedOutAt):
		return ErrSignedOut
	}
	return nil
}

// SignOut refuses every token and ticket the agent holds now and closes
// its sockets, found among those of its inboxes; the agent then counts as
// away at once. It returns how many sockets it closed.
func (g *Guard) SignOut(ctx context.Context, agent chat.Principal) (int, error) {
	if err := g.store.SetAgentSignedOut(ctx, agent.ID, g.now().Truncate(time.Second)); err != nil {
		return 0, err
	}
	return g.leave(ctx, agent, &chat.ClosingFrame{Type: "closing", CloseCode: chat.CloseSignedOut, Reason: "signed_out"})
}

// SetDisabled disables or enables an agent, by an admin; disabling
// closes its sockets, found among those of its inboxes, and the agent
// counts as away at once.
func (g *Guard) SetDisabled(ctx context.Context, agent chat.Principal, disabled bool, by Admin) (int, error) {
	if err := g.store.SetAgentDisabled(ctx, agent.ID, disabled, by); err != nil {
		return 0, err
	}
	if !disabled {
		return 0, nil
	}
	return g.leave(ctx, agent, &chat.ClosingFrame{Type: "closing", CloseCode: chat.CloseDisabled, Reason: "disabled"})
}

// leave closes the agent's sockets, saying why, and marks it gone, even
// when a socket could not be closed (it is forgotten all the same, and
// counts no more once the agent is marked). Presence is a hint: a failure
// to mark is logged, and the sign-out or disabling stands.
func (g *Guard) leave(ctx context.Context, agent chat.Principal, why *chat.ClosingFrame) (int, error) {
	n, err := g.closeSockets(ctx, agent, why)
	if lerr := g.sockets.AgentLeft(ctx, agent.ID); lerr != nil {
		slog.ErrorContext(ctx, "mark agent gone", "agentId", agent.ID, "error", lerr)
	}
	return n, err
}

// CloseSockets closes each of the agent's sockets (found among those of
// the inboxes agent lists) without a reason: the inbox opens a new socket,
// with a ticket carrying what the agent is now (its memberships changed).
func (g *Guard) CloseSockets(ctx context.Context, agent chat.Principal) (int, error) {
	return g.closeSockets(ctx, agent, nil)
}

// closeSockets closes each of the agent's sockets through @connections
// and forgets it as $disconnect would: the gateway's $disconnect may never
// come, and when it comes after the connection is forgotten it finds
// nothing to forget, so the socket must also leave the agent's presence
// here (else the agent would count as in the inbox until the socket's
// entry expired, two hours after it opened). API Gateway
// closes a socket with code 1000 and no reason, so why, when there is one,
// is pushed first, for the inbox to show and to close with.
func (g *Guard) closeSockets(ctx context.Context, agent chat.Principal, why *chat.ClosingFrame) (int, error) {
	agentID := agent.ID
	var ids []string
	for _, inbox := range agent.Inboxes {
		found, err := g.store.AgentConnections(ctx, inbox, agentID)
		if err != nil {
			return 0, err
		}
		// A socket listens to each of the agent's inboxes: listed once.
		for _, id := range found {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	var (
		errs   []error
		closed int
	)
	var frame []byte
	if why != nil {
		var err error
		if frame, err = json.Marshal(why); err != nil {
			return 0, fmt.Errorf("encode closing frame: %w", err)
		}
	}
	for _, id := range ids {
		// Best effort: a socket that cannot hear why is closed all the same.
		if frame != nil {
			if _, err := g.closer.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: frame}); err != nil {
				slog.InfoContext(ctx, "closing frame not delivered", "connectionId", id, "error", err)
			}
		}
		_, err := g.closer.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
		var gone *types.GoneException
		closeErr := err != nil && !errors.As(err, &gone)
		if closeErr {
			errs = append(errs, fmt.Errorf("close connection %s: %w", id, err))
		}
		// Forgotten even when the close failed: a socket the table does not
		// know gets no pushes and every frame it sends is refused.
		if err := g.sockets.Disconnect(ctx, id); err != nil {
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
