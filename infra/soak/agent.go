package soak

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// agent is one signed-in agent with the inbox open, as the inbox now
// listens (docs/architecture.md, "Fan-out: who hears a message"). Its list
// hears every conversation of the inbox: new conversations, every visitor
// message, events, and agent replies only when they flip the unread dot.
// It takes over the conversations it owns and then opens their threads
// (resume on its socket, again after each reconnect), so it hears every
// message of those; it answers each visitor message once. After a
// reconnect it reads the list and fetches, by seq, what it missed of the
// other conversations.
type agent struct {
	r     *runner
	n     int
	party string
	cli   *chatclient.Agent
	rng   *rand.Rand

	mu      sync.Mutex
	sock    *chatclient.Socket
	conn    int
	threads map[string]*thread
	replied map[string]bool        // visitor client ids answered
	pending map[string]socketReply // replies sent over the socket, not yet echoed, by client id
	taken   map[string]bool
	// opened holds the threads the agent has open (resumed on its socket):
	// it hears every message of those, and resumes them after a reconnect.
	opened map[string]bool
	// answered holds, per thread being opened, a channel closed by the
	// resume's last page: the first reply waits for it, as an agent types
	// into a thread once it has loaded.
	answered map[string]chan struct{}
	// catching holds the conversations being caught up, so one fetch runs
	// per conversation at a time.
	catching map[string]bool
	sem      chan struct{}
	retrying bool // a resend after a failed invocation is scheduled
}

// owner says which agent answers a conversation: every agent's list hears
// it, one takes it over, opens its thread and answers.
func (r *runner) owner(conv string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(conv))
	return int(h.Sum32() % uint32(len(r.agents)))
}

func (a *agent) thread(conv string) *thread {
	t := a.threads[conv]
	if t == nil {
		t = newThread()
		a.threads[conv] = t
	}
	return t
}

func (a *agent) connect(ctx context.Context) error {
	var s *chatclient.Socket
	for attempt := 0; ; attempt++ {
		var err error
		if s, err = a.cli.Connect(ctx); err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: connect: %w", a.party, err)
		}
		a.r.rec.c.connectRetries.Add(1)
		sleep(ctx, backoff(attempt))
	}
	conn := a.r.rec.conn(a.party)
	a.mu.Lock()
	a.sock, a.conn = s, conn
	// The inbox opens its threads again on the new socket first, then
	// sends what was never acknowledged.
	var frames []any
	for conv := range a.opened {
		a.r.rec.c.threadResumes.Add(1)
		frames = append(frames, resumeFrame(conv, a.thread(conv).contiguous))
	}
	for id, p := range a.pending {
		a.r.rec.wrote(id, a.party, p.body)
		frames = append(frames, sendFrame(id, p.conv, p.body))
	}
	a.mu.Unlock()
	go a.read(ctx, s, conn)
	for _, f := range frames {
		if s.Send(ctx, f) != nil {
			break
		}
	}
	// Pushes sent before the drop may still be on their way, and a live
	// message with a gap before it in an open thread starts its own
	// catch-up: the list is read a little later, so it fetches only what
	// is really missing.
	a.r.background(func() {
		sleep(ctx, catchUpDelay)
		if err := a.catchUpAll(ctx); err != nil && ctx.Err() == nil {
			a.r.rec.problem(Problem{"", 0, a.party, err.Error()})
		}
	})
	return nil
}

// catchUpAll lists the open conversations and fetches, for each one with
// more than the agent holds, the messages after its last contiguous seq;
// the threads it has open are resumed on the socket instead. The list does
// not say which seqs are visitor messages, so a conversation whose held
// stream has a hole (an agent reply the list did not hear) is fetched
// from the hole: what comes back fills it, and the next reconnect starts
// after it.
//
// The list is ordered by latest activity and paged, and conversations move
// to its top while it is read: one that moved up from a page not read yet
// is not on any page of this pass. So passes repeat until one finds nothing
// to fetch (a few at most: each pass is quicker than the last).
func (a *agent) catchUpAll(ctx context.Context) error {
	for pass := 0; pass < maxCatchUpPasses; pass++ {
		fetched, err := a.catchUpPass(ctx)
		if err != nil || fetched == 0 {
			return err
		}
	}
	return nil
}

const maxCatchUpPasses = 5

// catchUpPass reads the whole list once and catches up on each
// conversation the agent is behind in; it returns how many those were.
func (a *agent) catchUpPass(ctx context.Context) (int, error) {
	cursor := ""
	fetched := 0
	for {
		var list *chatclient.ListAnswer
		err := retry(ctx, func() error {
			var err error
			list, err = a.cli.List(ctx, "open", "all", cursor, 100)
			return err
		})
		if err != nil {
			return fetched, fmt.Errorf("%s: list conversations: %w", a.party, err)
		}
		for _, c := range list.Conversations {
			a.mu.Lock()
			behind := !a.opened[c.ID] && a.thread(c.ID).contiguous < c.LastSeq
			a.mu.Unlock()
			if behind {
				fetched++
				a.catchUp(ctx, c.ID)
			}
		}
		if list.NextCursor == "" {
			return fetched, nil
		}
		cursor = list.NextCursor
	}
}

