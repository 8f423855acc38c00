// Package soak loads the whole system through the local cloud with many
// visitors and agents at once, drops their connections at random (with and
// without a close frame) while they write, and then proves, exactly and
// not by sampling, that every stored message reached every party that
// should see it once, in seq order, counting what arrived live and what
// resume returned. Beside it, a bare WebSocket relay without persistence
// carries the same load shape, as the physical floor for latency.
package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
)

// Config sizes a soak.
type Config struct {
	Visitors int // concurrent visitors, one tab and one conversation each
	// Agents online: each one's list hears every conversation, and each
	// conversation's owner opens its thread.
	Agents int
	// Messages is the total of chat messages, both directions: each visitor
	// writes Messages/Visitors/2 and the owning agent answers each one.
	Messages int
	// Burst is how many messages a visitor sends back to back, all in
	// flight on its socket at once, before it waits for the answers (the
	// first message goes alone: it starts the conversation). They race
	// for the conversation's seq; each must be stored once. 0 means 1.
	Burst int
	// VisitorDrops is the chance that a visitor's socket drops after a
	// message (half without a close frame, half with a clean close).
	VisitorDrops float64
	// AgentDropEvery is the mean time between drops of an agent's socket;
	// zero never drops.
	AgentDropEvery time.Duration
	// Think is the mean pause of a visitor before each message it writes
	// (each burst, with Burst above 1), the first one too, so visitors do
	// not all start at once: uniform between half of it and one and a
	// half times it (ThinkTime). Zero writes as soon as the last answer
	// came, which loads the system as much as it can carry.
	Think time.Duration
	// Settle bounds the wait, after the last answer, for the last pushes.
	Settle time.Duration
	Seed   uint64
}

// ThinkTime is one pause of a visitor whose mean pause is mean
// (Config.Think).
func ThinkTime(rng *rand.Rand, mean time.Duration) time.Duration {
	if mean <= 0 {
		return 0
	}
	return mean/2 + time.Duration(rng.Int64N(int64(mean)))
}

// Target is the running system a soak talks to.
type Target struct {
	Endpoints chatclient.Endpoints
	// Origin is a page origin the widget routes allow.
	Origin string
	// StatsURL is the local cloud's GET /_local/stats.
	StatsURL string
	// Agents are the ID tokens of the agents to sign in, at least
	// Config.Agents.
	Agents []string
}

// How long a visitor waits for an answer before it resumes on its own, how
// long a client waits before retrying a failed invocation, and how long an
// agent waits after reconnecting before it reads the list to catch up.
const (
	stallAfter   = 30 * time.Second
	retryPause   = 300 * time.Millisecond
	catchUpDelay = 2 * time.Second
)

type runner struct {
	cfg    Config
	tgt    Target
	rec    *recorder
	agents []*agent
	// inflight counts background work (catch-ups, HTTP replies) the
	// checks wait for.
	inflight atomic.Int64
}

func (r *runner) background(f func()) {
	r.inflight.Add(1)
	go func() {
		defer r.inflight.Add(-1)
		f()
	}()
}

