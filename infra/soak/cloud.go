package soak

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/parleychat/parley/infra/chatclient"
	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/oidc"
)

// Agents are n agents for the local issuer: the demo agents first, then
// generated ones ("soak-04@soak.parley.local", …). Pass the ones that are
// not demo agents as localcloud.Config.Agents.
func Agents(n int) []oidc.Agent {
	out := oidc.DemoAgents()
	for i := len(out); i < n; i++ {
		out = append(out, oidc.Agent{
			Sub:      fmt.Sprintf("50a10000-0000-4000-8000-%012d", i+1),
			Email:    fmt.Sprintf("soak-%02d@soak.parley.local", i+1),
			Name:     fmt.Sprintf("Soak Agent %d", i+1),
			Password: "demo",
		})
	}
	return out[:n]
}

// extraAgents are the agents of Agents(n) the issuer does not seed itself.
func extraAgents(n int) []oidc.Agent {
	all := Agents(max(n, len(oidc.DemoAgents())))
	return all[len(oidc.DemoAgents()):]
}

// StartCloud starts a local cloud for a soak with n agents, building the
// functions into a folder of its own (another local cloud may be running
// from the default one), and returns it with the soak's target.
func StartCloud(ctx context.Context, repoRoot string, agents int, progress io.Writer) (*localcloud.Cloud, Target, error) {
	cloud, err := localcloud.Start(ctx, localcloud.Config{
		Addr:           "127.0.0.1:0",
		RepoRoot:       repoRoot,
		BuildDir:       filepath.Join(repoRoot, ".localcloud", "soak-build"),
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		FunctionOutput: io.Discard,
		Progress:       progress,
		// The inactivity sweep has nothing to do in a soak.
		ScheduleTick: time.Hour,
		Agents:       extraAgents(agents),
	})
	if err != nil {
		return nil, Target{}, err
	}
	ep := cloud.Endpoints()
	tgt := Target{
		Endpoints: chatclient.Endpoints{HTTPAPI: ep.HTTPAPI, WebSocket: ep.WebSocket, InboxOrigin: cloud.URL()},
		Origin:    ep.WidgetOrigin(),
		StatsURL:  cloud.URL() + "/_local/stats",
	}
	for _, a := range Agents(agents) {
		// Tokens outlive any bounded soak.
		tok, err := cloud.Issuer().Mint(a.Sub, 12*time.Hour)
		if err != nil {
			cloud.Close()
			return nil, Target{}, err
		}
		tgt.Agents = append(tgt.Agents, tok)
	}
	return cloud, tgt, nil
}
