package chat

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel error categories. Adapters translate their own errors into these,
// and the edges (shared/apigw) map them to status codes in one table.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid request")
	ErrConflict     = errors.New("conflict")
	ErrTooLarge     = errors.New("too large")
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the caller is known but its role may not do this
	// (an agent calling an admins' route). It says nothing about ids.
	ErrForbidden = errors.New("forbidden")
	// ErrClientIDReused: a client id that stored one request came with
	// another (see clientid.go).
	ErrClientIDReused = errors.New("client id reused")
	// ErrBlocked: it exists but is never served (a file a malware scan
	// found infected).
	ErrBlocked = errors.New("blocked")
	// ErrPending: not ready yet; the same request may succeed a little
	// later (a file still being scanned).
	ErrPending = errors.New("pending")
)

// Error is a domain error with a message that is safe to show to clients.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%v: %s", e.Kind, e.Message) }

func (e *Error) Unwrap() error { return e.Kind }

// FieldError is one problem of a request body, named by the field's JSON
// path (look.color, availability.week.mon[1].end), so a form can show it
// beside the field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError refuses a request body and names every field at fault.
// It is an ErrInvalid.
type ValidationError struct {
	Message string
	Fields  []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid request: " + e.Message)
	for _, f := range e.Fields {
		b.WriteString("; " + f.Field + ": " + f.Message)
	}
	return b.String()
}

func (e *ValidationError) Unwrap() error { return ErrInvalid }

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