// Run drives the load and checks every delivery. It returns an error only
// when the run could not be carried out; delivery failures are in the
// report's Problems.
func Run(ctx context.Context, tgt Target, cfg Config, progress io.Writer) (*Report, error) {
	if cfg.Visitors < 1 || cfg.Agents < 1 || cfg.Messages < 2*cfg.Visitors {
		return nil, fmt.Errorf("soak: need at least one visitor and one agent and 2 messages per visitor, got %d visitors, %d agents, %d messages",
			cfg.Visitors, cfg.Agents, cfg.Messages)
	}
	if len(tgt.Agents) < cfg.Agents {
		return nil, fmt.Errorf("soak: %d agents asked for, %d tokens given", cfg.Agents, len(tgt.Agents))
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 60 * time.Second
	}
	r := &runner{cfg: cfg, tgt: tgt, rec: newRecorder()}
	rep := &Report{Config: cfg}
	mem := startMemory()

	before, err := r.stats(ctx)
	if err != nil {
		return nil, err
	}
	cpuStart := localcloud.ProcessCPU()
	seed := rand.NewPCG(cfg.Seed, 1)
	for i := range cfg.Agents {
		r.agents = append(r.agents, &agent{
			r: r, n: i, party: fmt.Sprintf("agent %d", i+1),
			cli: chatclient.NewAgent(tgt.Endpoints, tgt.Agents[i]), rng: rand.New(rand.NewPCG(seed.Uint64(), uint64(i))),
			threads: map[string]*thread{}, replied: map[string]bool{}, pending: map[string]socketReply{},
			taken: map[string]bool{}, opened: map[string]bool{}, answered: map[string]chan struct{}{},
			catching: map[string]bool{}, sem: make(chan struct{}, 4),
		})
	}
	for _, a := range r.agents {
		if err := a.connect(ctx); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(progress, "soak: %d agents online; starting %d visitors\n", cfg.Agents, cfg.Visitors)

	visitors := make([]*visitor, cfg.Visitors)
	for i := range visitors {
		var cli *chatclient.Visitor
		if err := retry(ctx, func() error {
			var err error
			cli, _, err = chatclient.NewVisitor(ctx, tgt.Endpoints, tgt.Origin, "main", "")
			return err
		}); err != nil {
			return nil, err
		}
		visitors[i] = &visitor{r: r, n: i, party: fmt.Sprintf("visitor %d (%.8s)", i+1, cli.ID), cli: cli,
			rng: rand.New(rand.NewPCG(seed.Uint64(), uint64(1000+i))), th: newThread(), wake: make(chan struct{}, 1)}
	}

	perVisitor := cfg.Messages / cfg.Visitors / 2
	stop := make(chan struct{})
	agentErrs := make(chan error, len(r.agents))
	for _, a := range r.agents {
		go func() { agentErrs <- a.faults(ctx, stop) }()
	}
	start := time.Now()
	done := make(chan struct{})
	go r.progress(progress, done, start, cfg.Visitors*perVisitor*2)
	var wg sync.WaitGroup
	errs := make([]error, len(visitors))
	for i, v := range visitors {
		wg.Go(func() { errs[i] = v.live(ctx, perVisitor) })
	}
	wg.Wait()
	rep.Duration = time.Since(start)
	// The CPU of the load, before the audit adds its own (a run cut by
	// its deadline still reads it).
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	loadEnd, err := r.stats(sctx)
	scancel()
	if err != nil {
		return nil, err
	}
	rep.CPU = cpuOf(before, loadEnd, localcloud.ProcessCPU()-cpuStart)
	close(done)
	close(stop)
	for range r.agents {
		if err := <-agentErrs; err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		rep.Problems = append(rep.Problems, Problem{What: "run did not finish: " + err.Error()})
	}

	// Audit with a context of its own: a run cut by its deadline is still
	// checked for what it stored.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	stored, problems, err := r.audit(actx, visitors)
	if err != nil {
		return nil, err
	}
	rep.Problems = append(rep.Problems, problems...)
	r.settle(actx, visitors, stored)
	after, err := r.stats(actx)
	if err != nil {
		return nil, err
	}
	rep.Problems = append(rep.Problems, r.verify(visitors, stored)...)
	r.rec.mu.Lock()
	rep.Problems = append(rep.Problems, r.rec.problems...)
	r.rec.mu.Unlock()
	rep.fill(r, stored, before, after, mem.stop())
	for _, a := range r.agents {
		a.drop(false)
	}
	for _, v := range visitors {
		v.drop(false)
	}
	return rep, nil
}

func (r *runner) progress(w io.Writer, done <-chan struct{}, start time.Time, total int) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			r.rec.mu.Lock()
			n := len(r.rec.sent)
			r.rec.mu.Unlock()
			c := &r.rec.c
			fmt.Fprintf(w, "soak: %s: %d of %d messages written, %d visitor drops, %d agent drops, %d resends\n",
				time.Since(start).Round(time.Second), n, total,
				c.visitorAborts.Load()+c.visitorCloses.Load(), c.agentAborts.Load()+c.agentCloses.Load(), c.resends.Load())
		}
	}
}

