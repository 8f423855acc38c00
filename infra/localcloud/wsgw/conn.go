package wsgw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// connection is one open client socket.
type connection struct {
	gw          *Gateway
	id          string
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	ws          *websocket.Conn
	guard       *frameGuard
	lastActive  atomic.Int64 // unix nanoseconds of the last client frame

	writeMu sync.Mutex // one writer per socket at a time

	closeOnce   sync.Once
	causeCode   int // set once by closeWith, read after done
	causeReason string
	closing     atomic.Bool
	// silent is a half-open connection (Silence): its frames go nowhere
	// and nothing reaches it, while the socket stays open.
	silent atomic.Bool
	ready  chan struct{} // closed once ws is set, or the upgrade failed (ws stays nil)
	done   chan struct{}
}

func (c *connection) touch() { c.lastActive.Store(time.Now().UnixNano()) }

func (c *connection) lastActiveAt() time.Time { return time.Unix(0, c.lastActive.Load()) }

// closeWith closes the socket from the gateway's side. The first cause wins
// and becomes the $disconnect event's status and reason.
func (c *connection) closeWith(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.causeCode, c.causeReason = int(code), reason
		c.closing.Store(true)
		// Close waits for the client's answer; never block the caller on it.
		go func() {
			<-c.ready
			if c.ws != nil {
				_ = c.ws.Close(code, reason)
			}
		}()
	})
}

// serve reads client messages until the socket closes and returns the close
// status and reason for $disconnect.
func (c *connection) serve(ctx context.Context) (int, string) {
	defer close(c.done)
	g := c.gw
	stopTimers := c.startTimers()
	defer stopTimers()

	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return c.closeCause(err)
		}
		if c.silent.Load() {
			continue
		}
		g.framesIn.Add(1)
		g.wg.Add(1)
		// API Gateway does not serialize a connection's invocations.
		go func() {
			defer g.wg.Done()
			g.message(ctx, c, typ, data)
		}()
	}
}

// closeCause decides why the read loop ended.
func (c *connection) closeCause(err error) (int, string) {
	if c.guard.tooBig() {
		// "If a larger message (or larger frame size) is received, the
		// connection is closed with code 1009."
		// (apigateway-execution-service-websocket-limits-table.html)
		c.closeWith(websocket.StatusMessageTooBig, "Message too big")
	}
	var ce websocket.CloseError
	clientClose := errors.As(err, &ce)
	c.closeOnce.Do(func() {
		if clientClose {
			c.causeCode, c.causeReason = int(ce.Code), ce.Reason
		} else {
			c.causeCode, c.causeReason = int(websocket.StatusAbnormalClosure), "Connection closed abnormally"
		}
		c.closing.Store(true)
		_ = c.ws.CloseNow()
	})
	return c.causeCode, c.causeReason
}

// startTimers enforces the idle timeout and the maximum connection duration
// with 1001 "Going away", API Gateway's close for both.
func (c *connection) startTimers() (stop func()) {
	opts := c.gw.opts
	quit := make(chan struct{})
	go func() {
		maxDur := time.NewTimer(opts.MaxConnectionDuration)
		defer maxDur.Stop()
		idle := time.NewTimer(opts.IdleTimeout)
		defer idle.Stop()
		for {
			select {
			case <-quit:
				return
			case <-maxDur.C:
				c.closeWith(websocket.StatusGoingAway, "Going away")
				return
			case <-idle.C:
				left := opts.IdleTimeout - time.Since(c.lastActiveAt())
				if left <= 0 {
					c.closeWith(websocket.StatusGoingAway, "Going away")
					return
				}
				idle.Reset(left)
			}
		}
	}()
	return func() { close(quit) }
}

// send writes data as one text message. API Gateway delivers @connections
// data in frames of at most 32 KB (the frame quota "applies to @connections
// commands"), so larger messages go out as continuation frames.
func (c *connection) send(ctx context.Context, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	select {
	case <-c.ready:
	case <-ctx.Done():
		return fmt.Errorf("write to %s: %w", c.id, ctx.Err())
	}
	if c.ws == nil {
		return fmt.Errorf("write to %s: upgrade failed", c.id)
	}
	if c.silent.Load() {
		return nil // lost on the way, as on a connection that died unseen
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	frameMax := c.gw.opts.MaxFrameBytes
	if len(data) <= frameMax {
		if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
			return fmt.Errorf("write to %s: %w", c.id, err)
		}
		return nil
	}
	w, err := c.ws.Writer(ctx, websocket.MessageText)
	if err != nil {
		return fmt.Errorf("write to %s: %w", c.id, err)
	}
	for len(data) > 0 {
		n := min(frameMax, len(data))
		if _, err := w.Write(data[:n]); err != nil {
			_ = w.Close()
			return fmt.Errorf("write to %s: %w", c.id, err)
		}
		data = data[n:]
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write to %s: %w", c.id, err)
	}
	return nil
}

// sendErrorFrame sends API Gateway's error frame, spelled the way API
// Gateway spells it: {"message": "Internal server error", "connectionId":"…",
// "requestId":"…"}.
func (c *connection) sendErrorFrame(ctx context.Context, message, requestID string) {
	m, _ := json.Marshal(message)
	id, _ := json.Marshal(c.id)
	rid, _ := json.Marshal(requestID)
	frame := fmt.Sprintf(`{"message": %s, "connectionId":%s, "requestId":%s}`, m, id, rid)
	if err := c.send(ctx, []byte(frame)); err != nil {
		c.gw.log.Info("send error frame", "connectionId", c.id, "err", err)
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
