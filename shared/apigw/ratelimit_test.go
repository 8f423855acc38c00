package apigw_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/apigw"
	"github.com/parleychat/parley/shared/chat"
)

func TestRateLimited(t *testing.T) {
	err := fmt.Errorf("append to c: %w", &chat.RateLimitError{RetryAfter: 17 * time.Second})
	resp := apigw.Error(t.Context(), err)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Headers["Retry-After"] != "17" {
		t.Errorf("status %d, Retry-After %q; want 429 and 17", resp.StatusCode, resp.Headers["Retry-After"])
	}
	want := `{"error":{"code":"rate_limited","message":"too many requests, retry later","retryAfter":17}}`
	if resp.Body != want {
		t.Errorf("body %s, want %s", resp.Body, want)
	}
	f := apigw.ErrorFrame(t.Context(), err, "c-1")
	if diff := cmp.Diff(chat.ErrorFrame{Type: "error", Code: "rate_limited", Message: "too many requests, retry later", ClientID: "c-1", RetryAfter: 17}, f); diff != "" {
		t.Errorf("frame (-want +got):\n%s", diff)
	}
	if other := apigw.Error(t.Context(), chat.ErrNotFound); other.Headers["Retry-After"] != "" {
		t.Error("Retry-After on an error that is no rate limit")
	}
}
