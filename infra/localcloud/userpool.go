package localcloud

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley/infra/localcloud/cognitoidp"
	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/infra/localcloud/template"
)

// userPool is the template's Cognito user pool, which the local OIDC
// issuer stands in for; nil when the template has none.
func (c *Cloud) userPool() (*template.UserPool, error) {
	switch pools := c.model.UserPools; len(pools) {
	case 0:
		return nil, nil
	case 1:
		if !slices.Equal(pools[0].UsernameAttributes, []string{"email"}) {
			return nil, fmt.Errorf("user pool %s: the local issuer stands in for a pool whose users sign in with their email address (UsernameAttributes: [email]), not %v",
				pools[0].LogicalID, pools[0].UsernameAttributes)
		}
		return pools[0], nil
	default:
		return nil, fmt.Errorf("template: the local issuer stands in for one user pool, found %d", len(pools))
	}
}

// passwordPolicy is the pool's policy for the issuer; Cognito's default
// without a pool.
func passwordPolicy(pool *template.UserPool) oidc.PasswordPolicy {
	if pool == nil {
		return oidc.DefaultPasswordPolicy()
	}
	p := pool.PasswordPolicy
	return oidc.PasswordPolicy{
		MinimumLength: p.MinimumLength, RequireLowercase: p.RequireLowercase, RequireUppercase: p.RequireUppercase,
		RequireNumbers: p.RequireNumbers, RequireSymbols: p.RequireSymbols,
		TemporaryPasswordValidity: time.Duration(p.TemporaryPasswordValidityDays) * 24 * time.Hour,
	}
}

// startUserPool serves the Cognito Identity Provider API for the pool,
// over the issuer's users, mailing invitations into the SES mailbox.
func (c *Cloud) startUserPool(pool *template.UserPool) error {
	opts := cognitoidp.Options{Users: c.issuer, Deliver: c.mail.ses.Deliver, Logger: c.log}
	if pool != nil {
		opts.PoolID = pool.ID
		opts.InviteSubject = pool.Invitation.Subject
		opts.InviteMessage = pool.Invitation.Message
		// The invitation links to the inbox where CloudFront serves it (the
		// template's InboxUrl output); here the local cloud serves it.
		if inbox := c.model.Outputs["InboxUrl"]; inbox != "" {
			opts.InviteMessage = strings.ReplaceAll(opts.InviteMessage, inbox, c.endpoints.Inbox)
		}
		c.endpoints.UserPoolID = pool.ID
	}
	var err error
	c.cognito, err = cognitoidp.New(opts)
	if err != nil {
		return fmt.Errorf("user pool: %w", err)
	}
	return nil
}
