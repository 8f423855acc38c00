package mailer_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/sesemu"
	"github.com/parleychat/parley/shared/awscall/awscalltest"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/mailer"
)

const raw = "From: Parcel Co <chat@example.com>\r\nTo: ada@visitor.test\r\nSubject: Your conversation\r\n\r\nHello\r\n"

// TestSend: what the mailer sends is what the local cloud's SES receives,
// through the configuration set, with the email's tags; a configuration
// set SES does not know is an error.
func TestSend(t *testing.T) {
	ses := sesemu.New(sesemu.Options{ConfigurationSets: []string{"parley-mail"}})
	srv := httptest.NewServer(ses)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), RetryMaxAttempts: 1}
	m, err := mailer.New(cfg, aws.String(srv.URL), "parley-mail")
	if err != nil {
		t.Fatal(err)
	}
	out := email.Outgoing{From: "chat@example.com", To: "ada@visitor.test", Raw: []byte(raw), Tags: map[string]string{"conversationId": "c1", "purpose": "transcript"}}
	if err := m.Send(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	box := ses.Mailbox()
	if len(box) != 1 {
		t.Fatalf("%d mails in the mailbox, want 1", len(box))
	}
	got := box[0]
	want := sesemu.Mail{From: "chat@example.com", To: []string{"ada@visitor.test"}, ConfigurationSet: "parley-mail", Tags: out.Tags, Raw: raw}
	if diff := cmp.Diff(want, sesemu.Mail{From: got.From, To: got.To, ConfigurationSet: got.ConfigurationSet, Tags: got.Tags, Raw: got.Raw}); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}

	unknown, err := mailer.New(cfg, aws.String(srv.URL), "another-set")
	if err != nil {
		t.Fatal(err)
	}
	var rejected *email.RejectedError
	if err := unknown.Send(t.Context(), out); err == nil || errors.As(err, &rejected) {
		t.Errorf("an unknown configuration set = %v, want an error that is no rejection", err)
	}
}

// TestRejected: SES refusing the message is an *email.RejectedError with
// SES's reason, which the email channel shows the agent; the request is
// the SDK's SendEmail.
func TestRejected(t *testing.T) {
	srv := awscalltest.New(t, func(awscalltest.Recorded) awscalltest.Answer {
		return awscalltest.Answer{
			Status: 400,
			Header: http.Header{"Content-Type": {"application/json"}, "X-Amzn-Errortype": {"MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/"}},
			Body:   []byte(`{"message":"Email address is not verified."}`),
		}
	})
	cfg := awscalltest.Config()
	out := email.Outgoing{From: "Parcel Co <chat@example.com>", To: "ada@visitor.test", Raw: []byte(raw), Tags: map[string]string{"purpose": "reply", "conversationId": "c1"}}
	sdk := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = srv.Endpoint() })
	_, sdkErr := sdk.SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress:     aws.String(out.From),
		Destination:          &types.Destination{ToAddresses: []string{out.To}},
		Content:              &types.EmailContent{Raw: &types.RawMessage{Data: out.Raw}},
		ConfigurationSetName: aws.String("parley-mail"),
		EmailTags: []types.MessageTag{
			{Name: aws.String("conversationId"), Value: aws.String("c1")},
			{Name: aws.String("purpose"), Value: aws.String("reply")},
		},
	})
	var sdkRejected *types.MessageRejected
	if !errors.As(sdkErr, &sdkRejected) {
		t.Fatalf("the SDK's SendEmail = %v, want MessageRejected (the answer is not SES's)", sdkErr)
	}
	want := srv.Take()

	m, err := mailer.New(cfg, srv.Endpoint(), "parley-mail")
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(t.Context(), out)
	var rejected *email.RejectedError
	if !errors.As(err, &rejected) || rejected.Reason != "Email address is not verified." {
		t.Errorf("Send = %v, want a rejection with SES's reason", err)
	}
	got := srv.Take()
	if len(got) != 1 || len(want) != 1 {
		t.Fatalf("%d requests, the SDK %d; want 1 each", len(got), len(want))
	}
	awscalltest.Same(t, want[0], got[0], "Content-Type", "Host", "X-Amz-Security-Token")
	if _, err := mailer.New(cfg, srv.Endpoint(), ""); err == nil {
		t.Error("a mailer without a configuration set: no error")
	}
}
