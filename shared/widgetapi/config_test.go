package widgetapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/settings"
)

// config asks GET /widget/config for channel from origin and returns the
// answer's status, body and Cache-Control.
func (h *harness) config(t *testing.T, channel, origin string) (int, map[string]any, string) {
	t.Helper()
	req := request(t, "GET /widget/config", "")
	req.QueryStringParameters = map[string]string{"channelId": channel}
	req.Headers["origin"] = origin
	res, err := h.h.Handle(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Headers["Set-Cookie"]; ok {
		t.Error("config sets a cookie")
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatalf("config answered %d %s", res.StatusCode, res.Body)
	}
	return res.StatusCode, body, res.Headers["Cache-Control"]
}

func TestConfig(t *testing.T) {
	h := setup(t)
	status, got, cc := h.config(t, "main", "https://elsewhere.example")
	want := map[string]any{
		"channelId": "main", "teamName": "Northwind Coffee", "color": "#8a4b2a", "launcherText": "", "position": "right",
		"greeting": settings.DefaultGreeting, "poweredBy": true, "language": "en", "typicalReplyTime": "minutes",
		"available": true, "away": map[string]any{"mode": "message", "message": settings.DefaultAwayMessage},
	}
	if status != http.StatusOK {
		t.Fatalf("config = %d %v", status, got)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config of the seeded channel, from any origin (-want +got):\n%s", diff)
	}
	if cc != "public, max-age=20" {
		t.Errorf("Cache-Control = %q, want public, max-age=20", cc)
	}

	// Warm: the next page views read nothing.
	h.db.Calls()
	h.config(t, "main", "")
	if calls := h.db.Calls(); len(calls) != 0 {
		t.Errorf("a config request on a warm cache made DynamoDB calls %v, want none", calls)
	}

	for _, id := range []string{"other", "MAIN", "../main"} {
		if status, body, cc := h.config(t, id, ""); status != http.StatusNotFound || cc != "public, max-age=20" {
			t.Errorf("config of channel %q = %d %v (Cache-Control %q), want 404, cacheable like an answer", id, status, body, cc)
		}
	}
}

// TestConfigFollowsSettingsWithinTheCache: an admin's change, made in
// another function, shows in the config once this function's cache
// (settings.CacheTTL) has run out, without a restart.
func TestConfigFollowsSettingsWithinTheCache(t *testing.T) {
	h := setup(t)
	h.config(t, "main", "")

	admin := h.adminElsewhere(t)
	ch, err := admin.Channel(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	ch.Look.Color, ch.Look.Greeting, ch.Look.LauncherText = "#1f6f43", "Ciao! <b>Come</b> possiamo aiutarti?", "Chat with us"
	if _, err := admin.PutChannel(t.Context(), "main", ch); err != nil {
		t.Fatal(err)
	}

	h.now = h.now.Add(settings.CacheTTL - time.Second)
	if _, got, _ := h.config(t, "main", ""); got["color"] != "#8a4b2a" {
		t.Errorf("within the cache window: color %v, want the cached #8a4b2a", got["color"])
	}
	h.now = h.now.Add(time.Second)
	_, got, _ := h.config(t, "main", "")
	for k, v := range map[string]string{"color": "#1f6f43", "greeting": "Ciao! <b>Come</b> possiamo aiutarti?", "launcherText": "Chat with us"} {
		if got[k] != v {
			t.Errorf("after the cache window: %s = %v, want %q (stored as text)", k, got[k], v)
		}
	}
}

// TestConfigCacheNeverOutlivesAChange: in business hours the answer says
// when availability changes next, and may be cached until then only.
func TestConfigCacheNeverOutlivesAChange(t *testing.T) {
	h := setup(t)
	admin := h.adminElsewhere(t)
	ch, err := admin.Channel(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	ch.Availability = availability.Settings{Mode: availability.Hours, TimeZone: "Europe/Rome", Week: availability.Week{
		Mon: []availability.Interval{{Start: "09:00", End: "12:30"}, {Start: "14:00", End: "18:00"}},
	}}
	if _, err := admin.PutChannel(t.Context(), "main", ch); err != nil {
		t.Fatal(err)
	}
	rome, _ := time.LoadLocation("Europe/Rome")
	tests := []struct {
		name      string
		at        time.Time
		available bool
		next      string
		cache     string
	}{
		{"12 s before the lunch break", time.Date(2026, 12, 7, 12, 29, 48, 500e6, rome), true, "2026-12-07T11:30:00Z", "public, max-age=11"},
		{"at the lunch break", time.Date(2026, 12, 7, 12, 30, 0, 0, rome), false, "2026-12-07T13:00:00Z", "public, max-age=20"},
		{"half a second before the afternoon", time.Date(2026, 12, 7, 13, 59, 59, 500e6, rome), false, "2026-12-07T13:00:00Z", "public, max-age=0"},
		{"Sunday", time.Date(2026, 12, 13, 10, 0, 0, 0, rome), false, "2026-12-14T08:00:00Z", "public, max-age=20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.now = tt.at
			_, got, cc := h.config(t, "main", "")
			if got["available"] != tt.available || got["nextChange"] != tt.next || cc != tt.cache {
				t.Errorf("config at %v: available %v, nextChange %v, Cache-Control %q; want %v, %s, %q",
					tt.at, got["available"], got["nextChange"], cc, tt.available, tt.next, tt.cache)
			}
		})
	}
}

// adminElsewhere is the settings service of another function (the agent
// API) over the same table: its changes reach this harness's cache only
// when that runs out.
func (h *harness) adminElsewhere(t *testing.T) *settings.Service {
	t.Helper()
	c, err := settings.NewCache(h.st, testSeed, func() time.Time { return h.now })
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.NewService(c, h.svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
