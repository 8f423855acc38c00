// Command bench measures Parley through the local cloud: what one message
// costs (Lambda invocations, DynamoDB calls by operation, pushes) and how long
// delivery takes, visitor to agent and agent to visitor, with many
// conversations at once.
//
//	go run ./infra/cmd/bench [-conversations 50] [-rounds 10] [-runs cold,fanout,cost,messages,pageviews,files,latency,sweep,search,bot,reports,web,soak]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/infra/soak"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	convs := flag.Int("conversations", 50, "concurrent conversations for the latency run")
	rounds := flag.Int("rounds", 10, "messages each way per conversation in the latency run")
	think := flag.Duration("think", 2*time.Second, "the latency run's paced pass: a visitor's mean pause before each message (0 skips the pass)")
	perMsg := flag.Int("messages", 20, "messages each way for the cost run")
	sweepN := flag.Int("sweep", 200, "quiet conversations for the inactivity sweep run")
	costN := flag.Int("cost-conversations", 1000, "scripted conversations for the cost meter")
	costWorkers := flag.Int("cost-workers", 8, "conversations at a time in the cost meter")
	starts := flag.Int("cold-starts", 7, "cold starts per function")
	fanN := flag.Int("fanout-messages", 20, "messages each way per fan-out step")
	filesN := flag.Int("files", 50, "attachments for the files run")
	pageN := flag.Int("page-views", 50, "config requests per page-view measurement")
	searchRounds := flag.Int("search-rounds", 50, "rounds of the search run's queries")
	botN := flag.Int("bot-steps", 50, "bot answers (and agent replies) in the bot run")
	reportRounds := flag.Int("report-rounds", 30, "reads of each report in the reports run")
	runs := flag.String("runs", "cold,fanout,cost,messages,pageviews,files,latency,sweep,search,bot,reports,web,soak", "the runs to do, comma-separated")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (the local cloud and the bench's clients, by pprof label \""+localcloud.ProfileLabel+"\") to this file")
	flag.Parse()
	want := map[string]bool{}
	for _, r := range strings.Split(*runs, ",") {
		want[strings.TrimSpace(r)] = true
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		return err
	}
	fmt.Println("starting the local cloud (building every function)...")
	logs := &logMeter{}
	// More pages of the demo site: the web run embeds a channel of its own.
	pages, err := os.MkdirTemp("", "parley-bench-pages-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(pages)
	cloud, err := localcloud.Start(ctx, localcloud.Config{
		Addr: "127.0.0.1:0", RepoRoot: root, PagesDir: pages,
		Logger:         slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		FunctionOutput: logs,
		// Sweeps run when the benchmark fires them, not on the schedule.
		ScheduleTick: time.Hour,
	})
	if err != nil {
		return err
	}
	defer cloud.Close()
	stopProfile, err := localcloud.ProfileCPU(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile() //nolint:errcheck // the profile is best effort once the runs are done
	// What this goroutine starts from here on is the bench's clients; the
	// cloud labels its own work by component.
	pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels(localcloud.ProfileLabel, "bench clients")))
	b := &bench{cloud: cloud, ep: chatclient.Endpoints{HTTPAPI: cloud.Endpoints().HTTPAPI, WebSocket: cloud.Endpoints().WebSocket, InboxOrigin: cloud.URL()},
		origin: cloud.Endpoints().WidgetOrigin(), root: root, pages: pages}

	if want["cold"] {
		if err := b.coldStarts(ctx, *starts); err != nil {
			return fmt.Errorf("cold start run: %w", err)
		}
	}
	if want["fanout"] {
		if err := b.fanOut(ctx, []int{1, 10, 50}, *fanN); err != nil {
			return fmt.Errorf("fan-out run: %w", err)
		}
	}
	if want["cost"] {
		if err := b.costMeter(ctx, *costN, *costWorkers, logs); err != nil {
			return fmt.Errorf("cost meter: %w", err)
		}
	}
	if want["messages"] {
		if err := b.costs(ctx, *perMsg); err != nil {
			return fmt.Errorf("cost run: %w", err)
		}
	}
	if want["files"] {
		if err := b.files(ctx, *filesN); err != nil {
			return fmt.Errorf("files run: %w", err)
		}
	}
	if want["pageviews"] {
		if err := b.pageViews(ctx, *pageN); err != nil {
			return fmt.Errorf("page view run: %w", err)
		}
	}
	if want["latency"] {
		if err := b.latency(ctx, *convs, *rounds, *think); err != nil {
			return fmt.Errorf("latency run: %w", err)
		}
	}
	if want["sweep"] {
		if err := b.sweeps(ctx, *sweepN); err != nil {
			return fmt.Errorf("sweep run: %w", err)
		}
	}
	if want["search"] {
		if err := b.searchRun(ctx, *searchRounds); err != nil {
			return fmt.Errorf("search run: %w", err)
		}
	}
	if want["bot"] {
		if err := b.botRun(ctx, *botN); err != nil {
			return fmt.Errorf("bot run: %w", err)
		}
	}
	if want["reports"] {
		if err := b.reportReads(ctx, *reportRounds); err != nil {
			return fmt.Errorf("reports run: %w", err)
		}
	}
	if want["web"] {
		if err := b.web(ctx); err != nil {
			return fmt.Errorf("web run: %w", err)
		}
	}
	if want["soak"] {
		if err := soakLatency(ctx, root); err != nil {
			return fmt.Errorf("soak run: %w", err)
		}
	}
	return nil
}

