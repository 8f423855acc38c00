package soak

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
)

// Latency is a distribution of send-to-receive times, measured on one
// process clock.
type Latency struct {
	N             int
	P50, P99, Max time.Duration
}

func latencyOf(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p int) time.Duration {
		i := (len(s)*p+99)/100 - 1
		return s[max(i, 0)]
	}
	return Latency{N: len(s), P50: at(50), P99: at(99), Max: s[len(s)-1]}
}

func (l Latency) String() string {
	if l.N == 0 {
		return "no samples"
	}
	r := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
	return fmt.Sprintf("p50 %-9s p99 %-9s max %-9s (%d samples)", r(l.P50), r(l.P99), r(l.Max), l.N)
}

// Report is what a soak measured and found.
type Report struct {
	Config   Config
	Duration time.Duration
	// Texts and Events are the stored chat messages and system events.
	Texts, Events int
	Throughput    float64 // chat messages stored per second
	V2A, A2V      Latency
	Counts        map[string]int64
	Memory        Memory
	CPU           CPU
	// Invocations, AWS calls and pushes during the run (not the audit).
	Invocations map[string]int64
	AWS         map[string]map[string]int64
	Pushes      int64
	GoneAnswers int64
	Problems    []Problem
}

func (rep *Report) fill(r *runner, stored map[string][]chatclient.Message, before, after Stats, mem Memory) {
	for _, msgs := range stored {
		for _, m := range msgs {
			if m.Kind == "text" {
				rep.Texts++
			} else {
				rep.Events++
			}
		}
	}
	if rep.Duration > 0 {
		rep.Throughput = float64(rep.Texts) / rep.Duration.Seconds()
	}
	r.rec.mu.Lock()
	rep.V2A, rep.A2V = latencyOf(r.rec.v2a), latencyOf(r.rec.a2v)
	r.rec.mu.Unlock()
	c := &r.rec.c
	rep.Counts = map[string]int64{
		"visitor drops without close frame":  c.visitorAborts.Load(),
		"visitor clean closes":               c.visitorCloses.Load(),
		"agent drops without close frame":    c.agentAborts.Load(),
		"agent clean closes":                 c.agentCloses.Load(),
		"closes the clients did not ask for": c.unexpectedCloses.Load(),
		"connect attempts refused/retried":   c.connectRetries.Load(),
		"visitor resumes (reconnect, more)":  c.resumes.Load(),
		"resumes after a gap in live seqs":   c.gapResumes.Load(),
		"agent catch-ups (GET ?after=)":      c.catchUps.Load(),
		"messages resent with their id":      c.resends.Load(),
		"function errors answered":           c.functionErrors.Load(),
		"messages received live":             c.liveMessages.Load(),
		"messages received by resume":        c.resumedMessages.Load(),
		"live pushes out of seq order":       c.outOfOrder.Load(),
		"held already (live+resume overlap)": c.overlaps.Load(),
		"repeat pushes of resent messages":   c.retriedDuplicates.Load(),
		"agent replies over HTTP":            c.httpReplies.Load(),
		"agent replies over the socket":      c.socketReplies.Load(),
		"refused on a closing connection":    c.refusedClosing.Load(),
		"agent thread resumes (open, again)": c.threadResumes.Load(),
		"threads not loaded within 30s":      c.threadLoadTimeouts.Load(),
	}
	// Agent replies the lists held without having the thread open: they
	// may or may not reach them, so they are counted, not required.
	var replies, heard int64
	for conv, msgs := range stored {
		for _, m := range msgs {
			if m.Kind != "text" || m.Author.Type != "agent" {
				continue
			}
			for _, a := range r.agents {
				if r.owner(conv) == a.n {
					continue
				}
				replies++
				a.mu.Lock()
				if t := a.threads[conv]; t != nil && t.msgs[m.Seq].Seq != 0 {
					heard++
				}
				a.mu.Unlock()
			}
		}
	}
	rep.Counts["agent replies x agents not owning"] = replies
	rep.Counts["  of those held by their lists"] = heard
	rep.Memory = mem
	rep.Invocations = diff1(before.Invocations, after.Invocations)
	rep.AWS = map[string]map[string]int64{}
	for svc, ops := range after.AWS {
		if d := diff1(before.AWS[svc], ops); len(d) > 0 {
			rep.AWS[svc] = d
		}
	}
	rep.Pushes = after.Pushes - before.Pushes
	rep.GoneAnswers = after.GoneAnswers - before.GoneAnswers
}

func diff1(before, after map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// maxListed bounds the problems printed; the count says how many there are.
const maxListed = 40

// Print writes the report as text.
func (rep *Report) Print(w io.Writer) {
	c := rep.Config
	fmt.Fprintf(w, "\nsoak: %d visitors, %d agents, %d chat messages asked (visitors' in bursts of %d), visitor drop chance %.0f%% per message, agent drop every ~%s\n",
		c.Visitors, c.Agents, c.Messages, max(c.Burst, 1), c.VisitorDrops*100, c.AgentDropEvery)
	fmt.Fprintf(w, "  stored             %d chat messages + %d events in %s: %.0f messages/s\n",
		rep.Texts, rep.Events, rep.Duration.Round(time.Millisecond), rep.Throughput)
	fmt.Fprintf(w, "  visitor -> agent   %s\n", rep.V2A)
	fmt.Fprintf(w, "  agent -> visitor   %s\n", rep.A2V)
	fmt.Fprintf(w, "  memory             Go heap in use peak %s (local cloud and clients, one process), process RSS peak %s, function processes RSS peak %s (%d processes)\n",
		mib(rep.Memory.HeapPeak), mib(rep.Memory.RSSPeak), mib(rep.Memory.FunctionsRSSPeak), rep.Memory.FunctionProcs)
	rep.CPU.print(w, rep.Texts, rep.Duration)
	keys := make([]string, 0, len(rep.Counts))
	for k := range rep.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "  counts")
	for _, k := range keys {
		fmt.Fprintf(w, "    %-38s %d\n", k, rep.Counts[k])
	}
	fmt.Fprintln(w, "  calls during the run (/_local/stats)")
	var lines []string
	for fn, n := range rep.Invocations {
		lines = append(lines, fmt.Sprintf("    invocations %-30s %d", fn, n))
	}
	for svc, ops := range rep.AWS {
		for op, n := range ops {
			lines = append(lines, fmt.Sprintf("    %-11s %-30s %d", strings.ToLower(svc), op, n))
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintf(w, "    %-11s %-30s %d (410 Gone: %d)\n", "pushes", "@connections POST", rep.Pushes, rep.GoneAnswers)
	if len(rep.Problems) == 0 {
		fmt.Fprintln(w, "  verification       every stored message reached every party once, in seq order: OK")
		return
	}
	fmt.Fprintf(w, "  verification       FAILED: %d problems\n", len(rep.Problems))
	for i, p := range rep.Problems {
		if i == maxListed {
			fmt.Fprintf(w, "    ... and %d more\n", len(rep.Problems)-maxListed)
			break
		}
		fmt.Fprintf(w, "    %s\n", p)
	}
}

func mib(b uint64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
