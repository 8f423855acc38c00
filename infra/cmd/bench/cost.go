package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/cost"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/shared/email"
)

// The scripted conversation of the cost meter: what the widget and the
// inbox do for one chat of 12 messages that ends with a transcript.
const (
	costMessagesEachWay = 6
	// visitorMinutes is how long a visitor's tab stays connected during
	// one conversation in real life; the scripted run takes about a second,
	// so connection minutes are this assumption, not a measurement.
	visitorMinutes = 15.0
	// platformLogBytes is what Lambda itself writes to CloudWatch Logs for
	// an invocation whose records its system log level lets through (the
	// START, END and REPORT records in JSON), an estimate.
	platformLogBytes = 350
)

var confirmLinkRE = regexp.MustCompile(`https?://\S+/widget/contact/confirm\?token=[a-z0-9]+`)

// logMeter counts the bytes the functions write to stdout and stderr, which
// Lambda sends to CloudWatch Logs, without the local cloud's "[Function] "
// prefix.
type logMeter struct{ n atomic.Int64 }

func (m *logMeter) Write(p []byte) (int, error) {
	for _, line := range bytes.SplitAfter(p, []byte("\n")) {
		if i := bytes.Index(line, []byte("] ")); bytes.HasPrefix(line, []byte("[")) && i > 0 {
			line = line[i+2:]
		}
		m.n.Add(int64(len(line)))
	}
	return len(p), nil
}

type costAgent struct {
	api    *chatclient.Agent
	sock   *chatclient.Socket
	router *router
	// visitors counts the frames the visitors' sockets of its
	// conversations receive.
	visitors *chatclient.Tally
}

