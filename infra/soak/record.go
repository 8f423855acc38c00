package soak

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
)

// Problem is one delivery failure, precise enough to find in the logs:
// which conversation, which seq, which party.
type Problem struct {
	Conversation string
	Seq          int64
	Party        string
	What         string
}

func (p Problem) String() string {
	conv := p.Conversation
	if conv == "" {
		conv = "-"
	}
	return fmt.Sprintf("conversation %s seq %d, %s: %s", conv, p.Seq, p.Party, p.What)
}

// sent is one message a soak client wrote, by client id.
type sent struct {
	from     string // party
	body     string
	at       time.Time // first attempt
	attempts int
}

// connSeen is what one connection (a client session) received live.
type connSeen struct {
	party  string
	opened time.Time
	live   map[convSeq]int
	top    map[string]int64 // highest seq received live, per conversation
}

type convSeq struct {
	conv string
	seq  int64
}

// counters are the run's tallies, updated without the recorder's lock.
type counters struct {
	visitorAborts, visitorCloses, agentAborts, agentCloses atomic.Int64
	unexpectedCloses, connectRetries                       atomic.Int64
	resumes, gapResumes, catchUps, catchUpPages            atomic.Int64
	resends, functionErrors                                atomic.Int64
	liveMessages, resumedMessages                          atomic.Int64
	outOfOrder, overlaps, retriedDuplicates                atomic.Int64
	httpReplies, socketReplies                             atomic.Int64
	refusedClosing, stallResumes                           atomic.Int64
	threadResumes, threadLoadTimeouts                      atomic.Int64
}

// recorder keeps what the checks need: every message sent, what each
// connection received live, the problems found on the way, and latencies.
type recorder struct {
	c counters

	mu       sync.Mutex
	sent     map[string]*sent
	conns    map[int]*connSeen
	nextConn int
	problems []Problem
	v2a, a2v []time.Duration
}

func newRecorder() *recorder {
	return &recorder{sent: map[string]*sent{}, conns: map[int]*connSeen{}}
}

func (r *recorder) problem(p Problem) {
	r.mu.Lock()
	r.problems = append(r.problems, p)
	r.mu.Unlock()
}

// wrote records an attempt to send clientID; it returns the attempt number.
func (r *recorder) wrote(clientID, party, body string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sent[clientID]
	if s == nil {
		s = &sent{from: party, body: body, at: time.Now()}
		r.sent[clientID] = s
	}
	s.attempts++
	if s.attempts > 1 {
		r.c.resends.Add(1)
	}
	return s.attempts
}

// firstTry returns when clientID was first sent, if it was sent only once:
// latencies count only messages that were not resent.
func (r *recorder) firstTry(clientID string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sent[clientID]
	if s == nil || s.attempts != 1 {
		return time.Time{}, false
	}
	return s.at, true
}

func (r *recorder) latency(v2a bool, d time.Duration) {
	r.mu.Lock()
	if v2a {
		r.v2a = append(r.v2a, d)
	} else {
		r.a2v = append(r.a2v, d)
	}
	r.mu.Unlock()
}

// conn registers a new connection of party and returns its number.
func (r *recorder) conn(party string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextConn++
	r.conns[r.nextConn] = &connSeen{party: party, opened: time.Now(), live: map[convSeq]int{}, top: map[string]int64{}}
	return r.nextConn
}

// live records a message pushed to connection id. The same seq twice on one
// connection is a duplicate unless its author sent it more than once (a
// resend after a lost answer fans out again, by design); a seq below one
// already received is out of order, which the contract allows (clients
// order by seq).
func (r *recorder) live(id int, conv string, m chatclient.Message) {
	r.c.liveMessages.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.conns[id]
	k := convSeq{conv, m.Seq}
	c.live[k]++
	if c.live[k] > 1 {
		if s := r.sent[m.ClientID]; m.ClientID != "" && s != nil && s.attempts > 1 {
			r.c.retriedDuplicates.Add(1)
		} else {
			r.problems = append(r.problems, Problem{conv, m.Seq, c.party,
				fmt.Sprintf("pushed %d times to one connection (clientId %q was sent once)", c.live[k], m.ClientID)})
		}
	}
	if m.Seq < c.top[conv] {
		r.c.outOfOrder.Add(1)
	} else {
		c.top[conv] = m.Seq
	}
}

