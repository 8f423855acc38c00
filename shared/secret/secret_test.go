package secret_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/parleychat/parley/shared/awscall/awscalltest"
	"github.com/parleychat/parley/shared/secret"
)

func TestSecret(t *testing.T) {
	tests := []struct {
		name    string
		answer  awscalltest.Answer
		want    string
		wantErr string
	}{
		{name: "string", answer: ok(`{"ARN":"arn:x","SecretString":"k3y"}`), want: "k3y"},
		{name: "binary", answer: ok(`{"ARN":"arn:x","SecretBinary":"Ymlu"}`), want: "bin"},
		{name: "empty", answer: ok(`{"ARN":"arn:x","SecretString":""}`), wantErr: "is empty"},
		{name: "refused", answer: awscalltest.Answer{Status: 400, Body: []byte(`{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","Message":"no such secret"}`)}, wantErr: "ResourceNotFoundException: no such secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer { return tt.answer })
			cfg := awscalltest.Config()
			sdk := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = srv.Endpoint() })
			arn := "arn:aws:secretsmanager:eu-west-1:1:secret:x"
			_, _ = sdk.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: &arn})
			want := srv.Take()

			got, err := secret.New(cfg, srv.Endpoint()).Secret(t.Context(), arn)
			if tt.wantErr == "" && (err != nil || string(got) != tt.want) {
				t.Errorf("Secret = %q, %v; want %q", got, err, tt.want)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Secret = %q, %v; want an error with %q", got, err, tt.wantErr)
			}
			ours := srv.Take()
			if len(ours) != 1 || len(want) != 1 {
				t.Fatalf("%d requests, the SDK %d; want 1 each", len(ours), len(want))
			}
			awscalltest.Same(t, want[0], ours[0], "Content-Type", "X-Amz-Target", "X-Amz-Security-Token", "Host")
		})
	}
}

func ok(body string) awscalltest.Answer {
	return awscalltest.Answer{Status: 200, Header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}}, Body: []byte(body)}
}

// TestSecretRetries: a throttled or failing call is retried as the SDK's
// standard retryer does, and the error names the service's code.
func TestSecretRetries(t *testing.T) {
	calls := 0
	srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer {
		calls++
		if calls < 3 {
			return awscalltest.Answer{Status: 400, Body: []byte(`{"__type":"ThrottlingException","message":"slow down"}`)}
		}
		return ok(`{"SecretString":"k"}`)
	})
	got, err := secret.New(awscalltest.Config(), srv.Endpoint()).Secret(t.Context(), "arn:x")
	if err != nil || string(got) != "k" || calls != 3 {
		t.Fatalf("Secret = %q, %v after %d calls; want k after 3", got, err, calls)
	}

	calls = 0
	srv = awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer {
		calls++
		return awscalltest.Answer{Status: 500, Header: http.Header{"X-Amzn-Requestid": {"r1"}}, Body: []byte(`{"__type":"InternalServiceError"}`)}
	})
	_, err = secret.New(awscalltest.Config(), srv.Endpoint()).Secret(context.Background(), "arn:x")
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InternalServiceError" || calls != 3 {
		t.Fatalf("err = %v after %d calls; want InternalServiceError after 3", err, calls)
	}
	if !strings.Contains(err.Error(), "request r1") {
		t.Errorf("err = %v; want the request id", err)
	}
}

func TestSecretBadAnswer(t *testing.T) {
	srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer { return ok(`{"SecretString":`) })
	_, err := secret.New(awscalltest.Config(), srv.Endpoint()).Secret(t.Context(), "arn:x")
	if err == nil || !strings.Contains(err.Error(), "the answer") {
		t.Fatalf("err = %v; want the answer refused", err)
	}
}
