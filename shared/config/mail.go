package config

import (
	"errors"
	"os"
	"strings"
)

// Mail is the environment of the email channel (template.yaml Globals).
type Mail struct {
	// SenderAddress is the verified address emails come from unless a chat
	// channel chooses another.
	SenderAddress string
	// InboundDomain receives replies: reply+<token>@InboundDomain.
	InboundDomain string
	// MailBucket keeps raw inbound mail (under InboundPrefix) and email
	// attachments.
	MailBucket       string
	InboundPrefix    string
	ConfigurationSet string
}

// LoadMail reads the email channel's variables.
func LoadMail() (Mail, error) { return MailFromLookup(os.LookupEnv) }

// MailFromLookup reads them through lookup, failing with every missing one.
func MailFromLookup(lookup func(string) (string, bool)) (Mail, error) {
	var missing []string
	get := func(name string) string {
		v, ok := lookup(name)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			missing = append(missing, name)
		}
		return v
	}
	m := Mail{
		SenderAddress:    get("MAIL_SENDER_ADDRESS"),
		InboundDomain:    strings.ToLower(get("MAIL_INBOUND_DOMAIN")),
		MailBucket:       get("MAIL_BUCKET"),
		InboundPrefix:    get("MAIL_INBOUND_PREFIX"),
		ConfigurationSet: get("MAIL_CONFIGURATION_SET"),
	}
	if len(missing) > 0 {
		return Mail{}, errors.New("config: missing environment variables: " + strings.Join(missing, ", "))
	}
	return m, nil
}
