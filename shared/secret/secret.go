// Package secret reads the deployment's secrets (the signing key, the
// identity key) from Secrets Manager, once at init, with a signed
// GetSecretValue call (shared/awscall) rather than the SDK's client.
package secret

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/parleychat/parley/shared/awscall"
)

// Manager reads secrets through one client.
type Manager struct{ c *awscall.Client }

// New returns the Manager of Secrets Manager in cfg's region at endpoint
// (nil: AWS's).
func New(cfg aws.Config, endpoint *string) *Manager {
	return &Manager{c: awscall.New(cfg, "secretsmanager", "secretsmanager", endpoint)}
}

// Secret returns the value of the secret arn: its string, else its
// binary value.
func (m *Manager) Secret(ctx context.Context, arn string) ([]byte, error) {
	var out struct {
		SecretString string
		SecretBinary []byte
	}
	in := struct{ SecretId string }{arn}
	if err := m.c.JSON(ctx, awscall.Action("secretsmanager:GetSecretValue"), "secretsmanager.GetSecretValue", in, &out); err != nil {
		return nil, fmt.Errorf("get secret %s: %w", arn, err)
	}
	switch {
	case out.SecretString != "":
		return []byte(out.SecretString), nil
	case len(out.SecretBinary) > 0:
		return out.SecretBinary, nil
	}
	return nil, errors.New("secret " + arn + " is empty")
}
