package setup

import (
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/team"
	"github.com/parleychat/parley/shared/userpool"
)

// Team returns the team service over st, with the inboxes admins set:
// invitations and disabling go
// through the agents' user pool when the deployment has one (USER_POOL_ID;
// none when agents sign in at an external OIDC issuer).
func (e Env) Team(st *store.Store, guard *access.Guard, inboxes *settings.Service) (*team.Service, error) {
	var dir team.Directory
	if id := e.Config.UserPoolID; id != "" {
		pool, err := userpool.New(cognitoidentityprovider.NewFromConfig(e.AWS, func(o *cognitoidentityprovider.Options) { o.BaseEndpoint = Endpoint("COGNITO_IDENTITY_PROVIDER") }), id)
		if err != nil {
			return nil, err
		}
		dir = pool
	}
	return team.New(st, guard, inboxes, dir, clock.New(e.Config.ClockFile))
}
