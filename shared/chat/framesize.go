package chat

import "encoding/json"

// MaxFrameBytes bounds the encoded messages of one frame. API Gateway
// refuses PostToConnection data over 128 KB; 96 KB leaves room for the
// rest of the frame. A 5,000-character body can take 30 KB of JSON
// (every '<' becomes \u003c), so MaxPageSize messages may not fit.
const MaxFrameBytes = 96 << 10

// fitFrame returns the longest prefix of msgs whose JSON fits in
// MaxFrameBytes, always at least one message, and whether it cut any.
func fitFrame(msgs []Message) ([]Message, bool) {
	size := 0
	for i, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			return msgs[:max(i, 1)], i+1 < len(msgs)
		}
		size += len(b) + 1 // and a comma
		if size > MaxFrameBytes && i > 0 {
			return msgs[:i], true
		}
	}
	return msgs, false
}
