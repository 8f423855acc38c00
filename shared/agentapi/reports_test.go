package agentapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/settings"
)

// An admin reads an inbox's or an agent's range in one Query, the
// account's in one per inbox after the list of inboxes; a request that
// names both dimensions, or a range that is not one, is refused with
// what to fix, and reads nothing.
func TestReportRoute(t *testing.T) {
	f := newFixture(t)
	// The seed's inbox "main" is the account's one inbox.
	channels, err := settings.NewCache(f.st, testSeed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := channels.Seed(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec, err := reports.NewRecorder(f.st, time.UTC, channels)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, e := range []reports.Entry{
		{Seq: 1, Kind: reports.KindVisitor, At: t0.UnixMilli()},
		{Seq: 2, Kind: reports.KindAgent, Agent: annSub, At: t0.Add(20 * time.Second).UnixMilli()},
	} {
		if _, err := rec.Record(t.Context(), reports.Event{ConversationID: "c1", InboxID: "main", Entry: e}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		query  map[string]string
		status int
		frt    int64
	}{
		{"inbox", map[string]string{"inboxId": "main", "from": "2026-12-01", "to": "2026-12-31"}, http.StatusOK, 1},
		{"agent", map[string]string{"agentId": annSub, "from": "2026-12-07", "to": "2026-12-07"}, http.StatusOK, 1},
		{"another range", map[string]string{"inboxId": "main", "from": "2026-11-01", "to": "2026-11-30"}, http.StatusOK, 0},
		{"account", map[string]string{"from": "2026-12-01", "to": "2026-12-31"}, http.StatusOK, 1},
		{"both", map[string]string{"inboxId": "main", "agentId": annSub, "from": "2026-12-01", "to": "2026-12-31"}, http.StatusBadRequest, 0},
		{"no dates", map[string]string{"inboxId": "main"}, http.StatusBadRequest, 0},
		{"two years", map[string]string{"inboxId": "main", "from": "2025-01-01", "to": "2026-12-31"}, http.StatusBadRequest, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request(t, "GET /agent/reports", "", "", boss)
			req.QueryStringParameters = tt.query
			f.db.Calls()
			res, err := f.h.Handle(t.Context(), req)
			if err != nil || res.StatusCode != tt.status {
				t.Fatalf("report = %d %s, %v; want %d", res.StatusCode, res.Body, err, tt.status)
			}
			queries := f.db.Calls()["Query"]
			if tt.status != http.StatusOK {
				if queries != 1 {
					t.Errorf("refused request made %d queries, want the admission's only", queries)
				}
				return
			}
			var got reports.Report
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Total.FirstResponse.Count != tt.frt || (tt.frt > 0 && *got.Total.FirstResponse.Median != 30) {
				t.Errorf("first response = %+v, want %d answered within 30 s", got.Total.FirstResponse, tt.frt)
			}
			// One Query admits the agent (access, memberships, profile).
			want := 2
			if tt.name == "account" {
				want = 3 // the inboxes, and the one inbox's rollups
			}
			if queries != want {
				t.Errorf("%d queries, want the admission's and %d", queries, want-1)
			}
		})
	}
}
