package config_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/config"
)

func TestTimerSettings(t *testing.T) {
	base := map[string]string{
		"TABLE_NAME": "chat", "SIGNING_SECRET_ARN": "arn", "WS_CALLBACK_URL": "https://x",
		"DEFAULT_CHANNEL_ID": "main", "ALLOWED_ORIGINS": "https://a.example.com",
	}
	type timers struct {
		Bus              string
		Timeout, Warning time.Duration
		Language, Text   string
		Clock            string
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    timers
		wantErr string
	}{
		{name: "set", env: map[string]string{
			"EVENT_BUS_NAME": "parley-events", "INACTIVITY_TIMEOUT_MINUTES": "10", "INACTIVITY_WARNING_MINUTES": "0.5",
			"WIDGET_LANGUAGE": "de", "INACTIVITY_WARNING_TEXT": "Noch da?", "PARLEY_CLOCK_FILE": "/tmp/clock",
		}, want: timers{"parley-events", 10 * time.Minute, 30 * time.Second, "de", "Noch da?", "/tmp/clock"}},
		{name: "zero disables", env: map[string]string{"INACTIVITY_TIMEOUT_MINUTES": "0"},
			want: timers{Timeout: 0, Warning: 2 * time.Minute, Language: "en"}},
		{name: "not a number", env: map[string]string{"INACTIVITY_WARNING_MINUTES": "two"},
			wantErr: `config: INACTIVITY_WARNING_MINUTES="two" is not a number of minutes`},
		{name: "negative", env: map[string]string{"INACTIVITY_TIMEOUT_MINUTES": "-1"},
			wantErr: `config: INACTIVITY_TIMEOUT_MINUTES="-1" is not a number of minutes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.env {
				env[k] = v
			}
			c, err := config.FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := timers{c.EventBusName, c.InactivityTimeout, c.InactivityWarning, c.WidgetLanguage, c.WarningText, c.ClockFile}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
