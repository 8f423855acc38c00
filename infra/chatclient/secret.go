package chatclient

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// IdentitySecret reads the secret a site signs its users' ids with, the way
// the site's backend does: from Secrets Manager (at awsEndpoint, the local
// cloud's), by the ARN the stack gives.
func IdentitySecret(ctx context.Context, awsEndpoint, arn string) ([]byte, error) {
	sm := secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(awsEndpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
	})
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return nil, fmt.Errorf("read the identity secret: %w", err)
	}
	return []byte(aws.ToString(out.SecretString)), nil
}
