package wsapi

import (
	"encoding/json"

	"github.com/parleychat/parley/shared/chat"
)

// errBadFrame refuses a frame that is not one JSON object of the expected
// shape.
var errBadFrame = &chat.Error{Kind: chat.ErrInvalid, Message: "frame is not the expected JSON"}

// decodeFrame reads a client frame: one JSON object whose known fields
// have the expected types; unknown fields are ignored (newer clients may
// send more). On error the frame holds what was read before the error, so
// a valid client id can still be echoed with the refusal.
func decodeFrame(body string) (frame, error) {
	var f frame
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		return f, errBadFrame
	}
	return f, nil
}
