package config_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/config"
)

func TestMailFilesURL(t *testing.T) {
	tests := []struct {
		value   string
		set     bool
		want    string // "" for no files origin
		wantErr bool
	}{
		{set: false},
		{value: " ", set: true},
		{value: "https://d111111abcdef8.cloudfront.net", set: true, want: "https://d111111abcdef8.cloudfront.net"},
		{value: "https://d111111abcdef8.cloudfront.net/", set: true, want: "https://d111111abcdef8.cloudfront.net"},
		{value: "http://127.0.0.1:4567", set: true, want: "http://127.0.0.1:4567"},
		{value: "d111111abcdef8.cloudfront.net", set: true, wantErr: true},
		{value: "ftp://files.example.com", set: true, wantErr: true},
		{value: "https://files.example.com/attachments", set: true, wantErr: true},
		{value: "https://files.example.com?x=1", set: true, wantErr: true},
		{value: "https://user@files.example.com", set: true, wantErr: true},
		{value: "https://", set: true, wantErr: true},
		{value: "https://files.example.com/#top", set: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			env := map[string]string{
				"MAIL_SENDER_ADDRESS": "chat@example.com", "MAIL_INBOUND_DOMAIN": "reply.example.com",
				"MAIL_BUCKET": "parley-mailbucket", "MAIL_INBOUND_PREFIX": "inbound/", "MAIL_CONFIGURATION_SET": "parley-mail",
			}
			if tt.set {
				env["FILES_BASE_URL"] = tt.value
			}
			m, err := config.MailFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "FILES_BASE_URL") {
					t.Errorf("err = %v, want FILES_BASE_URL refused", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if m.FilesURL != nil {
				got = m.FilesURL.String()
			}
			if got != tt.want {
				t.Errorf("FilesURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMailInboxURL(t *testing.T) {
	tests := []struct {
		value   string
		set     bool
		want    string // "" for none
		wantErr bool
	}{
		{set: false},
		{value: "", set: true},
		{value: "https://d111111abcdef8.cloudfront.net/", set: true, want: "https://d111111abcdef8.cloudfront.net/"},
		{value: "https://d111111abcdef8.cloudfront.net", set: true, want: "https://d111111abcdef8.cloudfront.net/"},
		{value: "http://127.0.0.1:3000/inbox/", set: true, want: "http://127.0.0.1:3000/inbox/"},
		{value: "inbox.example.com", set: true, wantErr: true},
		{value: "javascript:alert(1)", set: true, wantErr: true},
		{value: "https://inbox.example.com/#/c/x", set: true, wantErr: true},
		{value: "https://inbox.example.com/?a=b", set: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			env := map[string]string{
				"MAIL_SENDER_ADDRESS": "chat@example.com", "MAIL_INBOUND_DOMAIN": "reply.example.com",
				"MAIL_BUCKET": "parley-mailbucket", "MAIL_INBOUND_PREFIX": "inbound/", "MAIL_CONFIGURATION_SET": "parley-mail",
			}
			if tt.set {
				env["INBOX_URL"] = tt.value
			}
			m, err := config.MailFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "INBOX_URL") {
					t.Errorf("err = %v, want INBOX_URL refused", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if m.InboxURL != nil {
				got = m.InboxURL.String()
			}
			if got != tt.want {
				t.Errorf("InboxURL = %q, want %q", got, tt.want)
			}
		})
	}
}
