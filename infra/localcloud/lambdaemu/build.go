// Package lambdaemu builds Go Lambda functions and runs them as local
// processes speaking the AWS Lambda Runtime API, the way Lambda and the
// runtime interface emulator do: one process per concurrent invocation,
// started lazily, reused while warm, replaced when it dies.
package lambdaemu

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// BuildFlags are the go build flags of a function binary, as the
// Makefile's GOFLAGS_LAMBDA builds it for Lambda (a test keeps the two
// equal): no RPC runtime, no paths or symbols, and no inlining inside the
// AWS SDK (github.com/aws/...), which takes 0.5-0.7 MB off each binary for
// about 10% more CPU in the SDK's own code per call (docs/cost.md).
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-gcflags", "github.com/aws/...=-l", "-ldflags", "-s -w"}

// Build compiles the function package pkgDir (relative to repoRoot) the way
// it is built for deployment, but for the host platform, and returns the
// path of outDir/bootstrap.
func Build(ctx context.Context, repoRoot, pkgDir, outDir string) (string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", pkgDir, err)
	}
	bin, err := filepath.Abs(filepath.Join(outDir, "bootstrap"))
	if err != nil {
		return "", fmt.Errorf("build %s: %w", pkgDir, err)
	}
	pkg := "./" + strings.TrimPrefix(filepath.ToSlash(filepath.Clean(pkgDir)), "./")
	cmd := exec.CommandContext(ctx, "go", append(append([]string{"build"}, BuildFlags...), "-o", bin, pkg)...)
	cmd.Dir = repoRoot
	// The go command needs the caller's toolchain settings (GOPATH,
	// GOCACHE, GOFLAGS, …); only the target is pinned here.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", pkgDir, err, strings.TrimSpace(out.String()))
	}
	return bin, nil
}
