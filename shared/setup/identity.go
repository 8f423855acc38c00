package setup

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/parleychat/parley/shared/identity"
	"github.com/parleychat/parley/shared/secret"
)

// Identity loads the identity secret (once, at init) and returns the
// service that verifies the host site's signed user ids.
func Identity(ctx context.Context, p *Parts) (*identity.Service, error) {
	if p.Config.IdentitySecretARN == "" {
		return nil, errors.New("config: missing environment variables: IDENTITY_SECRET_ARN")
	}
	key, err := secret.Load(ctx, secretsmanager.NewFromConfig(p.AWS), p.Config.IdentitySecretARN)
	if err != nil {
		return nil, err
	}
	return identity.NewService(key, p.Store, p.Service), nil
}