// catchUp fetches a conversation's messages after the last contiguous seq
// in the background (GET .../messages?after=), one fetch per conversation
// at a time; a fetch that ends with a gap left starts again.
func (a *agent) catchUp(ctx context.Context, conv string) {
	a.mu.Lock()
	if a.catching[conv] {
		a.mu.Unlock()
		return
	}
	a.catching[conv] = true
	a.mu.Unlock()
	a.r.rec.c.catchUps.Add(1)
	a.r.background(func() {
		a.sem <- struct{}{}
		defer func() { <-a.sem }()
		for {
			a.mu.Lock()
			after := a.thread(conv).contiguous
			a.mu.Unlock()
			var page struct {
				Messages []chatclient.Message `json:"messages"`
				HasMore  bool                 `json:"hasMore"`
			}
			q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {"100"}}
			err := retry(ctx, func() error {
				return a.cli.Call(ctx, http.MethodGet, "/agent/conversations/"+url.PathEscape(conv)+"/messages?"+q.Encode(), nil, &page)
			})
			if err != nil {
				a.mu.Lock()
				delete(a.catching, conv)
				a.mu.Unlock()
				return
			}
			a.r.rec.c.catchUpPages.Add(1)
			a.r.rec.resumed(a.party, conv, page.Messages)
			a.mu.Lock()
			for _, m := range page.Messages {
				a.take(ctx, conv, m, time.Time{})
			}
			again := page.HasMore
			if !again {
				delete(a.catching, conv)
			}
			a.mu.Unlock()
			if !again {
				return
			}
		}
	})
}

func (a *agent) drop(abort bool) {
	a.mu.Lock()
	s := a.sock
	a.sock = nil
	a.mu.Unlock()
	if s == nil {
		return
	}
	if abort {
		a.r.rec.c.agentAborts.Add(1)
		s.Abort()
	} else {
		a.r.rec.c.agentCloses.Add(1)
		s.Close()
	}
}

// faults drops the agent's socket now and then until stop closes, and
// reconnects it, also when it went away on its own.
func (a *agent) faults(ctx context.Context, stop <-chan struct{}) error {
	drops := 0
	for {
		wait := time.Second
		switch {
		case a.r.cfg.AgentDropEvery > 0 && drops == 0:
			// Every agent drops once early, so even a short run has both kinds.
			wait = time.Duration(a.draw((*rand.Rand).Float64) * float64(a.r.cfg.AgentDropEvery))
		case a.r.cfg.AgentDropEvery > 0:
			wait = time.Duration(a.draw((*rand.Rand).ExpFloat64) * float64(a.r.cfg.AgentDropEvery))
		}
		select {
		case <-stop:
			return a.ensureConnected(ctx)
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		if a.r.cfg.AgentDropEvery > 0 {
			// Agents take turns: half drop without a close frame first.
			drops++
			a.drop((a.n+drops)%2 == 0)
			sleep(ctx, time.Duration(a.draw((*rand.Rand).Float64)*500)*time.Millisecond)
		}
		if err := a.ensureConnected(ctx); err != nil {
			return err
		}
	}
}

// draw takes a number from the agent's generator, which the fault loop
// shares with the replies (drawn under a.mu in take).
func (a *agent) draw(f func(*rand.Rand) float64) float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return f(a.rng)
}

func (a *agent) ensureConnected(ctx context.Context) error {
	a.mu.Lock()
	down := a.sock == nil
	a.mu.Unlock()
	if !down {
		return nil
	}
	return a.connect(ctx)
}

func (a *agent) read(ctx context.Context, s *chatclient.Socket, conn int) {
	for {
		f, err := s.Next(context.Background(), nil)
		if err != nil {
			break
		}
		a.handle(ctx, s, conn, f)
	}
	a.mu.Lock()
	current := a.sock == s
	if current {
		a.sock = nil
	}
	a.mu.Unlock()
	if current && ctx.Err() == nil {
		a.r.rec.c.unexpectedCloses.Add(1)
	}
}

