package config_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/config"
)

func TestFromLookup(t *testing.T) {
	full := map[string]string{
		"TABLE_NAME":         "chat",
		"SIGNING_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:s",
		"WS_CALLBACK_URL":    "https://abc.execute-api.eu-west-1.amazonaws.com/live",
		"DEFAULT_CHANNEL_ID": "main",
		"ALLOWED_ORIGINS":    "https://a.example.com, http://localhost:3000",
	}
	tests := []struct {
		name    string
		drop    []string
		want    config.Config
		wantErr string
	}{
		{name: "complete", want: config.Config{
			TableName: "chat", SigningSecretARN: full["SIGNING_SECRET_ARN"], WSCallbackURL: full["WS_CALLBACK_URL"],
			DefaultChannelID: "main", AllowedOrigins: []string{"https://a.example.com", "http://localhost:3000"},
			InactivityTimeout: 30 * time.Minute, InactivityWarning: 2 * time.Minute, WidgetLanguage: "en",
		}},
		{name: "lists every missing variable", drop: []string{"TABLE_NAME", "WS_CALLBACK_URL", "ALLOWED_ORIGINS"},
			wantErr: "config: missing environment variables: TABLE_NAME, WS_CALLBACK_URL, ALLOWED_ORIGINS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range full {
				env[k] = v
			}
			for _, k := range tt.drop {
				delete(env, k)
			}
			got, err := config.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
