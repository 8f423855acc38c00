package config_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/config"
)

func TestMailFromLookup(t *testing.T) {
	env := map[string]string{
		"MAIL_SENDER_ADDRESS":    "chat@example.com",
		"MAIL_INBOUND_DOMAIN":    "Reply.Example.com",
		"MAIL_BUCKET":            "parley-mailbucket",
		"MAIL_INBOUND_PREFIX":    "inbound/",
		"MAIL_CONFIGURATION_SET": "parley-mail",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	got, err := config.MailFromLookup(lookup)
	if err != nil {
		t.Fatal(err)
	}
	want := config.Mail{SenderAddress: "chat@example.com", SenderDomain: "example.com", InboundDomain: "reply.example.com", MailBucket: "parley-mailbucket", InboundPrefix: "inbound/", ConfigurationSet: "parley-mail"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	env["MAIL_SENDER_DOMAIN"] = " Example.COM "
	if got, err := config.MailFromLookup(lookup); err != nil || got.SenderDomain != "example.com" {
		t.Errorf("SenderDomain = %q, %v; want the variable's, in lower case", got.SenderDomain, err)
	}
	delete(env, "MAIL_BUCKET")
	env["MAIL_INBOUND_DOMAIN"] = " "
	_, err = config.MailFromLookup(lookup)
	if err == nil || err.Error() != "config: missing environment variables: MAIL_INBOUND_DOMAIN, MAIL_BUCKET" {
		t.Errorf("error = %v, want both missing variables named", err)
	}
}
