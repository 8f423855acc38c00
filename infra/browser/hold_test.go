package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
)

// held holds a target's requests whose URL matches a pattern, as a slow
// or failing network would, until the test lets each one through or
// fails it.
type held struct {
	t      *testing.T
	ctx    context.Context
	paused chan *fetch.EventRequestPaused
}

// holdRequests starts holding the requests of ctx's target whose URL
// matches one of patterns (fetch's wildcards: "*/widget/ticket").
func holdRequests(t *testing.T, ctx context.Context, patterns ...string) *held {
	t.Helper()
	h := &held{t: t, ctx: ctx, paused: make(chan *fetch.EventRequestPaused, 4)}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			h.paused <- e
		}
	}); err != nil {
		t.Fatal(err)
	}
	var match []*fetch.RequestPattern
	for _, p := range patterns {
		match = append(match, &fetch.RequestPattern{URLPattern: p})
	}
	step(t, ctx, "hold requests of "+strings.Join(patterns, ", "), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: match})
		return err
	}))
	return h
}

// next waits for the next request held; what names it in the failure.
func (h *held) next(what string) fetch.RequestID {
	h.t.Helper()
	return h.nextRequest(what).RequestID
}

// nextRequest waits for the next request held, and gives its URL and
// body too.
func (h *held) nextRequest(what string) *fetch.EventRequestPaused {
	h.t.Helper()
	select {
	case e := <-h.paused:
		return e
	case <-time.After(45 * time.Second):
		h.t.Fatalf("%s was never requested", what)
		return nil
	}
}

// sentJSON decodes a held request's JSON body into v.
func sentJSON(t *testing.T, e *fetch.EventRequestPaused, v any) {
	t.Helper()
	var body bytes.Buffer
	for _, p := range e.Request.PostDataEntries {
		body.Write(p.Bytes)
	}
	if err := json.Unmarshal(body.Bytes(), v); err != nil {
		t.Fatalf("the body of %s %s: %v", e.Request.Method, e.Request.URL, err)
	}
}

// pass lets a held request through and goes on holding the others.
func (h *held) pass(id fetch.RequestID) {
	h.t.Helper()
	step(h.t, h.ctx, "let the request through", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		return err
	}))
}

// release lets a held request through and holds no more.
func (h *held) release(id fetch.RequestID) {
	h.t.Helper()
	h.pass(id)
	step(h.t, h.ctx, "hold no more requests", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.Disable, cdp.Empty{})
		return err
	}))
}

// fail answers a held request with a network error.
func (h *held) fail(id fetch.RequestID) {
	h.t.Helper()
	step(h.t, h.ctx, "fail the request on the network", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: "ConnectionReset"})
		return err
	}))
}

// failUntil fails every request held, as a network that is down does,
// until the JavaScript condition cond holds; it returns the requests it
// failed.
func (h *held) failUntil(what, cond string) []*fetch.EventRequestPaused {
	h.t.Helper()
	var failed []*fetch.EventRequestPaused
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case e := <-h.paused:
			h.fail(e.RequestID)
			failed = append(failed, e)
		case <-time.After(100 * time.Millisecond):
			if eval[bool](h.t, h.ctx, "!!("+cond+")") {
				return failed
			}
		}
	}
	h.t.Fatalf("failing every request until %s: timed out after %d requests", what, len(failed))
	return nil
}

// dropVisitorSockets closes every visitor's socket from the gateway's
// side, as a lost network does.
func dropVisitorSockets(t *testing.T) {
	t.Helper()
	dropSockets(t, visitorSockets(t))
}

// dropSockets closes the connections ids from the gateway's side.
func dropSockets(t *testing.T, ids []string) {
	t.Helper()
	for _, id := range ids {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, cloud.Endpoints().Callback+"/@connections/"+id, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
	}
}
