package apigw

import (
	"encoding/base64"
	"encoding/json"
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
