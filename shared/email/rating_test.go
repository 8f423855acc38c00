package email_test

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/config"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mail"
)

var surveyLinkRE = regexp.MustCompile(`https://api\.example\.com/widget/rating\?score=([1-5])&token=([a-z0-9]+)`)

// TestTranscriptSurveyLinks: the transcript of a close that asked carries
// five links to the rating page, one per score, whose token names the
// conversation and works RatingTTL long; a close that did not ask carries
// none.
func TestTranscriptSurveyLinks(t *testing.T) {
	for _, asked := range []bool{true, false} {
		f := setup(t)
		tokens, err := mail.NewTokens([]byte("handler-test-secret-0123456789"), 'a')
		if err != nil {
			t.Fatal(err)
		}
		cfg := config.Mail{SenderAddress: "chat@example.com", InboundDomain: "reply.example.com", MailBucket: "mail", InboundPrefix: "inbound/", ConfigurationSet: "parley-mail"}
		svc := email.New(f.chat, f.store, f.channels, tokens, cfg, email.Options{ChannelID: "main", RatingURL: "https://api.example.com/widget/rating", Sender: f.ses,
			Now: func() time.Time { return time.Now().Add(f.skew) }})
		f.conversation(t, true)
		if err := svc.OnClosed(t.Context(), email.Closed{Version: "1", ID: fixtureConversation + ":9", ConversationID: fixtureConversation, Survey: asked}); err != nil {
			t.Fatal(err)
		}
		if f.ses.count() != 1 {
			t.Fatalf("%d emails, want the transcript", f.ses.count())
		}
		raw := f.ses.sent[0].Raw
		m, err := mail.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		links := surveyLinkRE.FindAllStringSubmatch(m.Text, -1)
		if !asked {
			if len(links) != 0 || strings.Contains(m.Text, mail.SurveyQuestion) {
				t.Errorf("a close that did not ask: the transcript carries the survey:\n%s", m.Text)
			}
			continue
		}
		if len(links) != 5 {
			t.Fatalf("%d survey links in:\n%s", len(links), m.Text)
		}
		for i, l := range links {
			if l[1] != string(rune('1'+i)) {
				t.Errorf("link %d is for score %s", i+1, l[1])
			}
			if got, err := svc.RatingLink(l[2]); err != nil || got != fixtureConversation {
				t.Errorf("link %d names %q, %v", i+1, got, err)
			}
		}
		u, _ := url.Parse(links[0][0])
		f.skew = email.RatingTTL + time.Minute
		_, err = svc.RatingLink(u.Query().Get("token"))
		var de *chat.Error
		if !errors.As(err, &de) || !errors.Is(err, chat.ErrInvalid) || !strings.Contains(de.Message, "expired") {
			t.Errorf("a link past RatingTTL = %v, want an invalid link that says it expired", err)
		}
		if _, err := svc.RatingLink("a" + strings.Repeat("x", 50)); !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("a forged link = %v, want ErrInvalid", err)
		}
	}
}