func (a *agent) handle(ctx context.Context, s *chatclient.Socket, conn int, f chatclient.Frame) {
	switch f.Type {
	case "message":
		m, err := f.Msg()
		if err != nil {
			a.r.rec.problem(Problem{f.ConversationID, 0, a.party, "undecodable message frame"})
			return
		}
		a.r.rec.live(conn, f.ConversationID, m)
		a.mu.Lock()
		a.take(ctx, f.ConversationID, m, f.Received)
		// Only an open thread hears every seq: elsewhere a hole is an agent
		// reply the list need not hear, and what the list missed while
		// disconnected is fetched after the reconnect.
		gap := a.opened[f.ConversationID] && a.thread(f.ConversationID).contiguous < m.Seq-1
		a.mu.Unlock()
		if gap {
			a.r.rec.c.gapResumes.Add(1)
			a.catchUp(ctx, f.ConversationID)
		}
	case "messages":
		// A thread's resume answer: the rest of it while hasMore, and the
		// thread counts as loaded after the last page.
		a.r.rec.resumed(a.party, f.ConversationID, f.Messages)
		a.mu.Lock()
		for _, m := range f.Messages {
			a.take(ctx, f.ConversationID, m, time.Time{})
		}
		var more any
		if f.HasMore {
			a.r.rec.c.threadResumes.Add(1)
			more = resumeFrame(f.ConversationID, a.thread(f.ConversationID).contiguous)
		} else if ch, ok := a.answered[f.ConversationID]; ok {
			close(ch)
			delete(a.answered, f.ConversationID)
		}
		a.mu.Unlock()
		if more != nil {
			_ = s.Send(ctx, more)
		}
	case "error":
		a.mu.Lock()
		current := a.sock == s
		a.mu.Unlock()
		a.r.rec.refused(current, a.party, conn, f)
	case "":
		// API Gateway's error frame: a reply over the socket failed.
		// Resend what is unacknowledged, with the same client ids.
		a.r.rec.c.functionErrors.Add(1)
		a.mu.Lock()
		if a.retrying {
			a.mu.Unlock()
			return
		}
		a.retrying = true
		a.mu.Unlock()
		go func() {
			sleep(ctx, retryPause)
			a.mu.Lock()
			a.retrying = false
			if a.sock != s {
				a.mu.Unlock()
				return
			}
			var frames []any
			for id, p := range a.pending {
				a.r.rec.wrote(id, a.party, p.body)
				frames = append(frames, sendFrame(id, p.conv, p.body))
			}
			a.mu.Unlock()
			for _, f := range frames {
				_ = s.Send(ctx, f)
			}
		}()
	}
}

// socketReply is a reply sent over the socket: a visitor's burst has
// several of them in flight in one conversation.
type socketReply struct{ conv, body string }

// take keeps one message in the agent's copy and acts on it: an owned
// conversation's first message is taken over, a visitor's text answered.
// Called with a.mu held.
func (a *agent) take(ctx context.Context, conv string, m chatclient.Message, received time.Time) {
	delete(a.pending, m.ClientID)
	if !a.thread(conv).add(a.r.rec, a.party, conv, m) {
		return
	}
	if a.r.owner(conv) != a.n || m.Author.Type != "visitor" || m.Kind != "text" {
		return
	}
	if !received.IsZero() {
		if at, ok := a.r.rec.firstTry(m.ClientID); ok {
			a.r.rec.latency(true, received.Sub(at))
		}
	}
	if a.replied[m.ClientID] {
		return
	}
	a.replied[m.ClientID] = true
	takeOver := !a.taken[conv]
	a.taken[conv] = true
	body := "re: " + m.Body
	id := uuid.NewString()
	if a.rng.IntN(2) == 0 && a.sock != nil && !takeOver {
		a.r.rec.c.socketReplies.Add(1)
		a.r.rec.wrote(id, a.party, body)
		a.pending[id] = socketReply{conv, body}
		s := a.sock
		go func() { _ = s.Send(ctx, sendFrame(id, conv, body)) }()
		return
	}
	a.r.rec.c.httpReplies.Add(1)
	a.r.background(func() {
		if takeOver {
			err := retry(ctx, func() error {
				_, err := a.cli.Act(ctx, conv, "takeover", map[string]string{"expectedAssigneeId": ""})
				var apiErr *chatclient.APIError
				if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict {
					return nil // taken already (a retry whose first try won)
				}
				return err
			})
			if err != nil {
				a.r.rec.problem(Problem{conv, m.Seq, a.party, "take over failed: " + err.Error()})
			}
			a.openThread(ctx, conv)
		}
		err := retry(ctx, func() error {
			a.r.rec.wrote(id, a.party, body)
			_, err := a.cli.ReplyWithID(ctx, conv, id, body)
			return err
		})
		if err != nil && ctx.Err() == nil {
			a.r.rec.problem(Problem{conv, 0, a.party, "reply failed: " + err.Error()})
		}
	})
}

// openThread opens a conversation's thread as the inbox does once the agent
// has taken it over: resume on the socket from the last contiguous seq,
// which subscribes the socket to every message of it. It waits for the
// resume's last page (or, when the socket drops meanwhile, the reconnect's
// resume), at most stallAfter.
func (a *agent) openThread(ctx context.Context, conv string) {
	a.mu.Lock()
	a.opened[conv] = true
	ch := make(chan struct{})
	a.answered[conv] = ch
	s, frame := a.sock, resumeFrame(conv, a.thread(conv).contiguous)
	a.mu.Unlock()
	if s != nil {
		a.r.rec.c.threadResumes.Add(1)
		_ = s.Send(ctx, frame)
	}
	t := time.NewTimer(stallAfter)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		a.r.rec.c.threadLoadTimeouts.Add(1)
	case <-ctx.Done():
	}
}

// retry calls f until it succeeds, backing off, for as long as ctx allows:
// a client keeps its client id and tries again.
func retry(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		var apiErr *chatclient.APIError
		if errors.As(err, &apiErr) && apiErr.Status/100 == 4 {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
		sleep(ctx, backoff(attempt))
	}
}

func backoff(attempt int) time.Duration {
	return min(time.Duration(attempt+1)*100*time.Millisecond, 2*time.Second)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
