package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestEndpointsJSON(t *testing.T) {
	resp, err := http.Get(cloud.URL() + "/_local/endpoints")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}
	var got map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"httpApi", "webSocket", "inbox", "widgetLoader", "demoSite", "mailbox", "smtp", "events"} {
		if _, ok := got[key]; !ok {
			t.Errorf("/_local/endpoints lacks %q: %v", key, got)
		}
	}
	for _, key := range []string{"httpApi", "webSocket", "demoSite"} {
		if got[key] == "" {
			t.Errorf("%s is empty", key)
		}
	}
	if !strings.HasPrefix(got["webSocket"], "ws://") {
		t.Errorf("webSocket = %q, want a ws:// URL", got["webSocket"])
	}
}

func TestDemoAndDashboardPages(t *testing.T) {
	for _, u := range []string{cloud.Endpoints().DemoSite, cloud.Endpoints().Dashboard, cloud.Endpoints().Mailbox, cloud.Endpoints().EventsPage} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "Parley") {
			t.Errorf("GET %s: %d %.200s", u, resp.StatusCode, b)
		}
	}
}
