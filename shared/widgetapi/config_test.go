package widgetapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parleychat/parley/shared/widgetapi"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		name       string
		team, col  string
		query      map[string]string
		origin     string
		wantStatus int
		want       map[string]string
	}{
		{"defaults", "", "", map[string]string{"channelId": "main"}, "https://www.example.com", http.StatusOK,
			map[string]string{"channelId": "main", "teamName": "Support", "color": "#2f5bea"}},
		{"configured look, any origin", "Northwind Coffee", "#8a4b2a", map[string]string{"channelId": "main"}, "https://elsewhere.example", http.StatusOK,
			map[string]string{"channelId": "main", "teamName": "Northwind Coffee", "color": "#8a4b2a"}},
		{"malformed colour keeps the default", "Team", "red;background:url(x)", nil, "", http.StatusOK,
			map[string]string{"channelId": "main", "teamName": "Team", "color": "#2f5bea"}},
		{"unknown channel", "", "", map[string]string{"channelId": "other"}, "", http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := setup(t)
			h.build(t, widgetapi.WithLook(tt.team, tt.col))
			req := request(t, "GET /widget/config", "")
			req.QueryStringParameters = tt.query
			req.Headers["origin"] = tt.origin
			res, err := h.h.Handle(t.Context(), req)
			if err != nil || res.StatusCode != tt.wantStatus {
				t.Fatalf("config = %d %s, %v; want %d", res.StatusCode, res.Body, err, tt.wantStatus)
			}
			if tt.want == nil {
				return
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if cc := res.Headers["Cache-Control"]; cc != "public, max-age=300" {
				t.Errorf("Cache-Control = %q, want a public, cacheable answer", cc)
			}
			if _, ok := res.Headers["Set-Cookie"]; ok {
				t.Error("config sets a cookie")
			}
			if n := len(h.db.Calls()); n != 0 {
				t.Errorf("config made DynamoDB calls of %d kinds, want none", n)
			}
		})
	}
}
