package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
)

const sweepRule = "InactivitySweeperFunction.Sweep"

// sweeps opens n conversations whose visitors then go quiet, moves the
// local cloud's clock past the warning and then past the close, and times
// the two sweeps that warn and close them all.
func (b *bench) sweeps(ctx context.Context, n int) error {
	fmt.Printf("\n## Inactivity sweep (%d quiet conversations)\n", n)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		sockets  []*chatclient.Socket
	)
	sem := make(chan struct{}, 16)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := func() error {
				v, _, err := chatclient.NewVisitor(ctx, b.ep, b.origin, "main", "")
				if err != nil {
					return err
				}
				s, err := v.Connect(ctx)
				if err != nil {
					return err
				}
				mu.Lock()
				sockets = append(sockets, s)
				mu.Unlock()
				if _, err := chatclient.SendMessage(ctx, s, "", "Hello"); err != nil {
					return err
				}
				_, err = s.Next(ctx, chatclient.IsType("message"))
				return err
			}()
			if err != nil {
				mu.Lock()
				firstErr = cmp(firstErr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, s := range sockets {
			s.Close()
		}
	}()
	if firstErr != nil {
		return firstErr
	}
	for _, step := range []struct {
		label   string
		advance time.Duration
	}{
		{"warning sweep (28 quiet minutes)", 29 * time.Minute},
		{"close sweep (30 quiet minutes)", 3 * time.Minute},
	} {
		if err := b.cloud.Advance(step.advance); err != nil {
			return err
		}
		before := b.cloud.Stats()
		start := time.Now()
		if err := b.cloud.FireSchedule(sweepRule); err != nil {
			return err
		}
		elapsed := time.Since(start)
		fmt.Printf("  %-34s %s, %.0f conversations/s\n", step.label, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
		printCosts("  calls per conversation swept", n, before, b.cloud.Stats())
	}
	return nil
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
