package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// outgoing is a message written but not yet acknowledged (its echo not yet
// seen): after a reconnect it is sent again with the same client id.
type outgoing struct {
	clientID, body string
}

// visitor is one visitor with one tab, behaving as the widget does: it
// resumes by seq after every reconnect, resends unacknowledged messages
// with their client ids, and fills a gap in the seqs it sees with resume.
type visitor struct {
	r     *runner
	n     int
	party string
	cli   *chatclient.Visitor
	rng   *rand.Rand

	mu         sync.Mutex
	sock       *chatclient.Socket
	conn       int
	resuming   bool
	conv       string
	th         *thread
	pending    []outgoing
	agentTexts int
	wake       chan struct{}
	retrying   bool // a retry after a failed invocation is scheduled
}

func (v *visitor) signal() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// connect opens a tab's socket with a fresh ticket and catches up: resume
// when the tab knows its conversation, else send what waits.
func (v *visitor) connect(ctx context.Context) error {
	var s *chatclient.Socket
	for attempt := 0; ; attempt++ {
		var err error
		if s, err = v.cli.Connect(ctx); err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: connect: %w", v.party, err)
		}
		v.r.rec.c.connectRetries.Add(1)
		sleep(ctx, backoff(attempt))
	}
	conn := v.r.rec.conn(v.party)
	v.mu.Lock()
	v.sock, v.conn = s, conn
	v.resuming = v.conv != ""
	frames := v.catchUpFrames()
	v.mu.Unlock()
	go v.read(ctx, s, conn)
	v.send(ctx, s, frames)
	return nil
}

// catchUpFrames is what a fresh or recovering socket sends: a resume from
// the last contiguous seq, or, before the conversation exists, the waiting
// messages. Called with v.mu held.
func (v *visitor) catchUpFrames() []any {
	if v.resuming {
		v.r.rec.c.resumes.Add(1)
		return []any{resumeFrame(v.conv, v.th.contiguous)}
	}
	return v.flushFrames()
}

// flushFrames resends every unacknowledged message. Called with v.mu held.
func (v *visitor) flushFrames() []any {
	var out []any
	for _, p := range v.pending {
		v.r.rec.wrote(p.clientID, v.party, p.body)
		out = append(out, sendFrame(p.clientID, v.conv, p.body))
	}
	return out
}

func resumeFrame(conv string, after int64) map[string]any {
	return map[string]any{"action": "resume", "conversationId": conv, "afterSeq": after}
}

func sendFrame(clientID, conv, body string) map[string]any {
	f := map[string]any{"action": "sendMessage", "clientId": clientID, "body": body}
	if conv != "" {
		f["conversationId"] = conv
	}
	return f
}

// send writes frames; a socket that fails meanwhile is replaced by the
// next connect, which sends what is still unacknowledged.
func (v *visitor) send(ctx context.Context, s *chatclient.Socket, frames []any) {
	for _, f := range frames {
		if s.Send(ctx, f) != nil {
			return
		}
	}
}

// drop loses the socket: without a close frame (a phone losing its
// network) or with a clean close (a tab reloading).
func (v *visitor) drop(abort bool) {
	v.mu.Lock()
	s := v.sock
	v.sock = nil
	v.mu.Unlock()
	if s == nil {
		return
	}
	if abort {
		v.r.rec.c.visitorAborts.Add(1)
		s.Abort()
	} else {
		v.r.rec.c.visitorCloses.Add(1)
		s.Close()
	}
}

