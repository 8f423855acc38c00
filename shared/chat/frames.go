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
