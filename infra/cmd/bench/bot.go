package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/shared/settings"
)

// botRun measures the bot's answer as the visitor sees it (from sending
// the answer to the bot's next question on the visitor's socket) beside an
// agent's live reply in the same run, and what one bot step costs. The
// engine runs in the visitor's message write (docs/chatflows.md).
func (b *bench) botRun(ctx context.Context, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	admin, err := b.agent("alice")
	if err != nil {
		return err
	}
	var ch map[string]any
	if err := admin.Call(ctx, http.MethodPost, "/agent/settings/channels", map[string]string{"inboxId": "main", "name": "Bench bot"}, &ch); err != nil {
		return err
	}
	ch["chatflows"] = []map[string]any{{
		"id": "bench", "name": "Bench", "kind": "bot", "welcome": "Hi!", "bot": map[string]any{"name": "Robin"},
		"steps": []map[string]any{
			{"id": "ask", "type": "text", "text": "Tell me more.", "save": "more", "next": "ack"},
			{"id": "ack", "type": "message", "text": "Noted.", "next": "ask"},
		},
	}}
	if err := admin.Call(ctx, http.MethodPut, "/agent/settings/channels/"+ch["id"].(string), ch, nil); err != nil {
		return err
	}
	if err := b.cloud.Advance(settings.CacheTTL); err != nil {
		return err
	}
	v, _, err := chatclient.NewVisitor(ctx, b.ep, b.origin, ch["id"].(string), "")
	if err != nil {
		return err
	}
	s, err := v.Connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := chatclient.StartBot(ctx, s, uuid.NewString(), ""); err != nil {
		return err
	}
	f, err := botQuestion(ctx, s)
	if err != nil {
		return fmt.Errorf("the bot's first question: %w", err)
	}
	conv := f.ConversationID
	step := func(i int) (time.Duration, error) {
		start := time.Now()
		if _, err := chatclient.SendMessage(ctx, s, conv, fmt.Sprintf("answer %d", i)); err != nil {
			return 0, err
		}
		f, err := botQuestion(ctx, s)
		if err != nil {
			return 0, fmt.Errorf("the bot's answer: %w", err)
		}
		return f.Received.Sub(start), nil
	}
	if _, err := step(-1); err != nil { // warm
		return err
	}

	agentSock, err := admin.Connect(ctx)
	if err != nil {
		return err
	}
	defer agentSock.Close()
	p, err := b.openConversation(ctx, admin, newRouter(agentSock))
	if err != nil {
		return err
	}
	defer p.visitorSock.Close()
	if _, err := p.agentToVisitor(ctx, "warm"); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond)

	var botTimes, agentTimes []time.Duration
	before := b.cloud.Stats()
	for i := range n {
		d, err := step(i)
		if err != nil {
			return err
		}
		botTimes = append(botTimes, d)
	}
	time.Sleep(300 * time.Millisecond) // let trailing pushes land
	after := b.cloud.Stats()
	for i := range n {
		d, err := p.agentToVisitor(ctx, fmt.Sprintf("agent reply %d", i))
		if err != nil {
			return err
		}
		agentTimes = append(agentTimes, d)
	}
	fmt.Printf("\n## Bot answer vs agent reply (%d each, as the visitor's socket hears them)\n", n)
	fmt.Printf("  bot's next question after the visitor's answer   p50 %s  p99 %s\n", pct(botTimes, 50), pct(botTimes, 99))
	fmt.Printf("  agent's reply (HTTP POST .../messages)            p50 %s  p99 %s\n", pct(agentTimes, 50), pct(agentTimes, 99))
	printCosts("one bot step (the visitor's answer, the bot's two entries in the same write)", n, before, after)
	return nil
}

// botQuestion waits for the bot's next question (or a refusal).
func botQuestion(ctx context.Context, s *chatclient.Socket) (chatclient.Frame, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f, err := s.Next(ctx, func(f chatclient.Frame) bool {
		m, err := f.Msg()
		return f.Type == "error" || (err == nil && m.Ask != nil)
	})
	if err == nil && f.Type == "error" {
		return f, fmt.Errorf("refused: %s", f.Raw)
	}
	return f, err
}
