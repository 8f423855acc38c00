// Command soak loads Parley through the local cloud with many visitors and
// agents whose connections drop at random, checks that every message
// reached every party exactly once and in order, and compares latency with
// a bare WebSocket relay carrying the same load.
//
//	go run ./infra/cmd/soak [-visitors 500] [-agents 10] [-messages 20000] [-deadline 15m]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/soak"
)

func main() {
	ok, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func run() (bool, error) {
	cfg := soak.Config{}
	flag.IntVar(&cfg.Visitors, "visitors", 500, "concurrent visitors, one tab and one conversation each")
	flag.IntVar(&cfg.Agents, "agents", 10, "agents online; each one's list hears every conversation, its owner opens the thread")
	flag.IntVar(&cfg.Messages, "messages", 20000, "chat messages in total, both directions")
	flag.IntVar(&cfg.Burst, "burst", 3, "messages a visitor sends back to back, in flight at once, before it waits for the answers")
	flag.Float64Var(&cfg.VisitorDrops, "visitor-drops", 0.05, "chance a visitor's socket drops after a message")
	flag.DurationVar(&cfg.AgentDropEvery, "agent-drop-every", 2*time.Minute, "mean time between drops of an agent's socket (0: never)")
	flag.DurationVar(&cfg.Think, "think", 0, "mean pause of a visitor before each message, or burst (0: as soon as the last answer came)")
	flag.DurationVar(&cfg.Settle, "settle", time.Minute, "wait for the last pushes after the last answer")
	flag.Uint64Var(&cfg.Seed, "seed", uint64(time.Now().UnixNano()), "random seed of the faults")
	deadline := flag.Duration("deadline", 15*time.Minute, "stop the load after this long (the checks still run)")
	baseline := flag.Bool("baseline", true, "also run the bare WebSocket relay with the same load")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the load (the local cloud by pprof label \""+localcloud.ProfileLabel+"\", and the soak's clients) to this file")
	flag.Parse()

	// Ctrl-C stops the load and still closes the local cloud and its
	// function processes.
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(sig, *deadline)
	defer cancel()
	wd, err := os.Getwd()
	if err != nil {
		return false, err
	}
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		return false, err
	}
	fmt.Println("soak: starting the local cloud (building every function)...")
	cloud, tgt, err := soak.StartCloud(ctx, root, cfg.Agents, os.Stdout)
	if err != nil {
		return false, err
	}
	defer cloud.Close()
	fmt.Printf("soak: %d visitors, %d agents, %d messages, seed %d, deadline %s\n", cfg.Visitors, cfg.Agents, cfg.Messages, cfg.Seed, *deadline)
	stopProfile, err := localcloud.ProfileCPU(*cpuProfile)
	if err != nil {
		return false, err
	}
	var rep *soak.Report
	pprof.Do(ctx, pprof.Labels(localcloud.ProfileLabel, "soak clients"), func(ctx context.Context) {
		rep, err = soak.Run(ctx, tgt, cfg, os.Stdout)
	})
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if err != nil {
		return false, err
	}
	rep.Print(os.Stdout)
	if *baseline {
		fmt.Println("\nsoak: the same load through a bare WebSocket relay...")
		// The baseline has a deadline of its own: the soak's may be spent.
		bctx, bcancel := context.WithTimeout(sig, 5*time.Minute)
		defer bcancel()
		base, err := soak.Baseline(bctx, cfg)
		if err != nil {
			return false, err
		}
		soak.PrintComparison(os.Stdout, rep, base)
	}
	return len(rep.Problems) == 0, nil
}
