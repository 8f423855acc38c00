package lambdaemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The local cloud and make bench run and measure the binary that deploys:
// BuildFlags and the Makefile's GOFLAGS_LAMBDA (what sam build uses) are
// the same flags.
func TestBuildFlagsAreTheMakefiles(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.Lines(string(mk)) {
		if v, ok := strings.CutPrefix(l, "GOFLAGS_LAMBDA := "); ok {
			line = strings.TrimSpace(v)
		}
	}
	if line == "" {
		t.Fatal("the Makefile sets no GOFLAGS_LAMBDA")
	}
	if diff := cmp.Diff(BuildFlags, shellWords(line)); diff != "" {
		t.Errorf("BuildFlags (-) and the Makefile's GOFLAGS_LAMBDA (+) differ:\n%s", diff)
	}
}

// shellWords splits a make variable's value as the shell will: on spaces,
// except inside double quotes.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	quoted, started := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, started = !quoted, true
		case r == ' ' && !quoted:
			if started {
				words = append(words, w.String())
			}
			w.Reset()
			started = false
		default:
			w.WriteRune(r)
			started = true
		}
	}
	if started {
		words = append(words, w.String())
	}
	return words
}
