package apigw

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/parleychat/parley/shared/chat"
)

// Decode reads a JSON request body (base64 when the gateway says so) into
// v. An empty body decodes as {} for routes whose fields are optional.
func Decode(body string, base64Encoded bool, v any) error {
	if base64Encoded {
		raw, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return &chat.Error{Kind: chat.ErrInvalid, Message: "body is not valid base64"}
		}
		body = string(raw)
	}
	if body == "" {
		body = "{}"
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return &chat.Error{Kind: chat.ErrInvalid, Message: "body is not the expected JSON"}
	}
	return nil
}

// Limit reads the optional limit query parameter of a paged route: absent
// is 0 (the route's default), present it must be 1 to chat.MaxPageSize.
func Limit(params map[string]string) (int, error) {
	raw, ok := params["limit"]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > chat.MaxPageSize {
		return 0, &chat.Error{Kind: chat.ErrInvalid, Message: fmt.Sprintf("limit must be between 1 and %d", chat.MaxPageSize)}
	}
	return n, nil
}

// Int reads an optional integer query parameter; absent is 0.
func Int(params map[string]string, name string) (int64, error) {
	raw, ok := params[name]
	if !ok || raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return 0, &chat.Error{Kind: chat.ErrInvalid, Message: name + " must be a non-negative integer"}
	}
	return n, nil
}