type bench struct {
	cloud  *localcloud.Cloud
	ep     chatclient.Endpoints
	origin string
	root   string
	// pages is the folder of the demo site's more pages (/pages/<name>.html).
	pages string
}

func (b *bench) agent(name string) (*chatclient.Agent, error) {
	sub, err := oidc.DemoSub(name)
	if err != nil {
		return nil, err
	}
	tok, err := b.cloud.Issuer().Mint(sub, time.Hour)
	if err != nil {
		return nil, err
	}
	return chatclient.NewAgent(b.ep, tok), nil
}

// pair is one visitor tab in one conversation with the agent who owns it.
type pair struct {
	visitorSock *chatclient.Socket
	agent       *chatclient.Agent
	inbox       *router
	convID      string
}

func (b *bench) openConversation(ctx context.Context, agent *chatclient.Agent, inbox *router) (*pair, error) {
	v, _, err := chatclient.NewVisitor(ctx, b.ep, b.origin, "main", "")
	if err != nil {
		return nil, err
	}
	s, err := v.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := chatclient.SendMessage(ctx, s, "", "Hello"); err != nil {
		return nil, err
	}
	f, err := s.Next(ctx, chatclient.IsType("message"))
	if err != nil {
		return nil, err
	}
	p := &pair{visitorSock: s, agent: agent, inbox: inbox, convID: f.ConversationID}
	if _, err := agent.Act(ctx, p.convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		return nil, err
	}
	// The agent opens the conversation, as the inbox does: its socket then
	// hears every message of it.
	if err := openThread(ctx, inbox.sock, p.convID, uuid.NewString()); err != nil {
		return nil, err
	}
	return p, nil
}

// visitorToAgent sends one visitor message and waits until the agent has it.
func (p *pair) visitorToAgent(ctx context.Context, body string) (time.Duration, error) {
	id := uuid.NewString()
	got := p.inbox.expect(id)
	start := time.Now()
	if err := chatclient.SendMessageWithID(ctx, p.visitorSock, id, p.convID, body); err != nil {
		return 0, err
	}
	select {
	case a := <-got:
		return a.at.Sub(start), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("agent did not receive visitor message: %w", ctx.Err())
	}
}

// agentToVisitor sends one reply and waits until the visitor has it.
func (p *pair) agentToVisitor(ctx context.Context, body string) (time.Duration, error) {
	start := time.Now()
	m, err := p.agent.Reply(ctx, p.convID, body)
	if err != nil {
		return 0, err
	}
	f, err := p.visitorSock.Next(ctx, func(f chatclient.Frame) bool {
		got, err := f.Msg()
		return err == nil && got.Seq == m.Seq && f.ConversationID == p.convID
	})
	if err != nil {
		return 0, fmt.Errorf("visitor did not receive reply: %w", err)
	}
	return f.Received.Sub(start), nil
}

// agentToVisitorLive sends one reply over the agent's socket, as the inbox
// does, and waits until the visitor has it.
func (p *pair) agentToVisitorLive(ctx context.Context, body string) (time.Duration, error) {
	id := uuid.NewString()
	echo := p.inbox.expect(id)
	start := time.Now()
	if err := chatclient.SendMessageWithID(ctx, p.inbox.sock, id, p.convID, body); err != nil {
		return 0, err
	}
	var m chatclient.Message
	select {
	case a := <-echo:
		m = a.msg
	case <-ctx.Done():
		return 0, fmt.Errorf("agent's socket did not hear its reply: %w", ctx.Err())
	}
	f, err := p.visitorSock.Next(ctx, func(f chatclient.Frame) bool {
		got, err := f.Msg()
		return err == nil && got.Seq == m.Seq && f.ConversationID == p.convID
	})
	if err != nil {
		return 0, fmt.Errorf("visitor did not receive reply: %w", err)
	}
	return f.Received.Sub(start), nil
}

