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

	"github.com/parleychat/parley/shared/awscall"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
)

// Pool is one user pool.
type Pool struct {
	c  *awscall.Client
	id string
}

var _ team.Directory = (*Pool)(nil)

// Directory is the deployment's user directory: the pool id through
// Cognito in cfg's region at endpoint (nil for AWS's), or none when id is
// empty (agents sign in at an external OIDC issuer). Its four calls are
// signed requests (shared/awscall), not the SDK's client, which would
// cost the function 0.8 MB of binary (docs/cost.md).
func Directory(cfg aws.Config, endpoint *string, id string) (team.Directory, error) {
	if id == "" {
		return nil, nil
	}
	return New(cfg, endpoint, id)
}

// New returns the pool id through Cognito in cfg's region at endpoint.
func New(cfg aws.Config, endpoint *string, id string) (*Pool, error) {
	if id == "" {
		return nil, errors.New("userpool: a pool id is required")
	}
	return &Pool{c: awscall.New(cfg, "cognito-idp", "cognito-idp", endpoint), id: id}, nil
}

// target is the X-Amz-Target of Cognito's operation op.
func target(op string) string { return "AWSCognitoIdentityProviderService." + op }

type attribute struct{ Name, Value string }

type user struct {
	UserPoolId string
	Username   string
}

// Invite implements team.Directory. The pool's users sign in with their
// email address: Cognito generates the username, a UUID that is also the
// sub of their tokens, and mails the invitation with a temporary password.
func (p *Pool) Invite(ctx context.Context, email, name string) (string, error) {
	in := struct {
		user
		UserAttributes         []attribute
		DesiredDeliveryMediums []string
	}{
		user: user{UserPoolId: p.id, Username: email},
		UserAttributes: []attribute{
			{Name: "email", Value: email},
			{Name: "email_verified", Value: "true"},
			{Name: "name", Value: name},
		},
		DesiredDeliveryMediums: []string{"EMAIL"},
	}
	var out struct{ User *struct{ Username string } }
	err := p.c.JSON(ctx, awscall.Action("cognito-idp:AdminCreateUser"), target("AdminCreateUser"), in, &out)
	switch code, msg := refusal(err); {
	case code == "UsernameExistsException":
		return "", team.ErrAddressTaken
	case code == "InvalidParameterException":
		return "", &chat.Error{Kind: chat.ErrInvalid, Message: "the user pool refused the invitation: " + msg}
	case err != nil:
		return "", fmt.Errorf("cognito AdminCreateUser: %w", err)
	case out.User == nil || out.User.Username == "":
		return "", errors.New("cognito AdminCreateUser: no user in the answer")
	}
	return out.User.Username, nil
}

// Remove implements team.Directory.
func (p *Pool) Remove(ctx context.Context, sub string) error {
	err := p.c.JSON(ctx, awscall.Action("cognito-idp:AdminDeleteUser"), target("AdminDeleteUser"), user{p.id, sub}, nil)
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
		err = p.c.JSON(ctx, awscall.Action("cognito-idp:AdminEnableUser"), target("AdminEnableUser"), user{p.id, sub}, nil)
	} else {
		err = p.c.JSON(ctx, awscall.Action("cognito-idp:AdminDisableUser"), target("AdminDisableUser"), user{p.id, sub}, nil)
	}
	if err != nil && !notFound(err) {
		return fmt.Errorf("cognito set user enabled=%v: %w", enabled, err)
	}
	return nil
}

// refusal is the code and message of Cognito's error answer, if err is
// one.
func refusal(err error) (code, message string) {
	var e *awscall.Error
	if errors.As(err, &e) {
		return e.Code, e.Message
	}
	return "", ""
}

func notFound(err error) bool {
	code, _ := refusal(err)
	return code == "UserNotFoundException"
}
