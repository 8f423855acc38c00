package setup

import (
	"github.com/parleychat/parley/shared/attachment"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/privacy"
	"github.com/parleychat/parley/shared/store"
)

// Privacy wires the data rights and retention over the chat table and
// the mail bucket.
func (e Env) Privacy(st *store.Store, files *attachment.Bucket) (*privacy.Service, error) {
	return privacy.New(st, files, clock.New(e.Config.ClockFile))
}
