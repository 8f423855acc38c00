package setup

import (
	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/team"
)

// Team returns the team service over st, with the inboxes admins set:
// invitations and disabling go through dir, the agents' user pool when
// the deployment has one (userpool.Directory; nil when agents sign in at
// an external OIDC issuer).
func (e Env) Team(st *store.Store, guard *access.Guard, inboxes *settings.Service, dir team.Directory) (*team.Service, error) {
	return team.New(st, guard, inboxes, dir, clock.New(e.Config.ClockFile))
}
