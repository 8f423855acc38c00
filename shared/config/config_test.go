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
		set     map[string]string
		want    config.Config
		wantErr string
	}{
		{name: "complete", want: config.Config{
			TableName: "chat", SigningSecretARN: full["SIGNING_SECRET_ARN"], WSCallbackURL: full["WS_CALLBACK_URL"],
			DefaultChannelID: "main", AllowedOrigins: []string{"https://a.example.com", "http://localhost:3000"},
			InactivityTimeout: 30 * time.Minute, InactivityWarning: 2 * time.Minute, WidgetLanguage: "en",
			Access: defaultAccess, Files: defaultFiles,
		}},
		{name: "set but empty origins allow none", set: map[string]string{"ALLOWED_ORIGINS": " "}, want: config.Config{
			TableName: "chat", SigningSecretARN: full["SIGNING_SECRET_ARN"], WSCallbackURL: full["WS_CALLBACK_URL"],
			DefaultChannelID: "main", AllowedOrigins: nil,
			InactivityTimeout: 30 * time.Minute, InactivityWarning: 2 * time.Minute, WidgetLanguage: "en",
			Access: defaultAccess, Files: defaultFiles,
		}},
		{name: "access settings", set: map[string]string{
			"INBOX_ORIGINS": "https://d1.cloudfront.net, http://localhost:3000/inbox/", "RATE_LIMIT_PER_IP": "0",
			"RATE_LIMIT_VISITOR_MESSAGES": "5", "RATE_LIMIT_CONNECTION_FRAMES": "7", "ADMIN_GROUP": "ops",
		}, want: config.Config{
			TableName: "chat", SigningSecretARN: full["SIGNING_SECRET_ARN"], WSCallbackURL: full["WS_CALLBACK_URL"],
			DefaultChannelID: "main", AllowedOrigins: []string{"https://a.example.com", "http://localhost:3000"},
			InactivityTimeout: 30 * time.Minute, InactivityWarning: 2 * time.Minute, WidgetLanguage: "en",
			Access: config.Access{
				InboxOrigins: []string{"https://d1.cloudfront.net", "http://localhost:3000/inbox/"},
				PerIP:        0, VisitorMessages: 5, ConnectionFrames: 7, RateWindow: time.Minute, AdminGroup: "ops",
			},
			Files: defaultFiles,
		}},
		{name: "local cloud", set: map[string]string{"PARLEY_LOCAL_CLOUD": "true"}, want: config.Config{
			TableName: "chat", SigningSecretARN: full["SIGNING_SECRET_ARN"], WSCallbackURL: full["WS_CALLBACK_URL"],
			DefaultChannelID: "main", AllowedOrigins: []string{"https://a.example.com", "http://localhost:3000"},
			InactivityTimeout: 30 * time.Minute, InactivityWarning: 2 * time.Minute, WidgetLanguage: "en",
			Access: defaultAccess, Files: defaultFiles, LocalCloud: true,
		}},
		{name: "local cloud flag that is no boolean", set: map[string]string{"PARLEY_LOCAL_CLOUD": "yes"},
			wantErr: `config: PARLEY_LOCAL_CLOUD="yes" is not true or false`},
		{name: "file settings", set: map[string]string{"FILES_MAX_MEGABYTES": "25", "FILES_PER_MESSAGE": "10", "MALWARE_SCANNING": "Enabled"}, want: config.Config{
			TableName: "chat", SigningSecretARN: full["SIGNING_SECRET_ARN"], WSCallbackURL: full["WS_CALLBACK_URL"],
			DefaultChannelID: "main", AllowedOrigins: []string{"https://a.example.com", "http://localhost:3000"},
			InactivityTimeout: 30 * time.Minute, InactivityWarning: 2 * time.Minute, WidgetLanguage: "en",
			Access: defaultAccess, Files: config.Files{MaxBytes: 25 << 20, MaxFiles: 10, Scanning: true},
		}},
		{name: "file settings out of bounds", set: map[string]string{"FILES_MAX_MEGABYTES": "0", "FILES_PER_MESSAGE": "11", "MALWARE_SCANNING": "yes"},
			wantErr: `config: FILES_MAX_MEGABYTES="0" is not a whole number from 1 to 100; FILES_PER_MESSAGE="11" is not a whole number from 1 to 10; MALWARE_SCANNING="yes" is neither Enabled nor Disabled`},
		{name: "a limit that is no count", set: map[string]string{"RATE_LIMIT_PER_IP": "-1", "RATE_LIMIT_VISITOR_MESSAGES": "many"},
			wantErr: `config: RATE_LIMIT_PER_IP="-1" is not a count (0 or more); RATE_LIMIT_VISITOR_MESSAGES="many" is not a count (0 or more)`},
		{name: "reports' time zone", set: map[string]string{"REPORTS_TIME_ZONE": "Europe/Rome"}, want: config.Config{
			TableName: "chat", SigningSecretARN: full["SIGNING_SECRET_ARN"], WSCallbackURL: full["WS_CALLBACK_URL"],
			DefaultChannelID: "main", AllowedOrigins: []string{"https://a.example.com", "http://localhost:3000"},
			InactivityTimeout: 30 * time.Minute, InactivityWarning: 2 * time.Minute, WidgetLanguage: "en",
			Access: defaultAccess, Files: defaultFiles, ReportsTimeZone: "Europe/Rome",
		}},
		{name: "reports' time zone unknown", set: map[string]string{"REPORTS_TIME_ZONE": "Mars/Olympus"},
			wantErr: `config: REPORTS_TIME_ZONE="Mars/Olympus" is not a known time zone`},
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
			for k, v := range tt.set {
				env[k] = v
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

var defaultFiles = config.Files{MaxBytes: 10 << 20, MaxFiles: 5}

var defaultAccess = config.Access{
	PerIP: config.DefaultPerIP, VisitorMessages: config.DefaultVisitorMessages,
	ConnectionFrames: config.DefaultConnectionFrames, RateWindow: time.Minute, AdminGroup: "admins",
}
