package setup

import (
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/savedreplies"
	"github.com/parleychat/parley/shared/store"
)

// SavedReplies keeps saved replies in st.
func (e Env) SavedReplies(st *store.Store) *savedreplies.Service {
	return savedreplies.New(st, clock.New(e.Config.ClockFile))
}
