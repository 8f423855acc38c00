// Package userpool is the agents' Cognito user pool as the team's user
// directory (team.Directory): invitations (AdminCreateUser, which mails
// them), removing an invitation that could not be completed, disabling and
// enabling sign-in. Cognito's errors become the team's and the domain's.
package userpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
)

// API is the part of the Cognito Identity Provider client the pool uses,
// with the SDK's signatures.
type API interface {
	AdminCreateUser(ctx context.Context, params *cip.AdminCreateUserInput, optFns ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminDeleteUser(ctx context.Context, params *cip.AdminDeleteUserInput, optFns ...func(*cip.Options)) (*cip.AdminDeleteUserOutput, error)
	AdminDisableUser(ctx context.Context, params *cip.AdminDisableUserInput, optFns ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminEnableUser(ctx context.Context, params *cip.AdminEnableUserInput, optFns ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error)
}

// Pool is one user pool.
type Pool struct {
	api API
	id  string
}

var _ team.Directory = (*Pool)(nil)

// Directory is the deployment's user directory: the pool id through a
// Cognito client of cfg at endpoint (nil for AWS's), or none when id is
// empty (agents sign in at an external OIDC issuer). It is built here,
// not in shared/setup, so that only the function that manages the team
// links the Cognito client.
func Directory(cfg aws.Config, endpoint *string, id string) (team.Directory, error) {
	if id == "" {
		return nil, nil
	}
	return New(cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = endpoint }), id)
}

// New returns the pool id at api.
func New(api API, id string) (*Pool, error) {
	if api == nil || id == "" {
		return nil, errors.New("userpool: a client and a pool id are required")
	}
	return &Pool{api: api, id: id}, nil
}

// Invite implements team.Directory. The pool's users sign in with their
// email address: Cognito generates the username, a UUID that is also the
// sub of their tokens, and mails the invitation with a temporary password.
func (p *Pool) Invite(ctx context.Context, email, name string) (string, error) {
	out, err := p.api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(p.id),
		Username:   aws.String(email),
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
			{Name: aws.String("name"), Value: aws.String(name)},
		},
		DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail},
	})
	var (
		exists  *types.UsernameExistsException
		invalid *types.InvalidParameterException
	)
	switch {
	case errors.As(err, &exists):
		return "", team.ErrAddressTaken
	case errors.As(err, &invalid):
		return "", &chat.Error{Kind: chat.ErrInvalid, Message: "the user pool refused the invitation: " + aws.ToString(invalid.Message)}
	case err != nil:
		return "", fmt.Errorf("cognito AdminCreateUser: %w", err)
	case out.User == nil || aws.ToString(out.User.Username) == "":
		return "", errors.New("cognito AdminCreateUser: no user in the answer")
	}
	return aws.ToString(out.User.Username), nil
}

// Remove implements team.Directory.
func (p *Pool) Remove(ctx context.Context, sub string) error {
	_, err := p.api.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(p.id), Username: aws.String(sub)})
	if err != nil && !notFound(err) {
		return fmt.Errorf("cognito AdminDeleteUser: %w", err)
	}
	return nil
}

// SetEnabled implements team.Directory. A user the pool does not know
// (removed from the pool by hand) has no sign-in to change.
func (p *Pool) SetEnabled(ctx context.Context, sub string, enabled bool) error {
	var err error
	if enabled {
		_, err = p.api.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: aws.String(p.id), Username: aws.String(sub)})
	} else {
		_, err = p.api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(p.id), Username: aws.String(sub)})
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("cognito set user enabled=%v: %w", enabled, err)
	}
	return nil
}

func notFound(err error) bool {
	var nf *types.UserNotFoundException
	return errors.As(err, &nf)
}
