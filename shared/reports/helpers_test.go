package reports_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
)

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// hoursOf are chat channels' opening hours by channel id; another channel
// is not found.
type hoursOf map[string]*availability.Schedule

func (h hoursOf) ChannelSchedule(_ context.Context, id string) (*availability.Schedule, error) {
	if s, ok := h[id]; ok {
		return s, nil
	}
	return nil, &chat.Error{Kind: chat.ErrNotFound, Message: "channel not found"}
}
