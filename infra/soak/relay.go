package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// The baseline is the physical floor under the system's latency: a bare
// WebSocket relay in this process, with the WebSocket library the local
// cloud's gateway uses, no persistence, no functions, no AWS calls. It
// fans out as the system does (a visitor's message to its tab and every
// agent, an answer to the tab and every agent) and carries the same load
// shape, without faults.

// relay is the bare server: conversations by number, agents by socket.
type relay struct {
	mu       sync.Mutex
	visitors map[int]*websocket.Conn
	agents   []*websocket.Conn
	seq      map[int]int64
}

func (rl *relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	defer c.CloseNow()
	conv, isVisitor := -1, r.URL.Query().Get("role") == "visitor"
	rl.mu.Lock()
	if isVisitor {
		conv, _ = strconv.Atoi(r.URL.Query().Get("conv"))
		rl.visitors[conv] = c
	} else {
		rl.agents = append(rl.agents, c)
	}
	rl.mu.Unlock()
	ctx := r.Context()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var in struct {
			ClientID       string `json:"clientId"`
			ConversationID string `json:"conversationId"`
			Body           string `json:"body"`
		}
		if json.Unmarshal(b, &in) != nil {
			continue
		}
		n, err := strconv.Atoi(in.ConversationID)
		if err != nil {
			continue
		}
		author := "agent"
		if isVisitor {
			author = "visitor"
		}
		rl.mu.Lock()
		rl.seq[n]++
		frame, _ := json.Marshal(map[string]any{"type": "message", "conversationId": in.ConversationID,
			"message": chatclient.Message{Seq: rl.seq[n], ClientID: in.ClientID, Kind: "text", Body: in.Body, Author: chatclient.Author{Type: author}}})
		to := append([]*websocket.Conn{rl.visitors[n]}, rl.agents...)
		rl.mu.Unlock()
		for _, c := range to {
			if c != nil {
				_ = c.Write(ctx, websocket.MessageText, frame)
			}
		}
	}
}

// Baseline runs the load shape of cfg through the bare relay and returns
// the two latencies and the throughput.
func Baseline(ctx context.Context, cfg Config) (*BaselineReport, error) {
	rl := &relay{visitors: map[int]*websocket.Conn{}, seq: map[int]int64{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: rl, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "ws://" + ln.Addr().String() + "/"

	var mu sync.Mutex
	var v2a, a2v []time.Duration
	sentAt := map[string]time.Time{}
	// Each agent answers the conversations it owns (number mod agents).
	replies := make(chan [2]string, 1024)
	agentSocks := make([]*chatclient.Socket, cfg.Agents)
	for i := range agentSocks {
		s, err := chatclient.DialTicket(ctx, base+"?role=agent", "", "")
		if err != nil {
			return nil, fmt.Errorf("baseline: agent: %w", err)
		}
		defer s.Close()
		agentSocks[i] = s
		go func() {
			for {
				f, err := s.Next(context.Background(), chatclient.IsType("message"))
				if err != nil {
					return
				}
				m, _ := f.Msg()
				conv, _ := strconv.Atoi(f.ConversationID)
				if m.Author.Type != "visitor" || conv%cfg.Agents != i {
					continue
				}
				mu.Lock()
				if at, ok := sentAt[m.ClientID]; ok {
					v2a = append(v2a, f.Received.Sub(at))
				}
				mu.Unlock()
				replies <- [2]string{f.ConversationID, m.Body}
			}
		}()
	}
	stopReplies := make(chan struct{})
	go func() {
		for {
			select {
			case r := <-replies:
				n, _ := strconv.Atoi(r[0])
				id := uuid.NewString()
				mu.Lock()
				sentAt[id] = time.Now()
				mu.Unlock()
				_ = chatclient.SendMessageWithID(ctx, agentSocks[n%cfg.Agents], id, r[0], "re: "+r[1])
			case <-stopReplies:
				return
			}
		}
	}()
	defer close(stopReplies)

	perVisitor := cfg.Messages / cfg.Visitors / 2
	socks := make([]*chatclient.Socket, cfg.Visitors)
	for i := range socks {
		s, err := chatclient.DialTicket(ctx, base+"?role=visitor&conv="+strconv.Itoa(i), "", "")
		if err != nil {
			return nil, fmt.Errorf("baseline: visitor: %w", err)
		}
		defer s.Close()
		socks[i] = s
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, cfg.Visitors)
	for i, s := range socks {
		conv := strconv.Itoa(i)
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		wg.Go(func() {
			for k := range perVisitor {
				sleep(ctx, ThinkTime(rng, cfg.Think))
				id := uuid.NewString()
				mu.Lock()
				sentAt[id] = time.Now()
				mu.Unlock()
				if err := chatclient.SendMessageWithID(ctx, s, id, conv, fmt.Sprintf("visitor %d message %d", i, k)); err != nil {
					errs[i] = err
					return
				}
				f, err := s.Next(ctx, func(f chatclient.Frame) bool {
					m, err := f.Msg()
					return err == nil && m.Author.Type == "agent"
				})
				if err != nil {
					errs[i] = err
					return
				}
				m, _ := f.Msg()
				mu.Lock()
				if at, ok := sentAt[m.ClientID]; ok {
					a2v = append(a2v, f.Received.Sub(at))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	n := perVisitor * cfg.Visitors * 2
	return &BaselineReport{Messages: n, Duration: d, Throughput: float64(n) / d.Seconds(), V2A: latencyOf(v2a), A2V: latencyOf(a2v)}, nil
}

// BaselineReport is what the bare relay measured.
type BaselineReport struct {
	Messages   int
	Duration   time.Duration
	Throughput float64
	V2A, A2V   Latency
}

// PrintComparison writes the system beside the baseline, with the ratios.
func PrintComparison(w io.Writer, sys *Report, base *BaselineReport) {
	ratio := func(a, b time.Duration) string {
		if b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f×", float64(a)/float64(b))
	}
	r := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
	fmt.Fprintf(w, "\nlatency under soak load: system (local cloud, with faults) vs bare WebSocket relay (no persistence, no faults), same process clock\n")
	fmt.Fprintf(w, "  %-18s %-12s %-12s %-12s %-12s %-10s %-10s\n", "", "system p50", "system p99", "relay p50", "relay p99", "p50 ratio", "p99 ratio")
	fmt.Fprintf(w, "  %-18s %-12s %-12s %-12s %-12s %-10s %-10s\n", "visitor -> agent", r(sys.V2A.P50), r(sys.V2A.P99), r(base.V2A.P50), r(base.V2A.P99), ratio(sys.V2A.P50, base.V2A.P50), ratio(sys.V2A.P99, base.V2A.P99))
	fmt.Fprintf(w, "  %-18s %-12s %-12s %-12s %-12s %-10s %-10s\n", "agent -> visitor", r(sys.A2V.P50), r(sys.A2V.P99), r(base.A2V.P50), r(base.A2V.P99), ratio(sys.A2V.P50, base.A2V.P50), ratio(sys.A2V.P99, base.A2V.P99))
	fmt.Fprintf(w, "  %-18s %-12s %-12s\n", "throughput", fmt.Sprintf("%.0f msg/s", sys.Throughput), fmt.Sprintf("%.0f msg/s", base.Throughput))
}
