package wsgw

import (
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestDropDisconnect: with $disconnect dropped, a closed socket gets no
// $disconnect invocation but is gone all the same (@connections answers
// 410); once the fault is cleared, $disconnect runs again.
func TestDropDisconnect(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{})
	h.gw.SetDropDisconnect(true)
	ws, id := h.dial(t)
	_ = ws.Close(websocket.StatusNormalClosure, "bye")
	deadline := time.Now().Add(5 * time.Second)
	for h.gw.DroppedDisconnects() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := h.gw.DroppedDisconnects(); n != 1 {
		t.Fatalf("dropped $disconnect = %d, want 1", n)
	}
	if got := h.inv.find("DISCONNECT", id); len(got) != 0 {
		t.Errorf("$disconnect invoked %d times while dropped", len(got))
	}
	resp, err := http.Post(h.srv.URL+"/_aws/execute-api/wsapi1/dev/@connections/"+id, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("post to the vanished connection: %d, want 410", resp.StatusCode)
	}

	h.gw.SetDropDisconnect(false)
	ws2, id2 := h.dial(t)
	_ = ws2.Close(websocket.StatusNormalClosure, "bye")
	h.inv.waitFor(t, "DISCONNECT", id2, 1)
	if h.gw.DropsDisconnect() || h.gw.DroppedDisconnects() != 1 {
		t.Errorf("after clearing: drops %v, dropped %d; want false, 1", h.gw.DropsDisconnect(), h.gw.DroppedDisconnects())
	}
}
