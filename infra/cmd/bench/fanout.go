package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/chatclient"
)

// fanOut measures what one visitor message and one agent reply cost, and
// how long they take to arrive, as the number of online agent sockets
// grows: calls and pushes per message, the assignee's latency and the time
// until the last online agent has it.
func (b *bench) fanOut(ctx context.Context, online []int, n int) error {
	fmt.Printf("\n## Fan-out: one conversation, %d messages each way, as online agents grow\n", n)
	fmt.Printf("  (sockets are spread over the three demo agents; alice owns the conversation and has it open)\n")
	for _, k := range online {
		if err := b.fanOutWith(ctx, k, n); err != nil {
			return fmt.Errorf("%d agents online: %w", k, err)
		}
	}
	return nil
}

func (b *bench) fanOutWith(ctx context.Context, k, n int) error {
	names := []string{"alice", "ben", "chiara"}
	socks := make([]*chatclient.Socket, k)
	arr := make([]*router, k)
	var owner *chatclient.Agent
	for i := range k {
		a, err := b.agent(names[i%len(names)])
		if err != nil {
			return err
		}
		if i == 0 {
			owner = a
		}
		s, err := a.Connect(ctx)
		if err != nil {
			return err
		}
		defer s.Close()
		socks[i], arr[i] = s, newRouter(s)
	}
	v, _, err := chatclient.NewVisitor(ctx, b.ep, b.origin, "main", "")
	if err != nil {
		return err
	}
	vs, err := v.Connect(ctx)
	if err != nil {
		return err
	}
	defer vs.Close()
	if _, err := chatclient.SendMessage(ctx, vs, "", "Hello"); err != nil {
		return err
	}
	f, err := vs.Next(ctx, chatclient.IsType("message"))
	if err != nil {
		return err
	}
	convID := f.ConversationID
	if _, err := owner.Act(ctx, convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		return err
	}
	// The owner's inbox has the thread open, as the inbox does when an
	// agent clicks a conversation.
	if _, err := owner.Get(ctx, convID); err != nil {
		return err
	}
	if err := openThread(ctx, socks[0], convID, uuid.NewString()); err != nil {
		return err
	}
	time.Sleep(300 * time.Millisecond)

	// Visitor messages: every online socket that receives it counts.
	var owned, last []time.Duration
	reached := 0
	before := b.cloud.Stats()
	for i := range n {
		id := uuid.NewString()
		chans := make([]chan arrival, k)
		for j := range k {
			chans[j] = arr[j].expect(id)
		}
		start := time.Now()
		if err := chatclient.SendMessageWithID(ctx, vs, id, convID, fmt.Sprintf("visitor message %d", i)); err != nil {
			return err
		}
		at := <-waitOne(ctx, chans[0])
		if at.IsZero() {
			return fmt.Errorf("the owner did not get visitor message %d", i)
		}
		owned = append(owned, at.Sub(start))
		// Others get it now or never: wait briefly for the rest.
		lastAt := at
		for j := 1; j < k; j++ {
			select {
			case a := <-chans[j]:
				if a.at.After(lastAt) {
					lastAt = a.at
				}
				reached++
			case <-time.After(300 * time.Millisecond):
				arr[j].forget(id)
			}
		}
		reached++
		last = append(last, lastAt.Sub(start))
	}
	time.Sleep(300 * time.Millisecond)
	after := b.cloud.Stats()
	fmt.Printf("\n### %d agent sockets online\n", k)
	fmt.Printf("  visitor message: owner p50 %s p99 %s; last online socket p50 %s; sockets reached per message %.1f\n",
		pct(owned, 50), pct(owned, 99), pct(last, 50), float64(reached)/float64(n))
	printCosts("  per visitor message", n, before, after)

	var replies []time.Duration
	before = b.cloud.Stats()
	for i := range n {
		start := time.Now()
		m, err := owner.Reply(ctx, convID, fmt.Sprintf("agent reply %d", i))
		if err != nil {
			return err
		}
		f, err := vs.Next(ctx, func(f chatclient.Frame) bool {
			got, err := f.Msg()
			return err == nil && got.Seq == m.Seq
		})
		if err != nil {
			return err
		}
		replies = append(replies, f.Received.Sub(start))
	}
	time.Sleep(300 * time.Millisecond)
	after = b.cloud.Stats()
	fmt.Printf("  agent reply: visitor p50 %s p99 %s\n", pct(replies, 50), pct(replies, 99))
	printCosts("  per agent reply", n, before, after)
	_, err = owner.Act(ctx, convID, "close", nil)
	return err
}

// waitOne returns a channel with the arrival, or the zero time after ten
// seconds or when ctx ends.
func waitOne(ctx context.Context, ch chan arrival) chan time.Time {
	out := make(chan time.Time, 1)
	go func() {
		select {
		case a := <-ch:
			out <- a.at
		case <-time.After(10 * time.Second):
			out <- time.Time{}
		case <-ctx.Done():
			out <- time.Time{}
		}
	}()
	return out
}

// openThread does what the inbox does when an agent opens a conversation:
// it resumes the conversation on the agent's socket, naming a
// subscription, and the socket from then on hears every message of it.
// The answer (a "messages" frame) is left to the socket's reader.
func openThread(ctx context.Context, s *chatclient.Socket, convID, subscription string) error {
	return s.Send(ctx, map[string]any{"action": "resume", "conversationId": convID, "afterSeq": 0, "subscription": subscription})
}