// costMeter runs n scripted conversations, workers at a time, with the
// demo agents online, and prices everything the local cloud counted.
func (b *bench) costMeter(ctx context.Context, n, workers int, logs *logMeter) error {
	fmt.Printf("\n## Cost meter: %d conversations of %d messages (%d each way), one transcript email each\n", n, 2*costMessagesEachWay, costMessagesEachWay)
	b.cloud.MeterCapacity()
	// Metering slows every write: the runs after this one measure latency.
	defer b.cloud.StopMeteringCapacity()
	var (
		agents                  []*costAgent
		agentFrames, visitFrame chatclient.Tally
	)
	for _, name := range []string{"alice", "ben", "chiara"} {
		a, err := b.agent(name)
		if err != nil {
			return err
		}
		s, err := a.Connect(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		s.CountInto(&agentFrames)
		agents = append(agents, &costAgent{api: a, sock: s, router: newRouter(s), visitors: &visitFrame})
	}
	// One conversation first, so that every function is warm and the
	// counters below start from a steady state.
	if err := b.scriptedConversation(ctx, agents[0], "warm-up"); err != nil {
		return fmt.Errorf("warm-up conversation: %w", err)
	}
	if err := b.waitMail(ctx, email.DefaultTranscriptSubject, 1); err != nil {
		return err
	}
	b.settle()

	beforeStats, beforeUsage, beforeLogs := b.cloud.Stats(), b.cloud.Usage(), logs.n.Load()
	beforeFrames := map[string]map[string]int64{"agent": agentFrames.Counts(), "visitor": visitFrame.Counts()}
	start := time.Now()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := b.scriptedConversation(ctx, agents[(w+i)%len(agents)], fmt.Sprintf("c%d", i)); err != nil {
					mu.Lock()
					firstErr = cmp(firstErr, fmt.Errorf("conversation %d: %w", i, err))
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
	if err := b.waitMail(ctx, email.DefaultTranscriptSubject, n+1); err != nil {
		return err
	}
	b.settle()
	elapsed := time.Since(start)
	afterStats, afterUsage, afterLogs := b.cloud.Stats(), b.cloud.Usage(), logs.n.Load()
	afterFrames := map[string]map[string]int64{"agent": agentFrames.Counts(), "visitor": visitFrame.Counts()}
	fmt.Printf("  %d conversations in %s (%.1f conversations/s, %d at a time)\n", n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), workers)
	printCosts("  calls per conversation", n, beforeStats, afterStats)
	fmt.Printf("  WebSocket messages per conversation: %.1f (%.1f frames from clients, %.1f pushes)\n",
		float64(afterUsage.WebSocketFramesIn-beforeUsage.WebSocketFramesIn+afterUsage.Pushes-beforeUsage.Pushes)/float64(n),
		float64(afterUsage.WebSocketFramesIn-beforeUsage.WebSocketFramesIn)/float64(n), float64(afterUsage.Pushes-beforeUsage.Pushes)/float64(n))
	printPushes(n, beforeFrames, afterFrames)

	u := usageBetween(beforeStats, afterStats, beforeUsage, afterUsage, b.infrequent())
	u.LogBytes = float64(afterLogs-beforeLogs) + platformRecords(beforeUsage, afterUsage)*platformLogBytes
	u.ConnectionMinutes = float64(n) * visitorMinutes
	printEstimate(n, u)
	var names []string
	for name := range afterUsage.Capacity.IndexWriteUnits {
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Printf("  DynamoDB write units per conversation: %.1f (search index: %.1f), of which index writes:", (u.DynamoWriteUnits+u.DynamoIAWriteUnits)/float64(n), u.DynamoIAWriteUnits/float64(n))
	for _, name := range names {
		d := afterUsage.Capacity.IndexWriteUnits[name] - beforeUsage.Capacity.IndexWriteUnits[name]
		fmt.Printf(" %s %.1f", name[strings.LastIndex(name, "/")+1:], d/float64(n))
	}
	fmt.Println()
	printKindWrites(n, beforeUsage.Capacity.KindWriteUnits, afterUsage.Capacity.KindWriteUnits)
	return nil
}

// printPushes lists the frames the clients received per conversation, by
// recipient (the three agents' sockets, the visitors' tabs) and frame type.
func printPushes(n int, before, after map[string]map[string]int64) {
	fmt.Println("  pushes received per conversation, by recipient and frame type:")
	for _, role := range []string{"agent", "visitor"} {
		var types []string
		total := 0.0
		for typ, v := range after[role] {
			if v > before[role][typ] {
				types = append(types, typ)
				total += float64(v - before[role][typ])
			}
		}
		sort.Strings(types)
		fmt.Printf("    %-8s %5.1f:", role, total/float64(n))
		for _, typ := range types {
			fmt.Printf(" %s %.1f", typ, float64(after[role][typ]-before[role][typ])/float64(n))
		}
		fmt.Println()
	}
}

// printKindWrites lists the write units per conversation by the kind of
// item written (index writes included), the dearest first.
func printKindWrites(n int, before, after map[string]float64) {
	type kind struct {
		name  string
		units float64
	}
	var kinds []kind
	for name, v := range after {
		if d := v - before[name]; d > 0 {
			kinds = append(kinds, kind{name, d / float64(n)})
		}
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].units > kinds[j].units })
	fmt.Println("  write units per conversation by item (table/partition kind/sort kind, index writes included):")
	for _, k := range kinds {
		fmt.Printf("    %-50s %6.1f\n", k.name, k.units)
	}
}

// infrequent names the tables of the Standard-IA class, whose request
// units are priced apart.
func (b *bench) infrequent() map[string]bool {
	out := map[string]bool{}
	for _, t := range b.cloud.Model().Tables {
		out[t.Name] = t.TableClass == "STANDARD_INFREQUENT_ACCESS"
	}
	return out
}

// platformRecords counts the invocations between two snapshots for which
// Lambda writes its own START, END and REPORT records to CloudWatch Logs:
// all of them at system log level INFO (Lambda's default) or DEBUG; at
// WARN, which the template sets, only the failed ones (a failed
// invocation's records are WARN).
func platformRecords(bu, au localcloud.Usage) float64 {
	var n int
	for id, f := range au.Functions {
		prev := bu.Functions[id]
		if f.SystemLogLevel == "WARN" {
			n += f.Errors - prev.Errors
		} else {
			n += f.Invocations - prev.Invocations
		}
	}
	return float64(n)
}

