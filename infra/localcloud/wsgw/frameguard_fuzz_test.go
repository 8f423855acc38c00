package wsgw

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// wsFrame encodes one client frame header (masked) and payload.
func wsFrame(fin bool, opcode byte, payload []byte) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	var h []byte
	switch n := len(payload); {
	case n < 126:
		h = []byte{b0, 0x80 | byte(n)}
	case n < 1<<16:
		h = binary.BigEndian.AppendUint16([]byte{b0, 0x80 | 126}, uint16(n))
	default:
		h = binary.BigEndian.AppendUint64([]byte{b0, 0x80 | 127}, uint64(n))
	}
	return append(append(h, 1, 2, 3, 4), payload...)
}

// guardVerdict feeds stream to a fresh guard in chunks of the given sizes
// (cycled) and returns how many bytes it let through and whether it
// stopped the stream.
func guardVerdict(stream []byte, chunks []byte) (int, bool) {
	g := &frameGuard{maxFrame: 100, maxMessage: 250}
	passed := 0
	for i, k := 0, 0; i < len(stream); k++ {
		n := 1
		if len(chunks) > 0 {
			n = int(chunks[k%len(chunks)])%64 + 1
		}
		n = min(n, len(stream)-i)
		keep, ok := g.scan(stream[i : i+n])
		passed += keep
		if !ok {
			return passed, true
		}
		i += n
	}
	return passed, false
}

// FuzzFrameGuard: the gateway's frame parser gives the same verdict however
// the stream is split into reads, never panics on any
// header (lengths up to 2^64, reserved opcodes, continuation frames), and
// never lets a frame over the limit through.
func FuzzFrameGuard(f *testing.F) {
	small := bytes.Repeat([]byte("a"), 90)
	f.Add(wsFrame(true, 1, small), []byte{1})
	f.Add(wsFrame(true, 1, bytes.Repeat([]byte("a"), 101)), []byte{7, 3})
	f.Add(append(append(wsFrame(false, 1, small), wsFrame(false, 0, small)...), wsFrame(true, 0, small)...), []byte{5})
	f.Add(append(wsFrame(true, 9, []byte("ping")), wsFrame(true, 2, small)...), []byte{63})
	f.Add([]byte{0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, []byte{2})
	f.Add([]byte{0x81, 0xfe, 0x00}, []byte{1})
	f.Fuzz(func(t *testing.T, stream, chunks []byte) {
		bytewise, stopped := guardVerdict(stream, nil)
		chunked, stoppedChunked := guardVerdict(stream, chunks)
		if stopped != stoppedChunked {
			t.Fatalf("byte by byte: stopped=%v; in chunks %v: stopped=%v", stopped, chunks, stoppedChunked)
		}
		if !stopped {
			return
		}
		// Bytes of the refused frame's header that came in earlier reads
		// have passed already (at most a header's 14 bytes), never a whole
		// header: the passed bytes alone hold no frame over the limit.
		if d := bytewise - chunked; d < -maxHeader || d > maxHeader {
			t.Fatalf("stopped after %d bytes byte by byte, after %d in chunks %v", bytewise, chunked, chunks)
		}
		for _, n := range []int{bytewise, chunked} {
			if _, again := guardVerdict(stream[:n], nil); again {
				t.Fatalf("the %d bytes passed before the stop hold a frame over the limit", n)
			}
		}
	})
}

// maxHeader is the longest frame header: 2 bytes, 8 of length, 4 of mask.
const maxHeader = 14
