package template

import (
	"fmt"
	"strings"
)

// UserPool is an AWS::Cognito::UserPool: what the local cloud's OIDC
// issuer needs to stand in for it. It is derived even when the pool's
// Condition leaves it out (the template drops the pool when OidcIssuer
// names another issuer, as the local cloud's parameters do), because the
// local issuer is what replaces it.
type UserPool struct {
	LogicalID string
	// ID is what Ref gives: <region>_<9 characters>, stable from run to run.
	ID string
	// UsernameAttributes: email means users sign in with their email
	// address and Cognito generates their username (a UUID, the sub).
	UsernameAttributes []string
	// AdminCreateUserOnly: users cannot sign themselves up.
	AdminCreateUserOnly bool
	// Invitation is AdminCreateUserConfig.InviteMessageTemplate's email;
	// empty fields mean Cognito's default subject or message.
	Invitation     Invitation
	PasswordPolicy PasswordPolicy
}

// Invitation is the email AdminCreateUser sends: {username} and {####}
// stand for the username and the temporary password.
type Invitation struct {
	Subject string
	Message string
}

// PasswordPolicy is a user pool's Policies.PasswordPolicy, with Cognito's
// defaults for what the template leaves unset.
type PasswordPolicy struct {
	MinimumLength                 int
	RequireLowercase              bool
	RequireUppercase              bool
	RequireNumbers                bool
	RequireSymbols                bool
	TemporaryPasswordValidityDays int
}

// Cognito's defaults: a pool without Policies requires everything; a
// policy that leaves out a length or a validity gets these.
const (
	defaultPasswordLength       = 8
	defaultTemporaryPasswordAge = 7
)

// deriveUserPools reads every AWS::Cognito::UserPool of the template,
// resolving its properties whatever its Condition says.
func deriveUserPools(m *Model, r *resolver) error {
	for _, id := range sortedKeys(r.resources) {
		if r.resourceType(id) != "AWS::Cognito::UserPool" {
			continue
		}
		pool, err := userPool(id, r)
		if err != nil {
			return fmt.Errorf("user pool %s: %w", id, err)
		}
		m.UserPools = append(m.UserPools, pool)
	}
	return nil
}

func userPool(id string, r *resolver) (*UserPool, error) {
	physical, err := r.physicalID(id, id)
	if err != nil {
		return nil, err
	}
	resolved, err := r.resolve(r.resources[id]["Properties"], id+".Properties")
	if err != nil {
		return nil, err
	}
	props := asMap(resolved)
	pool := &UserPool{
		LogicalID:          id,
		ID:                 physical,
		UsernameAttributes: stringList(props["UsernameAttributes"]),
		PasswordPolicy: PasswordPolicy{
			MinimumLength: defaultPasswordLength, RequireLowercase: true, RequireUppercase: true,
			RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: defaultTemporaryPasswordAge,
		},
	}
	admin := asMap(props["AdminCreateUserConfig"])
	pool.AdminCreateUserOnly = truthy(admin["AllowAdminCreateUserOnly"])
	invite := asMap(admin["InviteMessageTemplate"])
	pool.Invitation.Subject, _ = invite["EmailSubject"].(string)
	pool.Invitation.Message, _ = invite["EmailMessage"].(string)
	// Cognito refuses an invitation without both placeholders.
	if msg := pool.Invitation.Message; msg != "" && (!strings.Contains(msg, "{username}") || !strings.Contains(msg, "{####}")) {
		return nil, fmt.Errorf("InviteMessageTemplate.EmailMessage must contain {username} and {####}")
	}

	if p, ok := asMap(props["Policies"])["PasswordPolicy"]; ok {
		policy := asMap(p)
		pool.PasswordPolicy = PasswordPolicy{
			MinimumLength:                 defaultPasswordLength,
			RequireLowercase:              truthy(policy["RequireLowercase"]),
			RequireUppercase:              truthy(policy["RequireUppercase"]),
			RequireNumbers:                truthy(policy["RequireNumbers"]),
			RequireSymbols:                truthy(policy["RequireSymbols"]),
			TemporaryPasswordValidityDays: defaultTemporaryPasswordAge,
		}
		if n, ok := number(policy["MinimumLength"]); ok {
			pool.PasswordPolicy.MinimumLength = n
		}
		if n, ok := number(policy["TemporaryPasswordValidityDays"]); ok {
			pool.PasswordPolicy.TemporaryPasswordValidityDays = n
		}
	}
	if n := pool.PasswordPolicy.MinimumLength; n < 6 || n > 99 {
		return nil, fmt.Errorf("PasswordPolicy.MinimumLength %d: Cognito allows 6 to 99", n)
	}
	if n := pool.PasswordPolicy.TemporaryPasswordValidityDays; n < 0 || n > 365 {
		return nil, fmt.Errorf("PasswordPolicy.TemporaryPasswordValidityDays %d: Cognito allows 0 to 365", n)
	}
	return pool, nil
}

// truthy reads a CloudFormation boolean, which may come as a string.
func truthy(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	}
	return false
}
