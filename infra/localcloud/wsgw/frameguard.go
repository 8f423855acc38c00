package wsgw

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
)

// errTooBig is what the guard's Read returns once the client sent a frame or
// message over the limits; the gateway then closes with 1009.
var errTooBig = errors.New("frame or message over the API Gateway limit")

// frameGuard watches the client's byte stream frame by frame, below the
// WebSocket library, because API Gateway limits frames (32 KB) as well as
// messages (128 KB) and the library only knows message limits. It reads each
// frame header (RFC 6455 section 5.2) as it passes and stops the stream before
// a frame that breaks a limit, so that nothing over the limit reaches a
// function. It also reports every client frame, control frames included, as
// activity for the idle timeout.
type frameGuard struct {
	net.Conn
	r          io.Reader
	maxFrame   int64
	maxMessage int64
	onFrame    func()

	mu        sync.Mutex
	violated  bool
	hdr       []byte // header bytes of the frame being parsed
	remaining int64  // payload bytes of the current frame still to pass
	msgBytes  int64  // payload bytes of the current data message so far
}

func (g *frameGuard) Read(p []byte) (int, error) {
	g.mu.Lock()
	violated := g.violated
	g.mu.Unlock()
	if violated {
		return 0, errTooBig
	}
	n, err := g.r.Read(p)
	if n > 0 {
		if keep, ok := g.scan(p[:n]); !ok {
			if keep > 0 {
				return keep, nil
			}
			return 0, errTooBig
		}
	}
	return n, err
}

// tooBig reports whether the guard stopped the stream.
func (g *frameGuard) tooBig() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.violated
}

// scan advances the frame parser over b. When a frame header breaks a limit
// it returns how many bytes of b precede that header and false.
func (g *frameGuard) scan(b []byte) (int, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := 0; i < len(b); {
		if g.remaining > 0 {
			skip := min(int64(len(b)-i), g.remaining)
			g.remaining -= skip
			i += int(skip)
			continue
		}
		hdrStart := i - len(g.hdr)
		g.hdr = append(g.hdr, b[i])
		i++
		need, ok := headerLen(g.hdr)
		if !ok || len(g.hdr) < need {
			continue
		}
		opcode := g.hdr[0] & 0x0f
		fin := g.hdr[0]&0x80 != 0
		length := payloadLen(g.hdr)
		g.hdr = g.hdr[:0]
		g.remaining = length
		if g.onFrame != nil {
			g.onFrame()
		}
		if opcode >= 0x8 { // control frames are limited to 125 bytes by the protocol
			continue
		}
		if opcode != 0x0 { // text or binary starts a message
			g.msgBytes = 0
		}
		g.msgBytes += length
		if length > g.maxFrame || g.msgBytes > g.maxMessage {
			g.violated = true
			return max(hdrStart, 0), false
		}
		if fin {
			g.msgBytes = 0
		}
	}
	return len(b), true
}

// headerLen returns the full header length once the first two bytes are known.
func headerLen(h []byte) (int, bool) {
	if len(h) < 2 {
		return 0, false
	}
	n := 2
	switch h[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if h[1]&0x80 != 0 {
		n += 4 // masking key
	}
	return n, true
}

func payloadLen(h []byte) int64 {
	switch l := h[1] & 0x7f; l {
	case 126:
		return int64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		return int64(binary.BigEndian.Uint64(h[2:10]) & (1<<63 - 1))
	default:
		return int64(l)
	}
}

// guardedWriter hands the WebSocket library a hijacked connection whose reads
// pass through a frameGuard.
type guardedWriter struct {
	http.ResponseWriter
	guard *frameGuard
}

func (w *guardedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes the server already buffered belong to the client's stream too.
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	w.guard.Conn = conn
	w.guard.r = io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), conn)
	brw.Reader.Reset(w.guard)
	return w.guard, brw, nil
}
