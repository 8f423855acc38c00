package localcloud

import "testing"

func TestComponentOfPath(t *testing.T) {
	const stage, connections = "prod", "/_aws/execute-api/abc/prod"
	for _, tt := range []struct {
		path, want string
	}{
		{"/api/agent/conversations", componentHTTPAPI},
		{"/widget/contact/confirm", componentHTTPAPI},
		{"/ws/prod", componentWebSocket},
		{"/ws/prodx", componentOther},
		{connections + "/@connections/Zx1=", componentConnections},
		{"/_local/stats", componentOther},
		{"/inbox/", componentOther},
	} {
		if got := componentOfPath(tt.path, stage, connections); got != tt.want {
			t.Errorf("componentOfPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
