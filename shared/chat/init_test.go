package chat_test

import (
	"testing"

	"github.com/parleychat/parley/shared/chat"
)

// TestNewServiceRefusesMissingParts: a service without its store,
// notifier, channels or socket frame counter is not built, so the function
// stops at init instead of running with a part (a limit) missing.
func TestNewServiceRefusesMissingParts(t *testing.T) {
	full := func() (chat.Storer, chat.Notifier, chat.Options) {
		return newFakeStore(), &pushRecorder{}, chat.Options{
			ChannelID: "main", Channels: chat.ChannelInboxes{"main": "main"}, AgentInboxes: []string{"main"}, SocketFrames: &frameCounter{},
		}
	}
	tests := []struct {
		name      string
		change    func(st *chat.Storer, n *chat.Notifier, o *chat.Options)
		wantBuilt bool
	}{
		{"every part", func(*chat.Storer, *chat.Notifier, *chat.Options) {}, true},
		{"no socket frame counter", func(_ *chat.Storer, _ *chat.Notifier, o *chat.Options) { o.SocketFrames = nil }, false},
		{"no channels", func(_ *chat.Storer, _ *chat.Notifier, o *chat.Options) { o.Channels = nil }, false},
		{"no channel id", func(_ *chat.Storer, _ *chat.Notifier, o *chat.Options) { o.ChannelID = "" }, false},
		{"no store", func(st *chat.Storer, _ *chat.Notifier, _ *chat.Options) { *st = nil }, false},
		{"no notifier", func(_ *chat.Storer, n *chat.Notifier, _ *chat.Options) { *n = nil }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, n, o := full()
			tt.change(&st, &n, &o)
			svc, err := chat.NewService(st, n, o)
			if built := err == nil && svc != nil; built != tt.wantBuilt {
				t.Errorf("built = %v (%v), want %v", built, err, tt.wantBuilt)
			}
		})
	}
}
