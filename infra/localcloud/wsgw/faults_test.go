package wsgw

import (
	"context"
	"net/http"
	"strings"
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

// TestSilence: a silenced connection stays open on both sides, but its
// frames reach no function and pushes to it (answered 200) never arrive;
// other connections are untouched.
func TestSilence(t *testing.T) {
	h := newHarness(t, defaultRoutes, nil, Options{})
	ws, id := h.dial(t)
	other, otherID := h.dial(t)
	if h.gw.Silence("no-such-connection") || !h.gw.Silence(id) {
		t.Fatal("Silence: want false for an unknown id, true for a connected one")
	}
	if err := ws.Write(t.Context(), websocket.MessageText, []byte(`{"action":"sendMessage"}`)); err != nil {
		t.Fatal(err)
	}
	push := func(conn string) int {
		resp, err := http.Post(h.srv.URL+"/_aws/execute-api/wsapi1/dev/@connections/"+conn, "application/json", strings.NewReader(`{"type":"pong"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := push(id); got != http.StatusOK {
		t.Errorf("push to the silenced connection: %d, want 200", got)
	}
	if got := push(otherID); got != http.StatusOK {
		t.Errorf("push to the other connection: %d, want 200", got)
	}
	if got := readText(t, other); got != `{"type":"pong"}` {
		t.Errorf("the other connection read %q", got)
	}
	if n := len(h.inv.find("MESSAGE", id)); n != 0 {
		t.Errorf("the silenced connection's frame invoked %d functions", n)
	}
	if n := len(h.inv.find("DISCONNECT", id)); n != 0 {
		t.Errorf("the silenced connection was closed")
	}
	// (A read that times out closes the client's side: last.)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, data, err := ws.Read(ctx); err == nil {
		t.Errorf("the silenced connection read %q", data)
	}
}
