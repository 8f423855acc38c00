package localcloud

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestPages: the demo site serves the .html files of Config.PagesDir at
// /pages/<name>.html, and nothing else: no other name, no path out of the
// folder, nothing without the folder.
func TestPages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "second.html"), []byte("<p>second page</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "outside.html"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, path string
		want            int
		body            string
	}{
		{"a page", dir, "/pages/second.html", http.StatusOK, "<p>second page</p>"},
		{"no such page", dir, "/pages/third.html", http.StatusNotFound, ""},
		{"not an html name", dir, "/pages/second.htm", http.StatusNotFound, ""},
		{"out of the folder", dir, "/pages/..%2Foutside.html", http.StatusNotFound, ""},
		{"no folder", "", "/pages/second.html", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cloud{cfg: Config{PagesDir: tt.dir}}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /pages/{name}", c.servePage)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.want {
				t.Fatalf("GET %s = %d, want %d", tt.path, rec.Code, tt.want)
			}
			if tt.body != "" && rec.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", rec.Body.String(), tt.body)
			}
		})
	}
}
