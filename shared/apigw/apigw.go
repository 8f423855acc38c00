// Package apigw maps domain errors to API Gateway responses and frames:
// one table from error category to status and stable code.
package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/parleychat/parley/shared/chat"
)

// Stable error codes.
const (
	CodeInvalid        = "invalid_request"
	CodeUnauthorized   = "unauthorized"
	CodeNotFound       = "not_found"
	CodeConflict       = "conflict"
	CodeTooLarge       = "too_large"
	CodeInternal       = "internal"
	CodeUnknownAction  = "unknown_action"
	CodeRateLimited    = "rate_limited"
	CodeClientIDReused = "client_id_reused"
	CodeBlocked        = "blocked"
	CodePending        = "pending"
	CodeForbidden      = "forbidden"
)

var categories = []struct {
	err     error
	status  int
	code    string
	message string
}{
	{chat.ErrInvalid, http.StatusBadRequest, CodeInvalid, "the request is invalid"},
	{chat.ErrUnauthorized, http.StatusUnauthorized, CodeUnauthorized, "authentication required"},
	{chat.ErrForbidden, http.StatusForbidden, CodeForbidden, "not allowed"},
	{chat.ErrNotFound, http.StatusNotFound, CodeNotFound, "not found"},
	{chat.ErrConflict, http.StatusConflict, CodeConflict, "the resource changed meanwhile"},
	{chat.ErrClientIDReused, http.StatusConflict, CodeClientIDReused, "this clientId was used for another request"},
	{chat.ErrTooLarge, http.StatusRequestEntityTooLarge, CodeTooLarge, "too large"},
	{chat.ErrRateLimited, http.StatusTooManyRequests, CodeRateLimited, "too many requests, retry later"},
	{chat.ErrBlocked, http.StatusForbidden, CodeBlocked, "not available"},
	{chat.ErrPending, http.StatusConflict, CodePending, "not ready yet, retry shortly"},
}

// ErrorBody is the error object of every error response and frame.
type ErrorBody struct {
	Code       string  `json:"code"`
	Message    string  `json:"message"`
	AssigneeID *string `json:"assigneeId,omitempty"`
	// RetryAfter is in seconds, set when rate limited.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Fields names each field at fault in a refused request body.
	Fields []chat.FieldError `json:"fields,omitempty"`
}

// Classify returns the status and body for err. Internal errors are logged
// here, once, and answered without detail.
func Classify(ctx context.Context, err error) (int, ErrorBody) {
	for _, c := range categories {
		if !errors.Is(err, c.err) {
			continue
		}
		body := ErrorBody{Code: c.code, Message: c.message}
		var de *chat.Error
		if errors.As(err, &de) {
			body.Message = de.Message
		}
		var conflict *chat.ConflictError
		if errors.As(err, &conflict) {
			body.Message = conflict.Error()
			body.AssigneeID = &conflict.AssigneeID
		}
		var fields *chat.ValidationError
		if errors.As(err, &fields) {
			body.Message, body.Fields = fields.Message, fields.Fields
		}
		var limited *chat.RateLimitError
		if errors.As(err, &limited) {
			body.RetryAfter = int(limited.RetryAfter / time.Second)
		}
		slog.InfoContext(ctx, "request refused", "code", c.code, "error", err)
		return c.status, body
	}
	slog.ErrorContext(ctx, "request failed", "error", err)
	return http.StatusInternalServerError, ErrorBody{Code: CodeInternal, Message: "internal error"}
}

// JSON answers with v as the JSON body.
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(v)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusInternalServerError, Body: `{"error":{"code":"internal","message":"internal error"}}`, Headers: jsonHeaders()}
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: string(body), Headers: jsonHeaders()}
}

func jsonHeaders() map[string]string {
	return map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}
}

// Error answers with err's category; a rate limited request also gets
// Retry-After.
func Error(ctx context.Context, err error) events.APIGatewayV2HTTPResponse {
	status, body := Classify(ctx, err)
	resp := JSON(status, map[string]ErrorBody{"error": body})
	if body.RetryAfter > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(body.RetryAfter)
	}
	return resp
}

// ErrorFrame is the socket frame refusing a client frame.
func ErrorFrame(ctx context.Context, err error, clientID string) chat.ErrorFrame {
	_, body := Classify(ctx, err)
	// Only the system's own failures are worth a retry: a refused frame
	// would be refused again.
	return chat.ErrorFrame{Type: "error", Code: body.Code, Message: body.Message, ClientID: clientID, RetryAfter: body.RetryAfter, Retryable: body.Code == CodeInternal}
}
