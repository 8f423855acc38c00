// Package push delivers frames to live WebSocket connections through API
// Gateway's @connections API; it implements chat.Notifier.
package push

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"github.com/parleychat/parley/shared/chat"
)

// Poster is the part of the @connections client this package uses.
type Poster interface {
	PostToConnection(ctx context.Context, params *apigatewaymanagementapi.PostToConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
}

// Remover forgets a connection and its subscriptions.
type Remover interface {
	DeleteConnection(ctx context.Context, id string) error
	// DeleteConnectionVia also deletes the connection's listener item in
	// via, whether or not the connection item still lists it.
	DeleteConnectionVia(ctx context.Context, id string, via chat.Via) error
}

// parallel bounds concurrent posts per Push.
const parallel = 8

// Pusher implements chat.Notifier.
type Pusher struct {
	poster  Poster
	remover Remover
}

var _ chat.Notifier = (*Pusher)(nil)

// New returns a Pusher.
func New(p Poster, r Remover) *Pusher { return &Pusher{poster: p, remover: r} }

// Push posts frame to every connection and waits for all posts. A
// connection answering 410 Gone is deleted: that one, never the sender.
func (p *Pusher) Push(ctx context.Context, connectionIDs []string, frame any) {
	p.push(ctx, nil, connectionIDs, frame)
}

// PushVia is Push to connections found in the listener set via; a gone
// connection's listener item there is deleted too.
func (p *Pusher) PushVia(ctx context.Context, via chat.Via, connectionIDs []string, frame any) {
	p.push(ctx, &via, connectionIDs, frame)
}

func (p *Pusher) push(ctx context.Context, via *chat.Via, connectionIDs []string, frame any) {
	data, err := json.Marshal(frame)
	if err != nil {
		slog.ErrorContext(ctx, "encode frame", "error", err)
		return
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, id := range connectionIDs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p.post(ctx, via, id, data)
		})
	}
	wg.Wait()
}

func (p *Pusher) post(ctx context.Context, via *chat.Via, id string, data []byte) {
	_, err := p.poster.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: data})
	if err == nil {
		return
	}
	var gone *types.GoneException
	if errors.As(err, &gone) {
		slog.InfoContext(ctx, "connection gone", "connectionId", id)
		var err error
		if via != nil {
			err = p.remover.DeleteConnectionVia(ctx, id, *via)
		} else {
			err = p.remover.DeleteConnection(ctx, id)
		}
		if err != nil {
			slog.ErrorContext(ctx, "delete gone connection", "connectionId", id, "error", err)
		}
		return
	}
	slog.WarnContext(ctx, "push failed", "connectionId", id, "error", err)
}
