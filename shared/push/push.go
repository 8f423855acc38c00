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
	"github.com/parleychat/parley/shared/metrics"
)

// Poster is the part of the @connections client this package uses.
type Poster interface {
	PostToConnection(ctx context.Context, params *apigatewaymanagementapi.PostToConnectionInput, optFns ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
}

// parallel bounds concurrent posts per Push.
const parallel = 8

// Pusher implements chat.Notifier.
type Pusher struct {
	poster Poster
}

var _ chat.Notifier = (*Pusher)(nil)

// New returns a Pusher.
func New(p Poster) *Pusher { return &Pusher{poster: p} }

// Push posts frame to every connection, waits for all posts and returns
// the connections that answered 410 Gone, for the caller to forget. Other
// failures are logged: clients resume from their last seq.
func (p *Pusher) Push(ctx context.Context, connectionIDs []string, frame any) []string {
	data, err := json.Marshal(frame)
	if err != nil {
		slog.ErrorContext(ctx, "encode frame", "error", err)
		return nil
	}
	var (
		mu   sync.Mutex
		gone []string
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, parallel)
	for _, id := range connectionIDs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if p.post(ctx, id, data) {
				mu.Lock()
				gone = append(gone, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return gone
}

// post posts data to one connection and reports whether it is gone.
func (p *Pusher) post(ctx context.Context, id string, data []byte) bool {
	_, err := p.poster.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: &id, Data: data})
	if err == nil {
		return false
	}
	var gone *types.GoneException
	if errors.As(err, &gone) {
		slog.InfoContext(ctx, "connection gone", "connectionId", id)
		metrics.Count(map[string]int{metrics.PushesGone: 1})
		return true
	}
	slog.WarnContext(ctx, "push failed", "connectionId", id, "error", err)
	return false
}
