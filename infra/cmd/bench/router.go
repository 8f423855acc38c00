package main

import (
	"context"
	"sync"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
)

// arrival is a message frame an agent socket received, and when.
type arrival struct {
	msg chatclient.Message
	at  time.Time
}

// router reads one agent socket and hands each message frame to whoever
// waits for its client id, so many conversations share a few agent sockets
// the way a real inbox does.
type router struct {
	mu      sync.Mutex
	waiting map[string]chan arrival
	// resumed holds the waits for a conversation's resume answer.
	resumed map[string]chan struct{}
	sock    *chatclient.Socket
}

func newRouter(s *chatclient.Socket) *router {
	r := &router{waiting: map[string]chan arrival{}, resumed: map[string]chan struct{}{}, sock: s}
	go func() {
		for {
			f, err := s.Next(context.Background(), func(f chatclient.Frame) bool { return f.Type == "message" || f.Type == "messages" })
			if err != nil {
				return
			}
			if f.Type == "messages" {
				r.mu.Lock()
				ch := r.resumed[f.ConversationID]
				delete(r.resumed, f.ConversationID)
				r.mu.Unlock()
				if ch != nil {
					close(ch)
				}
				continue
			}
			m, err := f.Msg()
			if err != nil {
				continue
			}
			r.mu.Lock()
			ch := r.waiting[m.ClientID]
			delete(r.waiting, m.ClientID)
			r.mu.Unlock()
			if ch != nil {
				ch <- arrival{msg: m, at: f.Received}
			}
		}
	}()
	return r
}

// expect returns the channel the message with clientID will arrive on.
func (r *router) expect(clientID string) chan arrival {
	ch := make(chan arrival, 1)
	r.mu.Lock()
	r.waiting[clientID] = ch
	r.mu.Unlock()
	return ch
}

// expectResume returns a channel closed when the answer to a resume of
// convID arrives.
func (r *router) expectResume(convID string) chan struct{} {
	ch := make(chan struct{})
	r.mu.Lock()
	r.resumed[convID] = ch
	r.mu.Unlock()
	return ch
}

// forget drops a wait that will not be served (a socket that is not sent
// the message).
func (r *router) forget(clientID string) {
	r.mu.Lock()
	delete(r.waiting, clientID)
	r.mu.Unlock()
}
