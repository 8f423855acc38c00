package setup

import (
	"context"
	"errors"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/clock"
	"github.com/parleychat/parley/shared/contact"
	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/store"
)

// Identity loads the identity secret (once, at init) and returns the
// service that verifies the host site's signed user ids and closes the
// sockets of a user the site revokes, on the cloud's clock.
func (e Env) Identity(ctx context.Context, secrets Secrets, st *store.Store, svc *chat.Service) (*identity.Service, error) {
	if e.Config.IdentitySecretARN == "" {
		return nil, errors.New("config: missing environment variables: IDENTITY_SECRET_ARN")
	}
	key, err := secrets.Secret(ctx, e.Config.IdentitySecretARN)
	if err != nil {
		return nil, err
	}
	return identity.NewService(key, st, svc, e.callbacks(), clock.New(e.Config.ClockFile))
}

// Contacts returns the service of who a conversation's visitor is: the
// card beside a thread and the attributes a site sets.
func (e Env) Contacts(st *store.Store, svc *chat.Service) (*contact.Service, error) {
	return contact.New(st, svc)
}
