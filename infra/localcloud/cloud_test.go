package localcloud

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A function that does not compile stops the start with an error that names
// the function and shows the compiler's words.
func TestStartReportsBuildErrors(t *testing.T) {
	root := t.TempDir()
	tpl, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("template.yaml", string(tpl))
	write("go.mod", "module example.com/broken\n\ngo 1.26\n")
	for _, dir := range []string{"widget-api", "agent-api", "ws-connect", "ws-disconnect"} {
		write("functions/"+dir+"/main.go", "package main\n\nfunc main() {}\n")
	}
	write("functions/ws-message/main.go", "package main\n\nfunc main() { notDefinedAnywhere() }\n")

	_, err = Start(t.Context(), Config{Addr: "127.0.0.1:0", RepoRoot: root})
	if err == nil {
		t.Fatal("Start succeeded with a function that does not compile")
	}
	for _, want := range []string{"WsMessageFunction", "functions/ws-message", "notDefinedAnywhere"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
