// Package secret reads the deployment's secrets (the signing key, the
// identity key) from Secrets Manager, once at init. Only the functions
// that read a secret import it, and so link the client.
package secret

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Getter is the part of the Secrets Manager client this package uses.
type Getter interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Manager reads secrets through one client.
type Manager struct{ c Getter }

// New returns the Manager of a Secrets Manager client of cfg at endpoint
// (nil: AWS's).
func New(cfg aws.Config, endpoint *string) *Manager {
	return &Manager{c: secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = endpoint })}
}

// Secret returns the value of the secret arn.
func (m *Manager) Secret(ctx context.Context, arn string) ([]byte, error) {
	return Load(ctx, m.c, arn)
}

// Load returns the secret's value; functions call it once at init.
func Load(ctx context.Context, c Getter, arn string) ([]byte, error) {
	out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", arn, err)
	}
	switch {
	case out.SecretString != nil && *out.SecretString != "":
		return []byte(*out.SecretString), nil
	case len(out.SecretBinary) > 0:
		return out.SecretBinary, nil
	}
	return nil, errors.New("secret " + arn + " is empty")
}
