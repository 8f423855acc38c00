package chatclient

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// TestNextKeepsFramesItPassesOver: pushes come in any order; a frame that
// arrives while a caller waits for another is there for the next wait,
// and the socket's close is reported once no frame received matches.
func TestNextKeepsFramesItPassesOver(t *testing.T) {
	pushes := []string{
		`{"type":"message","conversationId":"c1","message":{"seq":2,"kind":"event"}}`,
		`{"type":"message","conversationId":"c1","message":{"seq":1,"clientId":"mine"}}`,
		`{"type":"pong"}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		for _, p := range pushes {
			if err := conn.Write(r.Context(), websocket.MessageText, []byte(p)); err != nil {
				return
			}
		}
		_ = conn.Close(websocket.StatusNormalClosure, "done")
	}))
	t.Cleanup(srv.Close)
	s, err := DialTicket(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)

	seq := func(n int64) func(Frame) bool {
		return func(f Frame) bool { m, err := f.Msg(); return err == nil && m.Seq == n }
	}
	tests := []struct {
		name  string
		match func(Frame) bool
		want  string // the frame taken
	}{
		{"the own message, past the entry pushed before it", seq(1), pushes[1]},
		{"a frame of another type", IsType("pong"), pushes[2]},
		{"the entry passed over before", seq(2), pushes[0]},
	}
	for _, tc := range tests {
		f, err := s.Next(t.Context(), tc.match)
		if err != nil || string(f.Raw) != tc.want {
			t.Errorf("%s: got %s, %v; want %s", tc.name, f.Raw, err, tc.want)
		}
	}
	if f, err := s.Next(t.Context(), nil); err == nil {
		t.Errorf("after every frame was taken and the socket closed: got %s, want the close", f.Raw)
	}
}