// costs counts what one visitor message and one agent reply cost in steady
// state: one visitor tab and one agent online.
func (b *bench) costs(ctx context.Context, n int) error {
	agent, err := b.agent("alice")
	if err != nil {
		return err
	}
	agentSock, err := agent.Connect(ctx)
	if err != nil {
		return err
	}
	defer agentSock.Close()
	p, err := b.openConversation(ctx, agent, newRouter(agentSock))
	if err != nil {
		return err
	}
	defer p.visitorSock.Close()
	// Warm every function so cold starts don't count.
	if _, err := p.visitorToAgent(ctx, "warm"); err != nil {
		return err
	}
	if _, err := p.agentToVisitor(ctx, "warm"); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)

	measure := func(label string, step func(int) error) error {
		before := b.cloud.Stats()
		for i := range n {
			if err := step(i); err != nil {
				return err
			}
		}
		time.Sleep(300 * time.Millisecond) // let trailing pushes land
		printCosts(label, n, before, b.cloud.Stats())
		return nil
	}
	fmt.Printf("\n## Cost per message (steady state: 1 visitor tab, 1 agent online, %d messages each way)\n", n)
	if err := measure("visitor message (WebSocket sendMessage)", func(i int) error {
		_, err := p.visitorToAgent(ctx, fmt.Sprintf("visitor message %d", i))
		return err
	}); err != nil {
		return err
	}
	if err := measure("agent reply (HTTP POST .../messages)", func(i int) error {
		_, err := p.agentToVisitor(ctx, fmt.Sprintf("agent reply %d", i))
		return err
	}); err != nil {
		return err
	}
	return measure("agent reply (WebSocket sendMessage)", func(i int) error {
		_, err := p.agentToVisitorLive(ctx, fmt.Sprintf("agent live reply %d", i))
		return err
	})
}

