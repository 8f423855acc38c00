package soak

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/infra/localcloud"
)

var (
	cloud  *localcloud.Cloud
	target Target
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	wd, _ := os.Getwd()
	root, err := localcloud.RepoRoot(wd)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cloud, target, err = StartCloud(ctx, root, 3, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local cloud:", err)
		return 1
	}
	defer cloud.Close()
	return m.Run()
}

// A short soak: 40 visitors and 3 agents write 640 messages, the visitors
// three at a time in flight on one socket, while their sockets drop (with and without a close frame); every stored message must
// reach the visitor's tab and the owning agent (who has the thread open),
// and every visitor message and event every other agent's list, exactly
// once, in seq order, counting live pushes, resumes and catch-ups, and
// every message written must be stored once.
func TestShortSoak(t *testing.T) {
	var out strings.Builder
	rep, err := Run(t.Context(), target, Config{
		Visitors: 40, Agents: 3, Messages: 640, Burst: 3,
		VisitorDrops: 0.1, AgentDropEvery: time.Second,
		Settle: 2 * time.Minute, Seed: 6,
	}, &out)
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, out.String())
	}
	rep.Print(&out)
	t.Log(out.String())
	for _, p := range rep.Problems {
		t.Errorf("%s", p)
	}
	if rep.Texts != 640 {
		t.Errorf("stored %d chat messages, want 640", rep.Texts)
	}
	// The faults happened: otherwise the run proves nothing about them.
	for _, k := range []string{"visitor drops without close frame", "visitor clean closes", "agent drops without close frame", "agent clean closes", "visitor resumes (reconnect, more)", "agent catch-ups (GET ?after=)", "agent thread resumes (open, again)"} {
		if rep.Counts[k] == 0 {
			t.Errorf("%s: none happened", k)
		}
	}
	// The report says where the CPU went: the message function's
	// processes and this one (the local cloud and the clients).
	if rep.CPU.Functions["WsMessageFunction"] <= 0 || rep.CPU.Process <= 0 {
		t.Errorf("CPU of the load: WsMessageFunction %v, this process %v; want both counted", rep.CPU.Functions["WsMessageFunction"], rep.CPU.Process)
	}
}
