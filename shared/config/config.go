// Package config reads the functions' environment once, into a typed
// Config. It is the only place that reads environment variables.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	// Time zones (REPORTS_TIME_ZONE) without the system's zoneinfo.
	_ "time/tzdata"
)

// DefaultInboxID is the first inbox: the default channel is seeded into
// it, and an agent without a profile is a member of it.
const DefaultInboxID = "main"

// Config is the environment every function shares (template.yaml Globals).
type Config struct {
	TableName        string
	SigningSecretARN string
	WSCallbackURL    string
	DefaultChannelID string
	// AllowedOrigins are the sites the default channel is seeded with
	// (ALLOWED_ORIGINS); admins change them in the stored settings.
	AllowedOrigins []string
	// WidgetOrigins are the origins the chat window is served from
	// (WIDGET_ORIGINS: the widget distribution's names): allowed on every
	// channel.
	WidgetOrigins []string

	// EventBusName is the bus domain events go to (EVENT_BUS_NAME).
	EventBusName string
	// The seed of the channels' inactivity timer: INACTIVITY_TIMEOUT_MINUTES
	// (default 30, 0 disables), INACTIVITY_WARNING_MINUTES (default 2, 0
	// sends no warning), WIDGET_LANGUAGE of the widget and the built-in
	// warning text (default en) and INACTIVITY_WARNING_TEXT replacing it.
	InactivityTimeout time.Duration
	InactivityWarning time.Duration
	WidgetLanguage    string
	WarningText       string
	// ClockFile is set only by the local cloud (PARLEY_CLOCK_FILE): the
	// file holding the offset of its test clock.
	ClockFile string
	// LocalCloud is set only by the local cloud (PARLEY_LOCAL_CLOUD=true):
	// the system runs on one machine, where agents' profile URLs may point
	// at loopback over http (its demo avatars). Never set in AWS.
	LocalCloud bool
	// TeamName and ThemeColor seed the widget's look (optional: the
	// settings fall back to their defaults).
	TeamName   string
	ThemeColor string

	// Access holds the inbox's origins, the rate limits and the admin
	// group (access.go).
	Access Access
	// Files holds the limits of the files messages carry and whether they
	// are scanned for malware (files.go).
	Files Files
	// IdentitySecretARN is the secret host sites sign their users' ids
	// with (IDENTITY_SECRET_ARN; set for the widget routes only).
	IdentitySecretARN string
	// MetricsNamespace is the CloudWatch namespace of the counts the
	// functions log as embedded metrics (METRICS_NAMESPACE; empty: none).
	MetricsNamespace string
	// UserPoolID is the agents' Cognito user pool (USER_POOL_ID; agent
	// routes only): empty when agents sign in at an external OIDC issuer,
	// and then nobody can be invited.
	UserPoolID string
	// ReportsTimeZone is the account's time zone, whose days the reports
	// count (REPORTS_TIME_ZONE, an IANA name; empty: UTC).
	ReportsTimeZone string
}

// Load reads the process environment.
func Load() (Config, error) { return FromLookup(os.LookupEnv) }

// FromLookup reads the variables through lookup and fails listing every
// missing one, so a broken deployment says all that is wrong at once.
func FromLookup(lookup func(string) (string, bool)) (Config, error) {
	r := &reader{lookup: lookup}
	get := r.required
	c := Config{
		TableName:        get("TABLE_NAME"),
		SigningSecretARN: get("SIGNING_SECRET_ARN"),
		WSCallbackURL:    get("WS_CALLBACK_URL"),
		DefaultChannelID: get("DEFAULT_CHANNEL_ID"),
	}
	// ALLOWED_ORIGINS must be set; set but empty, it allows no origin.
	for _, o := range strings.Split(r.present("ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	optional := func(name, def string) string {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	var bad []string
	minutes := func(name, def string) time.Duration {
		v := optional(name, def)
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 {
			bad = append(bad, fmt.Sprintf("%s=%q is not a number of minutes", name, v))
			return 0
		}
		return time.Duration(n * float64(time.Minute))
	}
	c.EventBusName = optional("EVENT_BUS_NAME", "")
	c.InactivityTimeout = minutes("INACTIVITY_TIMEOUT_MINUTES", "30")
	c.InactivityWarning = minutes("INACTIVITY_WARNING_MINUTES", "2")
	c.WidgetLanguage = optional("WIDGET_LANGUAGE", "en")
	c.WarningText = optional("INACTIVITY_WARNING_TEXT", "")
	c.ClockFile = optional("PARLEY_CLOCK_FILE", "")
	switch v := optional("PARLEY_LOCAL_CLOUD", "false"); v {
	case "true", "false":
		c.LocalCloud = v == "true"
	default:
		bad = append(bad, fmt.Sprintf("PARLEY_LOCAL_CLOUD=%q is not true or false", v))
	}
	c.TeamName, c.ThemeColor = optional("TEAM_NAME", ""), optional("THEME_COLOR", "")
	for _, o := range strings.Split(optional("WIDGET_ORIGINS", ""), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.WidgetOrigins = append(c.WidgetOrigins, o)
		}
	}
	c.Access = readAccess(optional, &bad)
	c.Files = readFiles(optional, &bad)
	c.IdentitySecretARN = optional("IDENTITY_SECRET_ARN", "")
	c.MetricsNamespace = optional("METRICS_NAMESPACE", "")
	c.UserPoolID = optional("USER_POOL_ID", "")
	c.ReportsTimeZone = optional("REPORTS_TIME_ZONE", "")
	if _, err := time.LoadLocation(c.ReportsTimeZone); err != nil {
		bad = append(bad, fmt.Sprintf("REPORTS_TIME_ZONE=%q is not a known time zone", c.ReportsTimeZone))
	}
	if len(bad) > 0 {
		return Config{}, errors.New("config: " + strings.Join(bad, "; "))
	}
	if err := r.err(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// reader reads required variables and remembers every missing one, so a
// broken deployment says all that is wrong at once.
type reader struct {
	lookup  func(string) (string, bool)
	missing []string
}

func (r *reader) required(name string) string {
	v, ok := r.lookup(name)
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		r.missing = append(r.missing, name)
	}
	return v
}

// present reads a variable that must be set but may be empty.
func (r *reader) present(name string) string {
	v, ok := r.lookup(name)
	if !ok {
		r.missing = append(r.missing, name)
	}
	return strings.TrimSpace(v)
}

func (r *reader) err() error {
	if len(r.missing) == 0 {
		return nil
	}
	return errors.New("config: missing environment variables: " + strings.Join(r.missing, ", "))
}
