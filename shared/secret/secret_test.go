package secret_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/parleychat/parley/shared/secret"
)

type fakeSM struct {
	out *secretsmanager.GetSecretValueOutput
	err error
	arn string
}

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.arn = *in.SecretId
	return f.out, f.err
}

func TestLoad(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name    string
		fake    fakeSM
		want    string
		wantErr bool
	}{
		{name: "string", fake: fakeSM{out: &secretsmanager.GetSecretValueOutput{SecretString: s("k3y")}}, want: "k3y"},
		{name: "binary", fake: fakeSM{out: &secretsmanager.GetSecretValueOutput{SecretBinary: []byte("bin")}}, want: "bin"},
		{name: "empty", fake: fakeSM{out: &secretsmanager.GetSecretValueOutput{SecretString: s("")}}, wantErr: true},
		{name: "error", fake: fakeSM{err: errors.New("denied")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := secret.Load(t.Context(), &tt.fake, "arn:x")
			if (err != nil) != tt.wantErr || string(got) != tt.want {
				t.Errorf("Load = %q, %v; want %q, err %v", got, err, tt.want, tt.wantErr)
			}
			if tt.fake.arn != "arn:x" {
				t.Errorf("asked for %q, want arn:x", tt.fake.arn)
			}
		})
	}
}
