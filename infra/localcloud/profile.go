package localcloud

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/parleychat/parley/infra/localcloud/lambdaemu"
)

// ProfileLabel is the pprof label key under which a CPU profile of the
// local cloud's process (`-cpuprofile` of the soak and the bench) splits
// its samples by component: `go tool pprof -tags` lists them, and
// `-tagfocus component=dynamodb` keeps one. Goroutines a request starts
// carry its label; samples without one are the runtime's own (GC) and
// background work (streams, schedules).
const ProfileLabel = lambdaemu.ProfileLabel

// The components of the local cloud a profile tells apart.
const (
	componentHTTPAPI     = "http api"
	componentWebSocket   = "websocket api"
	componentConnections = "@connections"
	componentAWS         = "dynamodb and aws apis"
	componentEventBridge = "eventbridge"
	componentOther       = "other"
)

// profiled serves r with h under the component's profile label.
func profiled(component string, h http.Handler, w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprof.Labels(ProfileLabel, component), func(context.Context) {
		h.ServeHTTP(w, r)
	})
}

// componentOfPath names the component serving a path of the cloud's port.
func componentOfPath(path, wsStage, connectionsPrefix string) string {
	switch {
	case strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/widget/contact/confirm"):
		return componentHTTPAPI
	case path == "/ws/"+wsStage:
		return componentWebSocket
	case strings.HasPrefix(path, connectionsPrefix+"/"):
		return componentConnections
	}
	return componentOther
}

// ProfileCPU starts a CPU profile of this process (the local cloud, and
// whatever else runs in it) into the file at path; stop ends it and
// closes the file. An empty path profiles nothing.
func ProfileCPU(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// ProcessCPU is the CPU time (user + system, all threads) this process
// has used: the local cloud's and that of any clients running in it,
// not the function processes' (FunctionUsage.CPU).
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
