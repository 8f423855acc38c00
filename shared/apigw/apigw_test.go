package apigw_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/chat"
)

func TestError(t *testing.T) {
	tests := []struct {
		err        error
		wantStatus int
		wantBody   string
	}{
		{fmt.Errorf("read: %w", &chat.Error{Kind: chat.ErrInvalid, Message: "limit must be between 1 and 100"}), http.StatusBadRequest,
			`{"error":{"code":"invalid_request","message":"limit must be between 1 and 100"}}`},
		{chat.ErrUnauthorized, http.StatusUnauthorized, `{"error":{"code":"unauthorized","message":"authentication required"}}`},
		{fmt.Errorf("get: %w", chat.ErrNotFound), http.StatusNotFound, `{"error":{"code":"not_found","message":"not found"}}`},
		{&chat.ConflictError{AssigneeID: "a-1"}, http.StatusConflict,
			`{"error":{"code":"conflict","message":"conflict: conversation is assigned to a-1","assigneeId":"a-1"}}`},
		{&chat.Error{Kind: chat.ErrTooLarge, Message: "body is longer than 5000 characters"}, http.StatusRequestEntityTooLarge,
			`{"error":{"code":"too_large","message":"body is longer than 5000 characters"}}`},
		{&chat.Error{Kind: chat.ErrForbidden, Message: "only admins can change settings"}, http.StatusForbidden,
			`{"error":{"code":"forbidden","message":"only admins can change settings"}}`},
		{fmt.Errorf("put channel: %w", &chat.ValidationError{Message: "the channel has invalid fields",
			Fields: []chat.FieldError{{Field: "look.color", Message: "contrast with white text is too low (2.1:1, needs 3:1)"}}}), http.StatusBadRequest,
			`{"error":{"code":"invalid_request","message":"the channel has invalid fields","fields":[{"field":"look.color","message":"contrast with white text is too low (2.1:1, needs 3:1)"}]}}`},
		{errors.New("dynamodb: table chat-prod not reachable at 10.0.0.1"), http.StatusInternalServerError,
			`{"error":{"code":"internal","message":"internal error"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.wantBody, func(t *testing.T) {
			got := apigw.Error(t.Context(), tt.err)
			if got.StatusCode != tt.wantStatus || got.Body != tt.wantBody {
				t.Errorf("Error(%v) = %d %s, want %d %s", tt.err, got.StatusCode, got.Body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestErrorFrameRetryable(t *testing.T) {
	const clientID = "0b6d2f8e-3c1a-4f5e-9d7b-2a4c6e8f0a1b"
	tests := []struct {
		name string
		err  error
		want chat.ErrorFrame
	}{
		{"store throttled", fmt.Errorf("append: %w", errors.New("dynamodb: ProvisionedThroughputExceededException")),
			chat.ErrorFrame{Type: "error", Code: apigw.CodeInternal, Message: "internal error", ClientID: clientID, Retryable: true}},
		{"refused frame", &chat.Error{Kind: chat.ErrTooLarge, Message: "body is longer than 5000 characters"},
			chat.ErrorFrame{Type: "error", Code: apigw.CodeTooLarge, Message: "body is longer than 5000 characters", ClientID: clientID}},
		{"conflict", &chat.ConflictError{AssigneeID: "a-1"},
			chat.ErrorFrame{Type: "error", Code: apigw.CodeConflict, Message: "conflict: conversation is assigned to a-1", ClientID: clientID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, apigw.ErrorFrame(t.Context(), tt.err, clientID)); diff != "" {
				t.Errorf("ErrorFrame (-want +got):\n%s", diff)
			}
		})
	}
}