// usageBetween is what the cloud metered between two snapshots, in the
// units AWS bills; the units of the tables in ia are Standard-IA's.
func usageBetween(bs, as localcloud.Stats, bu, au localcloud.Usage, ia map[string]bool) cost.Usage {
	var u cost.Usage
	for id, f := range au.Functions {
		prev := bu.Functions[id]
		u.LambdaRequests += float64(f.Invocations - prev.Invocations)
		// Lambda bills the init phase of a cold start as duration too (for
		// provided.al2023 runtimes, and for all since August 2025).
		billed := f.Billed - prev.Billed
		if len(f.InitDurations) > len(prev.InitDurations) {
			for _, d := range f.InitDurations[len(prev.InitDurations):] {
				billed += d
			}
		}
		u.LambdaGBSeconds += billed.Seconds() * float64(f.MemoryMB) / 1024
	}
	for table, v := range au.Capacity.WriteUnits {
		if ia[table] {
			u.DynamoIAWriteUnits += v - bu.Capacity.WriteUnits[table]
		} else {
			u.DynamoWriteUnits += v - bu.Capacity.WriteUnits[table]
		}
	}
	for table, v := range au.Capacity.ReadUnits {
		if ia[table] {
			u.DynamoIAReadUnits += v - bu.Capacity.ReadUnits[table]
		} else {
			u.DynamoReadUnits += v - bu.Capacity.ReadUnits[table]
		}
	}
	u.WebSocketMessages = float64(au.WebSocketFramesIn-bu.WebSocketFramesIn) + float64(au.Pushes-bu.Pushes)
	u.HTTPRequests = float64(au.HTTPRequests - bu.HTTPRequests)
	u.SESMessages = float64(au.SES.ByMethod[http.MethodPost] - bu.SES.ByMethod[http.MethodPost])
	u.SESBytes = float64(au.SES.Bytes - bu.SES.Bytes)
	u.Events = float64(au.EventEntries - bu.EventEntries)
	for m, c := range au.S3.ByMethod {
		d := float64(c - bu.S3.ByMethod[m])
		if m == http.MethodGet || m == http.MethodHead {
			u.S3Gets += d
		} else {
			u.S3Puts += d
		}
	}
	for op, c := range as.AWS["secretsmanager"] {
		u.SecretsCalls += float64(c - bs.AWS["secretsmanager"][op])
	}
	return u
}

func printEstimate(n int, u cost.Usage) {
	lines := cost.Estimate(u)
	per := 1000 / float64(n)
	fmt.Printf("\n  AWS cost per 1,000 conversations (%s list prices read %s, arm64, on-demand; free tier NOT applied)\n", cost.Region, cost.PricesRead)
	fmt.Printf("  %-16s %-38s %14s %12s\n", "service", "dimension", "quantity", "USD")
	for _, l := range lines {
		if l.Quantity == 0 {
			continue
		}
		fmt.Printf("  %-16s %-38s %14.2f %12.5f\n", l.Price.Service, l.Price.What+" ("+l.Price.Unit+")", l.Quantity*per, l.USD*per)
	}
	fmt.Printf("\n  %-16s %12s %14s\n", "by service", "per 1,000", "per conversation")
	for _, s := range cost.ByService(lines) {
		if s.USD == 0 {
			continue
		}
		fmt.Printf("  %-16s %12.5f %14.7f\n", s.Service, s.USD*per, s.USD/float64(n))
	}
	total := cost.Total(lines)
	fmt.Printf("  %-16s %12.5f %14.7f\n", "TOTAL", total*per, total/float64(n))
	fmt.Printf("  Lambda duration is the local processes' measured time at each function's MemorySize (an estimate of Lambda's);\n")
	fmt.Printf("  connection minutes assume %.0f minutes per visitor tab; logs are the functions' output plus %d bytes for each invocation whose\n", visitorMinutes, platformLogBytes)
	fmt.Printf("  START/END/REPORT records Lambda sends (system log level INFO or DEBUG; at WARN, the template's, only a failed invocation's).\n")
	fmt.Printf("  Free tier (not applied): ")
	var free []string
	for _, p := range cost.Prices {
		free = append(free, p.Service+" "+p.What+": "+p.FreeTier)
	}
	fmt.Println(strings.Join(free[:4], "; ") + "; see docs/cost.md for the rest.")
}

// settle waits until the streams have delivered every record and trailing
// pushes have landed.
func (b *bench) settle() {
	for deadline := time.Now().Add(30 * time.Second); !b.cloud.StreamsIdle() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
}

