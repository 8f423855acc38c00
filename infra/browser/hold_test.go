package browser

import (
	"context"
	"net/http"
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
	paused chan fetch.RequestID
}

// holdRequests starts holding the requests of ctx's target whose URL
// matches pattern (fetch's wildcards: "*/widget/ticket").
func holdRequests(t *testing.T, ctx context.Context, pattern string) *held {
	t.Helper()
	h := &held{t: t, ctx: ctx, paused: make(chan fetch.RequestID, 4)}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			h.paused <- e.RequestID
		}
	}); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "hold requests of "+pattern, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return err
	}))
	return h
}

// next waits for the next request held; what names it in the failure.
func (h *held) next(what string) fetch.RequestID {
	h.t.Helper()
	select {
	case id := <-h.paused:
		return id
	case <-time.After(45 * time.Second):
		h.t.Fatalf("%s was never requested", what)
		return ""
	}
}

// release lets a held request through and holds no more.
func (h *held) release(id fetch.RequestID) {
	h.t.Helper()
	step(h.t, h.ctx, "let the request through", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
			return err
		}
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
