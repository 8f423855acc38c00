package chat

import (
	"errors"
	"fmt"
)

// Sentinel error categories. Adapters translate their own errors into these,
// and the edges (shared/apigw) map them to status codes in one table.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid request")
	ErrConflict     = errors.New("conflict")
	ErrTooLarge     = errors.New("too large")
	ErrUnauthorized = errors.New("unauthorized")
	// ErrClientIDReused: a client id that stored one request came with
	// another (see clientid.go).
	ErrClientIDReused = errors.New("client id reused")
)

// Error is a domain error with a message that is safe to show to clients.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%v: %s", e.Kind, e.Message) }

func (e *Error) Unwrap() error { return e.Kind }

func invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

// ConflictError reports that the conversation's assignee is not the one the
// caller expected; AssigneeID is the current owner ("" when unassigned).
type ConflictError struct {
	AssigneeID string
}

func (e *ConflictError) Error() string {
	if e.AssigneeID == "" {
		return "conflict: conversation is unassigned"
	}
	return "conflict: conversation is assigned to " + e.AssigneeID
}

func (e *ConflictError) Unwrap() error { return ErrConflict }