// waitMail waits until the mailbox holds at least n messages whose subject
// contains subject.
func (b *bench) waitMail(ctx context.Context, subject string, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		got := 0
		for _, m := range b.cloud.Mailbox() {
			if strings.Contains(m.Subject, subject) {
				got++
			}
		}
		if got >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d emails with subject %q after 2 minutes, want %d", got, subject, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// scriptedConversation is one chat as the widget and the inbox run it: the
// visitor opens the widget and writes, the agent takes the conversation and
// opens it, both sides answer six times and mark what they read, the visitor
// leaves an address and confirms it from the email, and the agent closes the
// conversation, which sends the transcript.
func (b *bench) scriptedConversation(ctx context.Context, a *costAgent, tag string) error {
	v, _, err := chatclient.NewVisitor(ctx, b.ep, b.origin, "main", "")
	if err != nil {
		return err
	}
	vs, err := v.Connect(ctx)
	if err != nil {
		return err
	}
	vs.CountInto(a.visitors)
	defer func() {
		// The frames still on their way (the close) are counted too.
		vs.Close()
		<-vs.Done()
	}()
	addr := tag + "-" + uuid.NewString()[:8] + "@visitor.test"
	convID, sub := "", uuid.NewString()
	for i := range costMessagesEachWay {
		id := uuid.NewString()
		got := a.router.expect(id)
		if err := chatclient.SendMessageWithID(ctx, vs, id, convID, fmt.Sprintf("%s: visitor message %d about my order", tag, i+1)); err != nil {
			return err
		}
		if convID == "" {
			f, err := vs.Next(ctx, chatclient.IsType("message"))
			if err != nil {
				return err
			}
			convID = f.ConversationID
		}
		var m chatclient.Message
		select {
		case a := <-got:
			m = a.msg
		case <-ctx.Done():
			return fmt.Errorf("the agent did not get visitor message %d: %w", i+1, ctx.Err())
		}
		if i == 0 {
			if _, err := a.api.Act(ctx, convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
				return err
			}
			if _, err := a.api.Get(ctx, convID); err != nil {
				return err
			}
			// The inbox marks the thread read once its resume is
			// answered, naming the resume's subscription.
			resumed := a.router.expectResume(convID)
			if err := openThread(ctx, a.sock, convID, sub); err != nil {
				return err
			}
			select {
			case <-resumed:
			case <-ctx.Done():
				return fmt.Errorf("the agent's resume was not answered: %w", ctx.Err())
			}
		}
		if _, err := a.api.Act(ctx, convID, "read", map[string]any{"seq": m.Seq, "subscription": sub}); err != nil {
			return err
		}
		if i == 1 {
			if err := v.Call(ctx, http.MethodPut, "/widget/contact", map[string]string{"email": addr}, nil); err != nil {
				return err
			}
		}
		rid := uuid.NewString()
		if err := chatclient.SendMessageWithID(ctx, a.sock, rid, convID, fmt.Sprintf("%s: agent answer %d", tag, i+1)); err != nil {
			return err
		}
		f, err := vs.Next(ctx, func(f chatclient.Frame) bool {
			m, err := f.Msg()
			return err == nil && m.ClientID == rid
		})
		if err != nil {
			return fmt.Errorf("the visitor did not get answer %d: %w", i+1, err)
		}
		r, _ := f.Msg()
		if err := vs.Send(ctx, map[string]any{"action": "read", "conversationId": convID, "seq": r.Seq}); err != nil {
			return err
		}
	}
	if err := b.confirm(ctx, addr); err != nil {
		return err
	}
	_, err = a.api.Act(ctx, convID, "close", nil)
	return err
}

// confirm does what the owner of addr does with the confirmation email:
// opens the link and presses the button.
func (b *bench) confirm(ctx context.Context, addr string) error {
	link := ""
	for deadline := time.Now().Add(30 * time.Second); link == ""; {
		for _, m := range b.cloud.Mailbox() {
			if len(m.To) > 0 && strings.EqualFold(m.To[0], addr) && strings.Contains(m.Subject, email.ConfirmSubject) {
				link = confirmLinkRE.FindString(m.Text)
			}
		}
		if link != "" {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no confirmation email to %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	for _, step := range []struct{ method, form string }{{http.MethodGet, ""}, {http.MethodPost, "token=" + u.Query().Get("token")}} {
		req, err := http.NewRequestWithContext(ctx, step.method, link, strings.NewReader(step.form))
		if err != nil {
			return err
		}
		if step.form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return errors.New("confirming " + addr + ": " + resp.Status)
		}
	}
	return nil
}