func (r *runner) stats(ctx context.Context) (Stats, error) {
	var s Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.tgt.StatsURL, nil)
	if err != nil {
		return s, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, fmt.Errorf("read %s: %w", r.tgt.StatsURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("read %s: HTTP %d", r.tgt.StatsURL, resp.StatusCode)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// Stats is the part of the local cloud's /_local/stats a soak reports.
type Stats struct {
	Invocations map[string]int64            `json:"invocations"`
	AWS         map[string]map[string]int64 `json:"aws"`
	Pushes      int64                       `json:"pushes"`
	GoneAnswers int64                       `json:"goneAnswers"`
	FunctionCPU map[string]time.Duration    `json:"functionCpuNs"`
}

// audit reads every conversation's stored stream, as an agent, and checks
// the store itself: conversations one per visitor, seqs 1..lastSeq without
// holes, every message written stored exactly once.
func (r *runner) audit(ctx context.Context, visitors []*visitor) (map[string][]chatclient.Message, []Problem, error) {
	auditor := r.agents[0].cli
	var convs []chatclient.Conversation
	cursor := ""
	for {
		list, err := auditor.List(ctx, "open", "all", cursor, 100)
		if err != nil {
			return nil, nil, fmt.Errorf("audit: list: %w", err)
		}
		convs = append(convs, list.Conversations...)
		if list.NextCursor == "" {
			break
		}
		cursor = list.NextCursor
	}
	var problems []Problem
	stored := map[string][]chatclient.Message{}
	for _, c := range convs {
		var all []chatclient.Message
		after := int64(0)
		for {
			var page struct {
				Messages []chatclient.Message `json:"messages"`
				HasMore  bool                 `json:"hasMore"`
			}
			q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {"100"}}
			if err := auditor.Call(ctx, http.MethodGet, "/agent/conversations/"+url.PathEscape(c.ID)+"/messages?"+q.Encode(), nil, &page); err != nil {
				return nil, nil, fmt.Errorf("audit: read %s: %w", c.ID, err)
			}
			all = append(all, page.Messages...)
			if !page.HasMore || len(page.Messages) == 0 {
				break
			}
			after = page.Messages[len(page.Messages)-1].Seq
		}
		for i, m := range all {
			if m.Seq != int64(i+1) {
				problems = append(problems, Problem{c.ID, int64(i + 1), "store", fmt.Sprintf("stream has seq %d in place %d", m.Seq, i+1)})
				break
			}
		}
		stored[c.ID] = all
	}
	// Every message written is stored exactly once, in its author's
	// conversation.
	where := map[string][]convSeq{}
	for conv, msgs := range stored {
		for _, m := range msgs {
			if m.ClientID != "" {
				where[m.ClientID] = append(where[m.ClientID], convSeq{conv, m.Seq})
			}
		}
	}
	r.rec.mu.Lock()
	ids := make([]string, 0, len(r.rec.sent))
	for id := range r.rec.sent {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := r.rec.sent[id]
		switch at := where[id]; len(at) {
		case 1:
		case 0:
			problems = append(problems, Problem{"", 0, s.from, fmt.Sprintf("message %q (clientId %s) never stored", s.body, id)})
		default:
			problems = append(problems, Problem{at[1].conv, at[1].seq, s.from,
				fmt.Sprintf("message %q (clientId %s) stored %d times: %v", s.body, id, len(at), at)})
		}
	}
	r.rec.mu.Unlock()
	for _, v := range visitors {
		v.mu.Lock()
		conv := v.conv
		v.mu.Unlock()
		if conv == "" {
			problems = append(problems, Problem{"", 0, v.party, "never learnt its conversation"})
		} else if _, ok := stored[conv]; !ok {
			problems = append(problems, Problem{conv, 0, v.party, "conversation not in the inbox's open list"})
		}
	}
	if len(convs) != len(visitors) {
		problems = append(problems, Problem{"", 0, "store", fmt.Sprintf("%d open conversations for %d visitors", len(convs), len(visitors))})
	}
	return stored, problems, nil
}

// settle waits until every party holds every stored message or the
// settle time is over: pushes of the last answers may still be on their
// way. Nobody is helped: a party still missing a message then has lost it.
func (r *runner) settle(ctx context.Context, visitors []*visitor, stored map[string][]chatclient.Message) {
	deadline := time.Now().Add(r.cfg.Settle)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if len(r.verify(visitors, stored)) == 0 {
			break
		}
		sleep(ctx, 100*time.Millisecond)
	}
	for r.inflight.Load() > 0 && ctx.Err() == nil {
		sleep(ctx, 100*time.Millisecond)
	}
}

// verify compares every party's copy with the stored streams: a visitor's
// and an owner's thread hold all of it, every other agent's list what the
// list must hear.
func (r *runner) verify(visitors []*visitor, stored map[string][]chatclient.Message) []Problem {
	var out []Problem
	for _, v := range visitors {
		v.mu.Lock()
		if msgs, ok := stored[v.conv]; ok {
			out = append(out, v.th.compare(v.party, v.conv, msgs, nil)...)
		}
		v.mu.Unlock()
	}
	convs := make([]string, 0, len(stored))
	for c := range stored {
		convs = append(convs, c)
	}
	sort.Strings(convs)
	for _, a := range r.agents {
		a.mu.Lock()
		for _, c := range convs {
			must := heardByList
			if r.owner(c) == a.n {
				must = nil
			}
			out = append(out, a.threads[c].compare(a.party, c, stored[c], must)...)
		}
		a.mu.Unlock()
	}
	return out
}
