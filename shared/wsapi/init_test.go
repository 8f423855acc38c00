package wsapi_test

import (
	"testing"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/ratelimit"
	"github.com/parleychat/parley/shared/wsapi"
)

// TestHandlersRefuseMissingDependencies: $connect without its origin
// allowlist, rate limiter or agent access guard, and the message routes
// without their rate limiter, are not built, so the function stops at
// init instead of serving with a check off.
func TestHandlersRefuseMissingDependencies(t *testing.T) {
	h := newHarness(t)
	allow := testOrigins(t)
	limiter := ratelimit.New(h.store, ratelimit.Limits{}, nil)
	guard := access.New(h.store, nil, nil, nil)
	connect := func(svc *chat.Service, signer *auth.Signer, allow *auth.Allowlist, limit *ratelimit.Limiter, agents *access.Guard) func() (any, error) {
		return func() (any, error) { return wsapi.NewConnect(svc, signer, allow, limit, agents) }
	}
	message := func(svc *chat.Service, limit *ratelimit.Limiter) func() (any, error) {
		return func() (any, error) { return wsapi.NewMessage(svc, limit) }
	}
	tests := []struct {
		name      string
		build     func() (any, error)
		wantBuilt bool
	}{
		{"$connect without an origin allowlist", connect(h.svc, h.signer, nil, limiter, guard), false},
		{"$connect without a rate limiter", connect(h.svc, h.signer, allow, nil, guard), false},
		{"$connect without an agent access guard", connect(h.svc, h.signer, allow, limiter, nil), false},
		{"$connect without a signer", connect(h.svc, nil, allow, limiter, guard), false},
		{"$connect without the chat service", connect(nil, h.signer, allow, limiter, guard), false},
		{"$connect with every dependency", connect(h.svc, h.signer, allow, limiter, guard), true},
		{"message routes without a rate limiter", message(h.svc, nil), false},
		{"message routes without the chat service", message(nil, limiter), false},
		{"message routes with both", message(h.svc, limiter), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.build()
			if built := err == nil; built != tt.wantBuilt {
				t.Errorf("built = %v (%v), want %v", built, err, tt.wantBuilt)
			}
		})
	}
}
