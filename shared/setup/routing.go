package setup

import (
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/routing"
	"github.com/parleychat/parley/shared/store"
)

// Router returns the router of round-robin inboxes over st, assigning
// through svc, on the clock svc runs on.
func (e Env) Router(st *store.Store, svc *chat.Service) (*routing.Router, error) {
	return routing.New(st, st, svc, clock.New(e.Config.ClockFile))
}