// live runs the visitor's conversation: each step sends Config.Burst
// messages back to back (the first step one: it starts the conversation)
// and waits for the agent's answer to each before the next step, and a
// share of the steps drops the socket.
func (v *visitor) live(ctx context.Context, messages int) error {
	if err := v.connect(ctx); err != nil {
		return err
	}
	drops := 0
	for k := 0; k < messages; {
		n := 1
		if k > 0 {
			n = min(max(v.r.cfg.Burst, 1), messages-k)
		}
		sleep(ctx, ThinkTime(v.rng, v.r.cfg.Think))
		for range n {
			id := uuid.NewString()
			body := fmt.Sprintf("visitor %d message %d", v.n, k)
			k++
			v.r.rec.wrote(id, v.party, body)
			v.mu.Lock()
			v.pending = append(v.pending, outgoing{id, body})
			s, frame := v.sock, sendFrame(id, v.conv, body)
			if v.resuming {
				s = nil // sent with the others once the resume is answered
			}
			v.mu.Unlock()
			if s != nil {
				v.send(ctx, s, []any{frame})
			}
		}
		if err := v.awaitReply(ctx, k); err != nil {
			return err
		}
		if v.rng.Float64() < v.r.cfg.VisitorDrops {
			drops++
			v.drop((v.n+drops)%2 == 0)
			sleep(ctx, time.Duration(v.rng.IntN(300))*time.Millisecond)
			if err := v.connect(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// awaitReply waits until n agent messages have arrived, reconnecting when
// the socket went away on its own.
func (v *visitor) awaitReply(ctx context.Context, n int) error {
	last := time.Now()
	for {
		v.mu.Lock()
		got, down := v.agentTexts, v.sock == nil
		v.mu.Unlock()
		if got >= n {
			return nil
		}
		if down {
			if err := v.connect(ctx); err != nil {
				return err
			}
		}
		if time.Since(last) > stallAfter {
			// Nothing arrived for a long time: the system is slow, or a
			// push was lost without a gap to show it. Ask again by seq;
			// the final check tells whether anything was lost.
			v.mu.Lock()
			s, conv, frame := v.sock, v.conv, resumeFrame(v.conv, v.th.contiguous)
			v.mu.Unlock()
			if s != nil && conv != "" {
				v.r.rec.c.stallResumes.Add(1)
				v.send(ctx, s, []any{frame})
			}
			last = time.Now()
			continue
		}
		select {
		case <-v.wake:
		case <-time.After(time.Second):
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for answer %d: %w", v.party, n, ctx.Err())
		}
	}
}

func (v *visitor) read(ctx context.Context, s *chatclient.Socket, conn int) {
	for {
		f, err := s.Next(context.Background(), nil)
		if err != nil {
			break
		}
		v.handle(ctx, s, conn, f)
	}
	v.mu.Lock()
	current := v.sock == s
	if current {
		v.sock = nil
	}
	v.mu.Unlock()
	if current && ctx.Err() == nil {
		v.r.rec.c.unexpectedCloses.Add(1)
	}
	v.signal()
}

func (v *visitor) handle(ctx context.Context, s *chatclient.Socket, conn int, f chatclient.Frame) {
	var out []any
	defer func() { v.send(ctx, s, out) }()
	switch f.Type {
	case "message":
		m, err := f.Msg()
		if err != nil {
			v.r.rec.problem(Problem{f.ConversationID, 0, v.party, "undecodable message frame"})
			return
		}
		v.r.rec.live(conn, f.ConversationID, m)
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.conv == "" {
			v.conv = f.ConversationID
		}
		if f.ConversationID != v.conv {
			v.r.rec.problem(Problem{f.ConversationID, m.Seq, v.party, "message of a conversation not the visitor's own"})
			return
		}
		v.take(m, f.Received)
		if !v.resuming && v.th.contiguous < m.Seq-1 {
			v.r.rec.c.gapResumes.Add(1)
			out = append(out, resumeFrame(v.conv, v.th.contiguous))
		}
	case "messages":
		v.r.rec.resumed(v.party, f.ConversationID, f.Messages)
		v.mu.Lock()
		defer v.mu.Unlock()
		if f.ConversationID != v.conv {
			v.r.rec.problem(Problem{f.ConversationID, 0, v.party, "resume answer for a conversation not the visitor's own"})
			return
		}
		for _, m := range f.Messages {
			v.take(m, time.Time{})
		}
		switch {
		case f.HasMore:
			v.r.rec.c.resumes.Add(1)
			out = append(out, resumeFrame(v.conv, v.th.contiguous))
		case v.resuming:
			v.resuming = false
			out = append(out, v.flushFrames()...)
		}
	case "error":
		v.mu.Lock()
		current := v.sock == s
		v.mu.Unlock()
		v.r.rec.refused(current, v.party, conn, f)
	case "":
		// API Gateway's own error frame: the invocation failed, nothing
		// was answered. Try again shortly, as after a reconnect.
		v.r.rec.c.functionErrors.Add(1)
		v.mu.Lock()
		if v.retrying {
			v.mu.Unlock()
			return
		}
		v.retrying = true
		v.mu.Unlock()
		go func() {
			sleep(ctx, retryPause)
			v.mu.Lock()
			v.retrying = false
			if v.sock != s {
				v.mu.Unlock()
				return
			}
			frames := v.catchUpFrames()
			v.mu.Unlock()
			v.send(ctx, s, frames)
		}()
	}
}

// take keeps one message in the tab's copy. Called with v.mu held.
func (v *visitor) take(m chatclient.Message, received time.Time) {
	for i, p := range v.pending {
		if p.clientID == m.ClientID {
			v.pending = append(v.pending[:i], v.pending[i+1:]...)
			break
		}
	}
	if !v.th.add(v.r.rec, v.party, v.conv, m) {
		return
	}
	if m.Author.Type == "agent" && m.Kind == "text" {
		v.agentTexts++
		if !received.IsZero() {
			if at, ok := v.r.rec.firstTry(m.ClientID); ok {
				v.r.rec.latency(false, received.Sub(at))
			}
		}
		v.signal()
	}
}