func printCosts(label string, n int, before, after localcloud.Stats) {
	fmt.Printf("\n%s\n", label)
	per := func(a, b int64) string { return fmt.Sprintf("%.2f", float64(a-b)/float64(n)) }
	var lines []string
	for fn, c := range after.Invocations {
		if d := c - before.Invocations[fn]; d > 0 {
			lines = append(lines, fmt.Sprintf("  invocations %-28s %s", fn, per(c, before.Invocations[fn])))
		}
	}
	for svc, ops := range after.AWS {
		for op, c := range ops {
			if d := c - before.AWS[svc][op]; d > 0 {
				lines = append(lines, fmt.Sprintf("  %-11s %-28s %s", strings.ToLower(svc), op, per(c, before.AWS[svc][op])))
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Printf("  pushes      %-28s %s\n", "@connections POST", per(after.Pushes, before.Pushes))
}

// latency runs conversations at once and reports delivery percentiles,
// twice: first each conversation writes as soon as its last message is
// answered, which loads the machine as much as it carries (the queue sets
// the latency), then with a visitor's think time before each message,
// which is a load the machine carries with room to spare (the path sets
// it). Each is compared with a bare WebSocket relay carrying the same
// load right after.
func (b *bench) latency(ctx context.Context, convs, rounds int, think time.Duration) error {
	fmt.Printf("\n## Delivery latency (%d concurrent conversations, %d messages each way per conversation)\n", convs, rounds)
	subs := []string{"alice", "ben", "chiara"}
	agents := make([]*chatclient.Agent, len(subs))
	inboxes := make([]*router, len(subs))
	for i, sub := range subs {
		a, err := b.agent(sub)
		if err != nil {
			return err
		}
		s, err := a.Connect(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		agents[i], inboxes[i] = a, newRouter(s)
	}
	pairs := make([]*pair, convs)
	for i := range pairs {
		p, err := b.openConversation(ctx, agents[i%len(agents)], inboxes[i%len(agents)])
		if err != nil {
			return err
		}
		defer p.visitorSock.Close()
		pairs[i] = p
	}
	phases := []struct {
		title string
		think time.Duration
	}{
		{"as fast as answers come (the machine saturated)", 0},
		{fmt.Sprintf("paced: each visitor thinks %s on average before each message", think), think},
	}
	for n, ph := range phases {
		if n > 0 && ph.think <= 0 {
			continue
		}
		fmt.Printf("  %s\n", ph.title)
		if err := b.latencyPhase(ctx, pairs, len(agents), rounds, ph.think, uint64(n)); err != nil {
			return err
		}
	}
	return nil
}

// latencyPhase is one pass of the latency run over pairs, then the bare
// relay with the same load.
func (b *bench) latencyPhase(ctx context.Context, pairs []*pair, agents, rounds int, think time.Duration, seed uint64) error {
	var mu sync.Mutex
	var v2a, a2v []time.Duration
	var firstErr error
	before, cpuBefore := b.cloud.Usage(), localcloud.ProcessCPU()
	start := time.Now()
	var wg sync.WaitGroup
	for i, p := range pairs {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		wg.Go(func() {
			for r := range rounds {
				// The relay's visitors pause the same way (soak.Config.Think).
				if d := soak.ThinkTime(rng, think); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						mu.Lock()
						if firstErr == nil {
							firstErr = ctx.Err()
						}
						mu.Unlock()
						return
					}
				}
				d1, err := p.visitorToAgent(ctx, fmt.Sprintf("c%d visitor %d", i, r))
				if err == nil {
					var d2 time.Duration
					d2, err = p.agentToVisitor(ctx, fmt.Sprintf("c%d agent %d", i, r))
					mu.Lock()
					v2a, a2v = append(v2a, d1), append(a2v, d2)
					mu.Unlock()
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	elapsed, cpu := time.Since(start), localcloud.ProcessCPU()-cpuBefore
	after := b.cloud.Usage()
	fmt.Printf("  visitor -> agent   p50 %-8s p99 %-8s max %s\n", pct(v2a, 50), pct(v2a, 99), pct(v2a, 100))
	fmt.Printf("  agent -> visitor   p50 %-8s p99 %-8s max %s\n", pct(a2v, 50), pct(a2v, 99), pct(a2v, 100))
	n := len(v2a) + len(a2v)
	fmt.Printf("  %d messages in %s (%.0f messages/s), %d agents online\n",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), agents)
	printFunctionTimes(before, after)
	var fnCPU time.Duration
	for name, f := range after.Functions {
		fnCPU += f.CPU - before.Functions[name].CPU
	}
	busy := float64(fnCPU+cpu) / float64(elapsed) / float64(runtime.NumCPU())
	fmt.Printf("  CPU: functions %s (%s per message), local cloud and clients %s (%s per message), over %s of wall time on %d cores (%.0f%% busy)\n",
		fnCPU.Round(10*time.Millisecond), (fnCPU / time.Duration(n)).Round(10*time.Microsecond),
		cpu.Round(10*time.Millisecond), (cpu / time.Duration(n)).Round(10*time.Microsecond), elapsed.Round(10*time.Millisecond), runtime.NumCPU(), 100*busy)

	// The floor: a bare WebSocket relay in this process (soak.Baseline)
	// with the same conversations, messages, agents and pace, right after.
	base, err := soak.Baseline(ctx, soak.Config{Visitors: len(pairs), Agents: agents, Messages: len(pairs) * rounds * 2, Think: think, Seed: seed})
	if err != nil {
		return err
	}
	ratio := func(sys []time.Duration, p int, floor time.Duration) string {
		if floor <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1fx", float64(percentile(sys, p))/float64(floor))
	}
	fmt.Printf("  bare relay: visitor -> agent p50 %s p99 %s; agent -> visitor p50 %s p99 %s\n",
		base.V2A.P50.Round(100*time.Microsecond), base.V2A.P99.Round(100*time.Microsecond), base.A2V.P50.Round(100*time.Microsecond), base.A2V.P99.Round(100*time.Microsecond))
	fmt.Printf("  system / relay: visitor -> agent p50 %s p99 %s; agent -> visitor p50 %s p99 %s\n",
		ratio(v2a, 50, base.V2A.P50), ratio(v2a, 99, base.V2A.P99), ratio(a2v, 50, base.A2V.P50), ratio(a2v, 99, base.A2V.P99))
	return nil
}

// printFunctionTimes lists, per function invoked between the two
// snapshots, the mean time an invocation ran, the CPU its processes used
// per invocation and the mean time it waited for a free process of the
// local cloud (at most a few per function).
func printFunctionTimes(before, after localcloud.Usage) {
	var names []string
	for name, f := range after.Functions {
		if f.Invocations > before.Functions[name].Invocations {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	fmt.Println("  per invocation: mean run time, CPU, mean wait for a free local process")
	for _, name := range names {
		a, b := after.Functions[name], before.Functions[name]
		n := time.Duration(a.Invocations - b.Invocations)
		fmt.Printf("    %-28s %6d invocations  run %-8s cpu %-8s wait %s\n", name, n, ((a.Billed - b.Billed) / n).Round(100*time.Microsecond),
			((a.CPU - b.CPU) / n).Round(100*time.Microsecond), ((a.Queued - b.Queued) / n).Round(100*time.Microsecond))
	}
}

func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	return percentile(ds, p).Round(100 * time.Microsecond).String()
}

// percentile is the p-th percentile of ds (nearest rank); ds is not empty.
func percentile(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[max((len(s)*p+99)/100-1, 0)]
}
