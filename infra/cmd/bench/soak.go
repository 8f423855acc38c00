package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/parleychat/parley/infra/soak"
)

var (
	soakVisitors = flag.Int("soak-visitors", 500, "visitors in the latency-under-soak-load run (0 skips it)")
	soakMessages = flag.Int("soak-messages", 20000, "chat messages in the latency-under-soak-load run")
)

// soakLatency measures delivery latency under the soak's load (visitors
// and ten agents, sockets dropping at random) on a local cloud of its own,
// beside a bare WebSocket relay carrying the same load.
func soakLatency(ctx context.Context, root string) error {
	if *soakVisitors <= 0 {
		return nil
	}
	cfg := soak.Config{
		Visitors: *soakVisitors, Agents: 10, Messages: *soakMessages,
		VisitorDrops: 0.05, AgentDropEvery: 2 * time.Minute, Seed: uint64(time.Now().UnixNano()),
	}
	// The soak has a deadline of its own, beyond the other sections'.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Minute)
	defer cancel()
	fmt.Printf("\n## Latency under soak load (%d visitors, %d agents, %d messages, sockets dropping)\n", cfg.Visitors, cfg.Agents, cfg.Messages)
	cloud, tgt, err := soak.StartCloud(ctx, root, cfg.Agents, io.Discard)
	if err != nil {
		return err
	}
	defer cloud.Close()
	rep, err := soak.Run(ctx, tgt, cfg, os.Stdout)
	if err != nil {
		return err
	}
	rep.Print(os.Stdout)
	base, err := soak.Baseline(ctx, cfg)
	if err != nil {
		return err
	}
	soak.PrintComparison(os.Stdout, rep, base)
	if len(rep.Problems) > 0 {
		return fmt.Errorf("%d delivery problems under soak load (listed above)", len(rep.Problems))
	}
	return nil
}
