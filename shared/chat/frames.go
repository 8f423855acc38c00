package chat

// Server -> client frames, as docs/architecture.md defines them.

type MessageFrame struct {
	Type           string  `json:"type"`
	ConversationID string  `json:"conversationId"`
	Message        Message `json:"message"`
	Conversation   any     `json:"conversation,omitempty"`
}

type MessagesFrame struct {
	Type           string    `json:"type"`
	ConversationID string    `json:"conversationId"`
	Messages       []Message `json:"messages"`
	HasMore        bool      `json:"hasMore"`
	// VisitorReadSeq is the visitor's read marker, in an agent's resume
	// answer (the "Seen" under a reply); 0 when the visitor read nothing.
	VisitorReadSeq int64 `json:"visitorReadSeq,omitempty"`
}

type ConversationFrame struct {
	Type         string `json:"type"`
	Conversation any    `json:"conversation"`
}

type TypingFrame struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversationId"`
	Author         Author `json:"author"`
	On             bool   `json:"on"`
	// Seq is the last seq the typist held when it sent the indicator (the
	// conversation's last seq when it did not say). Pushes arrive in any
	// order: a client that already holds a message of this author with a
	// higher seq drops the "on", which was sent before that message,
	// rather than showing the author typing after they sent it.
	Seq int64 `json:"seq"`
	// Note: an agent is writing a note (agents only ever hear these).
	Note bool `json:"note,omitempty"`
}

type ErrorFrame struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	ClientID string `json:"clientId,omitempty"`
	// RetryAfter (seconds) is set on rate_limited errors.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Retryable: the failure was the system's (a store that timed out or
	// throttled), not the frame's; sending the same frame again, with the
	// same client id, is safe and may succeed.
	Retryable bool `json:"retryable,omitempty"`
}

type PongFrame struct {
	Type string `json:"type"`
}

// ClosingFrame comes just before the server closes an agent's socket
// itself: API Gateway closes it with code 1000 and no reason, so the code
// and the reason travel here, and the inbox closes with them and says why.
type ClosingFrame struct {
	Type      string `json:"type"`
	CloseCode int    `json:"closeCode"`
	Reason    string `json:"reason"`
}

// Close codes of ClosingFrame (4000-4999 are the application's).
const (
	// CloseSignedOut: the agent signed out (POST /agent/signout).
	CloseSignedOut = 4001
	// CloseDisabled: an admin disabled the agent.
	CloseDisabled = 4003
)
