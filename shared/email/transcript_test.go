package email_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
)

// long makes the fixture's conversation 150 messages long: the visitor's
// first, then agent replies; with bodyLen set, each of those that long.
// The contact started the chat on a shop page.
func (f *fixture) long(t *testing.T, bodyLen int) []string {
	t.Helper()
	ctx := t.Context()
	vid := uuid.NewString()
	if err := f.store.CreateVisitor(ctx, chat.Visitor{ID: vid, ChannelID: "main", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := f.store.SaveContact(ctx, email.Contact{VisitorID: vid, Email: "ada@visitor.test", Name: "Ada Lovelace", PageURL: "https://shop.example.com/orders?id=42", UpdatedAt: now, VerifiedAt: now}); err != nil {
		t.Fatal(err)
	}
	visitor := chat.Principal{Role: chat.RoleVisitor, ID: vid, Name: "Ada Lovelace"}
	bodies := []string{"message 1: where is my parcel?"}
	if _, _, err := f.chat.StartByEmail(ctx, visitor, chat.EmailInput{Dedupe: "first@visitor.test", Body: bodies[0]}); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 150; i++ {
		body := fmt.Sprintf("message %d", i)
		if bodyLen > 0 {
			body += ": " + strings.Repeat("ü", (bodyLen-len(body))/2)
		}
		bodies = append(bodies, body)
		if _, _, err := f.chat.Reply(ctx, f.agent, fixtureConversation, chat.SendInput{ClientID: uuid.NewString(), Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.chat.Close(ctx, f.agent, fixtureConversation); err != nil {
		t.Fatal(err)
	}
	return bodies
}

// TestTranscriptOfALongConversation: a transcript holds every message of a
// 150-message conversation, automatic and manual alike; one too large for
// an email keeps the newest messages that fit, says how many it left out
// and links the whole conversation: the chat for the contact, the inbox for
// another address.
func TestTranscriptOfALongConversation(t *testing.T) {
	ev := readFixture[events.EventBridgeEvent](t, "conversation-closed.json")
	tests := []struct {
		name     string
		bodyLen  int
		manualTo string // empty: the automatic transcript on close
		wantCut  bool
		wantLink string
	}{
		{name: "automatic", wantCut: false},
		{name: "manual", manualTo: "ada@visitor.test", wantCut: false},
		{name: "automatic, too large", bodyLen: 5000, wantCut: true, wantLink: "https://shop.example.com/orders?id=42#chat-open"},
		{name: "manual to another address, too large", bodyLen: 5000, manualTo: "accounts@example.org", wantCut: true, wantLink: "https://inbox.example.com/#/c/" + fixtureConversation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			bodies := f.long(t, tt.bodyLen)
			if tt.manualTo == "" {
				if err := email.NewTranscriptHandler(f.email).Handle(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			} else if _, err := f.email.Transcript(t.Context(), f.agent, fixtureConversation, email.TranscriptInput{To: tt.manualTo}); err != nil {
				t.Fatal(err)
			}
			if f.ses.count() != 1 {
				t.Fatalf("sent %d emails, want 1", f.ses.count())
			}
			raw := f.ses.sent[0].Raw
			if len(raw) > mail.MaxRawBytes {
				t.Errorf("the email is %d bytes, over the limit %d", len(raw), mail.MaxRawBytes)
			}
			parsed, err := mail.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			// The automatic one says so, and autoresponders leave it
			// unanswered (RFC 3834); an agent's is a person's.
			if got, want := parsed.Header.Get("Auto-Submitted"), map[bool]string{true: "auto-generated"}[tt.manualTo == ""]; got != want {
				t.Errorf("Auto-Submitted: %q, want %q", got, want)
			}
			text := strings.ReplaceAll(parsed.Text, "\r\n", "\n")
			var shown []string
			for _, b := range bodies {
				if strings.Contains(text, ":\n"+b+"\n") {
					shown = append(shown, b)
				}
			}
			if !tt.wantCut {
				if len(shown) != len(bodies) || strings.Contains(parsed.Text, "not in this email") {
					t.Errorf("the transcript shows %d of %d messages:\n%q", len(shown), len(bodies), text[:min(len(text), 600)])
				}
				return
			}
			omitted := len(bodies) - len(shown)
			if omitted == 0 || shown[len(shown)-1] != bodies[len(bodies)-1] || shown[0] != bodies[omitted] {
				t.Fatalf("the cut transcript shows %d messages, want the newest that fit, in a row", len(shown))
			}
			note := fmt.Sprintf("The %d earlier messages are not in this email: it would be too large to send. The whole conversation: %s", omitted, tt.wantLink)
			if !strings.Contains(text, note) {
				t.Errorf("the text lacks %q:\n%q", note, text[:min(len(text), 600)])
			}
			if !strings.Contains(parsed.HTML, `<a href="`+strings.ReplaceAll(tt.wantLink, "&", "&amp;")+`">Read the whole conversation</a>`) {
				t.Errorf("the HTML lacks the link to %s", tt.wantLink)
			}
		})
	}
}
