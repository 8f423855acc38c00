package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/parleychat/parley/infra/localcloud/lambdaemu"
)

// coldStarts reports each function's binary size, built for Lambda
// (linux/arm64, as make build does) and for this machine (as the local
// cloud runs it), and the time from starting its process to its first poll
// of the Runtime API (GET /runtime/invocation/next), p50 over starts cold
// starts forced one after another.
func (b *bench) coldStarts(ctx context.Context, starts int) error {
	fmt.Printf("\n## Cold start (%d starts per function, one at a time; process start to first Runtime API poll)\n", starts)
	ids := make([]string, 0, len(b.cloud.Model().Functions))
	for id := range b.cloud.Model().Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	armDir, err := os.MkdirTemp("", "parley-arm64-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(armDir)

	fmt.Printf("  %-28s %12s %12s %10s %10s\n", "function", "arm64 size", "local size", "init p50", "init max")
	var totalArm int64
	for _, id := range ids {
		fn := b.cloud.Model().Functions[id]
		arm, err := buildArm64(ctx, b.root, fn.Dir, filepath.Join(armDir, id))
		if err != nil {
			return err
		}
		totalArm += arm
		local, err := fileSize(filepath.Join(b.root, ".localcloud", "build", id, "bootstrap"))
		if err != nil {
			return err
		}
		before := len(b.cloud.Usage().Functions[id].InitDurations)
		for range starts {
			b.cloud.Retire(id)
			// The event does not matter: the process polls before it
			// reads it, and a handler error leaves the process alive.
			_, _ = b.cloud.InvokeFunction(ctx, id, []byte(`{}`))
		}
		inits := b.cloud.Usage().Functions[id].InitDurations[before:]
		if len(inits) == 0 {
			return fmt.Errorf("%s: no cold start was recorded", id)
		}
		fmt.Printf("  %-28s %9.2f MB %9.2f MB %10s %10s\n", id, mb(arm), mb(local), pct(inits, 50), pct(inits, 100))
	}
	fmt.Printf("  arm64 total %.1f MB for %d functions (deployment packages are these binaries, zipped)\n", mb(totalArm), len(ids))
	return nil
}

// buildArm64 builds a function the way make build does (the same flags)
// and returns the binary's size.
func buildArm64(ctx context.Context, root, pkgDir, outDir string) (int64, error) {
	bin := filepath.Join(outDir, "bootstrap")
	pkg := "./" + strings.TrimPrefix(filepath.ToSlash(filepath.Clean(pkgDir)), "./")
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build"}, lambdaemu.BuildFlags...), "-o", bin, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("build %s for linux/arm64: %w\n%s", pkgDir, err, out)
	}
	return fileSize(bin)
}

func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }
