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
			p.post(ctx, id, data)
		})
	}
	wg.Wait()
}

func (p *Pusher) post(ctx context.Context, id string, data []byte) {
	_, err := p.poster.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: data})
	if err == nil {
		return
	}
	var gone *types.GoneException
	if errors.As(err, &gone) {
		slog.InfoContext(ctx, "connection gone", "connectionId", id)
		if err := p.remover.DeleteConnection(ctx, id); err != nil {
			slog.ErrorContext(ctx, "delete gone connection", "connectionId", id, "error", err)
		}
		return
	}
	slog.WarnContext(ctx, "push failed", "connectionId", id, "error", err)
}
