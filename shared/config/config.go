// Package config reads the functions' environment once, into a typed
// Config. It is the only place that reads environment variables.
package config

import (
	"errors"
	"os"
	"strings"
)

// Config is the environment every function shares (template.yaml Globals).
type Config struct {
	TableName        string
	SigningSecretARN string
	WSCallbackURL    string
	DefaultChannelID string
	AllowedOrigins   []string
	// TeamName and ThemeColor are the widget's look (optional: the widget
	// routes fall back to their defaults).
	TeamName   string
	ThemeColor string
}

// Load reads the process environment.
func Load() (Config, error) { return FromLookup(os.LookupEnv) }

// FromLookup reads the variables through lookup and fails listing every
// missing one, so a broken deployment says all that is wrong at once.
func FromLookup(lookup func(string) (string, bool)) (Config, error) {
	var missing []string
	get := func(name string) string {
		v, ok := lookup(name)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			missing = append(missing, name)
		}
		return v
	}
	c := Config{
		TableName:        get("TABLE_NAME"),
		SigningSecretARN: get("SIGNING_SECRET_ARN"),
		WSCallbackURL:    get("WS_CALLBACK_URL"),
		DefaultChannelID: get("DEFAULT_CHANNEL_ID"),
	}
	optional := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	c.TeamName, c.ThemeColor = optional("TEAM_NAME"), optional("THEME_COLOR")
	for _, o := range strings.Split(get("ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	if len(missing) > 0 {
		return Config{}, errors.New("config: missing environment variables: " + strings.Join(missing, ", "))
	}
	return c, nil
}
