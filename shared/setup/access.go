package setup

import (
	"context"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/auth"
	"github.com/parleychat/parley/shared/settings"
	"github.com/parleychat/parley/shared/store"
)

// Secrets reads the deployment's secrets (secret.New: Secrets Manager).
// Only the functions that read one make it, and link its client.
type Secrets interface {
	Secret(ctx context.Context, arn string) ([]byte, error)
}

// SigningKey loads the signing secret, the key visitor tokens, tickets
// and email reply addresses are signed with. Only functions whose policy
// lets them read the secret call it.
func (e Env) SigningKey(ctx context.Context, secrets Secrets) ([]byte, error) {
	return secrets.Secret(ctx, e.Config.SigningSecretARN)
}

// Signer returns the signer of visitor tokens and tickets.
func (e Env) Signer(key []byte) (*auth.Signer, error) {
	return auth.NewSigner(key, nil)
}

// Allowlist is the origins allowed per chat channel (the stored
// settings'), the chat window's own (WIDGET_ORIGINS) and the inbox's
// (INBOX_ORIGINS).
func (e Env) Allowlist(channels *settings.Cache) (*auth.Allowlist, error) {
	widget, err := auth.ParseOrigins(e.Config.WidgetOrigins)
	if err != nil {
		return nil, err
	}
	inbox, err := auth.ParseAppOrigins(e.Config.Access.InboxOrigins)
	if err != nil {
		return nil, err
	}
	return auth.NewAllowlist(channels, widget, inbox)
}

// AgentGuard checks agents' access and closes their sockets through the
// @connections API; sockets forgets each as its $disconnect would.
func (e Env) AgentGuard(st *store.Store, sockets access.Sockets) *access.Guard {
	return access.New(st, e.callbacks(), sockets, nil)
}