// refused records an error frame. A frame sent just before the client
// closed its socket may be handled after $disconnect forgot the connection
// ("unknown connection"), as in API Gateway; the client sends it again
// after reconnecting. On the open socket, a refusal is a problem: the soak
// sends only valid frames.
func (r *recorder) refused(current bool, party string, conn int, f chatclient.Frame) {
	if !current && f.Code == "unauthorized" {
		r.c.refusedClosing.Add(1)
		return
	}
	r.mu.Lock()
	age := time.Since(r.conns[conn].opened)
	r.mu.Unlock()
	r.problem(Problem{f.ConversationID, 0, party, fmt.Sprintf("frame refused on connection #%d, open for %s: %s %s (clientId %q)",
		conn, age.Round(time.Millisecond), f.Code, f.ErrorMessage(), f.ClientID)})
}

// resumed checks a resume answer (or an HTTP page): ascending and
// consecutive seqs, as the contract says.
func (r *recorder) resumed(party, conv string, msgs []chatclient.Message) {
	r.c.resumedMessages.Add(int64(len(msgs)))
	for i := 1; i < len(msgs); i++ {
		if msgs[i].Seq != msgs[i-1].Seq+1 {
			r.problem(Problem{conv, msgs[i].Seq, party,
				fmt.Sprintf("resume page not consecutive: seq %d follows %d", msgs[i].Seq, msgs[i-1].Seq)})
		}
	}
}

// thread is one party's copy of a conversation, keyed by seq: what the
// widget and the inbox keep, so a message that arrives twice (live and by
// resume) is shown once.
type thread struct {
	msgs       map[int64]chatclient.Message
	contiguous int64 // every seq up to here is held
}

func newThread() *thread { return &thread{msgs: map[int64]chatclient.Message{}} }

// add keeps m and reports whether it was new. A seq that comes back with
// other content is a problem: two messages claim one place in the stream.
func (t *thread) add(r *recorder, party, conv string, m chatclient.Message) bool {
	if old, ok := t.msgs[m.Seq]; ok {
		if old.ClientID != m.ClientID || old.Kind != m.Kind {
			r.problem(Problem{conv, m.Seq, party,
				fmt.Sprintf("seq carried two messages: clientId %q (%s) and %q (%s)", old.ClientID, old.Kind, m.ClientID, m.Kind)})
		} else {
			r.c.overlaps.Add(1)
		}
		return false
	}
	if m.Seq <= 0 {
		r.problem(Problem{conv, m.Seq, party, "message without a seq"})
		return false
	}
	t.msgs[m.Seq] = m
	for t.msgs[t.contiguous+1].Seq != 0 {
		t.contiguous++
	}
	return true
}

// heardByList says which messages reach every agent's list, also the
// agents without the thread open: visitors' messages and events
// (docs/architecture.md, "Fan-out: who hears a message"). An agent's reply
// reaches the list only when it flips the unread dot, so the list may or
// may not hold it.
func heardByList(m chatclient.Message) bool {
	return m.Author.Type == "visitor" || m.Kind == "event"
}

// compare checks a party's copy against the stored stream: every seq that
// must reach the party (all of them when must is nil) held, every seq held
// with the stored content, nothing beyond the stream. Exactly once is
// checked per connection as the pushes arrive (recorder.live).
func (t *thread) compare(party, conv string, stored []chatclient.Message, must func(chatclient.Message) bool) []Problem {
	var out []Problem
	have := map[int64]chatclient.Message{}
	if t != nil {
		have = t.msgs
	}
	for _, s := range stored {
		m, ok := have[s.Seq]
		switch {
		case !ok && must != nil && !must(s):
		case !ok:
			out = append(out, Problem{conv, s.Seq, party, fmt.Sprintf("never delivered (%s by %s, clientId %q)", s.Kind, s.Author.Type, s.ClientID)})
		case m.ClientID != s.ClientID || m.Kind != s.Kind || (s.Kind == "text" && m.Body != s.Body):
			out = append(out, Problem{conv, s.Seq, party, fmt.Sprintf("delivered clientId %q, stored %q", m.ClientID, s.ClientID)})
		}
	}
	last := int64(0)
	if n := len(stored); n > 0 {
		last = stored[n-1].Seq
	}
	var extra []int64
	for seq := range have {
		if seq > last {
			extra = append(extra, seq)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	for _, seq := range extra {
		out = append(out, Problem{conv, seq, party, "delivered but not stored"})
	}
	return out
}
