package email_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
)

// TestSenderAddressStaysInTheSenderDomain: the functions may send only
// from the deployment's sender domain (IAM allows identity/<that domain>),
// so a channel cannot choose an address elsewhere.
func TestSenderAddressStaysInTheSenderDomain(t *testing.T) {
	tests := []struct {
		name, sender string
		wantErr      string
	}{
		{"another address of the domain", "Help@Example.com", ""},
		{"another domain", "help@elsewhere.test", "example.com"},
		{"a subdomain", "help@mail.example.com", "example.com"},
		{"a lookalike", "help@example.com.evil.test", "example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			st, err := f.email.PutSettings(t.Context(), f.agent, email.Settings{ChannelID: "main", TranscriptOnClose: true, SenderAddress: tt.sender})
			if tt.wantErr == "" {
				if err != nil || !strings.EqualFold(st.SenderAddress, tt.sender) {
					t.Fatalf("PutSettings = %+v, %v", st, err)
				}
				return
			}
			var de *chat.Error
			if !errors.Is(err, chat.ErrInvalid) || !errors.As(err, &de) || !strings.Contains(de.Message, tt.wantErr) {
				t.Fatalf("PutSettings(%s) error = %v, want invalid naming %s", tt.sender, err, tt.wantErr)
			}
			got, err := f.email.Settings(t.Context(), "main")
			if err != nil || got.SenderAddress != "chat@example.com" {
				t.Errorf("settings after the refusal = %+v, %v; want unchanged", got, err)
			}
		})
	}
}
