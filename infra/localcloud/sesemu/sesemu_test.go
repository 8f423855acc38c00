package sesemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/sesemu"
)

type feedbackLog struct {
	mu     sync.Mutex
	events []map[string]any
	sets   []string
}

func (f *feedbackLog) record(_ context.Context, set string, ev []byte) {
	var m map[string]any
	_ = json.Unmarshal(ev, &m)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, m)
	f.sets = append(f.sets, set)
}

// start serves the emulator under a path prefix, as the local cloud does,
// and returns a real SDK client pointed at it.
func start(t *testing.T) (*sesemu.Server, *sesv2.Client, *feedbackLog) {
	fb := &feedbackLog{}
	s := sesemu.New(sesemu.Options{ConfigurationSets: []string{"parley-mail"}, Feedback: fb.record})
	mux := http.NewServeMux()
	mux.Handle("/_aws/ses/", http.StripPrefix("/_aws/ses", s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := sesv2.New(sesv2.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL + "/_aws/ses"),
		Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1,
	})
	return s, c, fb
}

func TestSendEmail(t *testing.T) {
	s, c, _ := start(t)
	raw := "From: Alice <chat@example.com>\r\nTo: Ada <ada@visitor.test>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nReply-To: reply+abc@reply.example.com\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello Ada\r\n"
	out, err := c.SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress:     aws.String("chat@example.com"),
		Destination:          &types.Destination{ToAddresses: []string{"ada@visitor.test"}},
		Content:              &types.EmailContent{Raw: &types.RawMessage{Data: []byte(raw)}},
		ConfigurationSetName: aws.String("parley-mail"),
		EmailTags:            []types.MessageTag{{Name: aws.String("conversationId"), Value: aws.String("c1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("chat@example.com"),
		Destination:      &types.Destination{ToAddresses: []string{"ben@visitor.test"}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("Simple one")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String("plain body")}, Html: &types.Content{Data: aws.String("<p>html body</p>")}},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	box := s.Mailbox()
	if len(box) != 2 || box[0].ID != aws.ToString(out.MessageId) {
		t.Fatalf("mailbox = %+v", box)
	}
	type view struct {
		From, Subject, Text, HTML, ReplyTo string
		To                                 []string
		Tags                               map[string]string
	}
	got := []view{
		{box[0].From, box[0].Subject, box[0].Text, box[0].HTML, box[0].Headers["Reply-To"], box[0].To, box[0].Tags},
		{box[1].From, box[1].Subject, box[1].Text, box[1].HTML, box[1].Headers["Reply-To"], box[1].To, box[1].Tags},
	}
	want := []view{
		{"chat@example.com", "Grüße", "Hello Ada\n", "", "reply+abc@reply.example.com", []string{"ada@visitor.test"}, map[string]string{"conversationId": "c1"}},
		{"chat@example.com", "Simple one", "plain body", "<p>html body</p>", "", []string{"ben@visitor.test"}, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mailbox (-want +got):\n%s", diff)
	}
}

func TestSendEmailRefusals(t *testing.T) {
	_, c, _ := start(t)
	tests := []struct {
		name string
		in   *sesv2.SendEmailInput
		want any
	}{
		{"unknown configuration set", &sesv2.SendEmailInput{
			Destination: &types.Destination{ToAddresses: []string{"a@b.cd"}}, ConfigurationSetName: aws.String("nope"),
			Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte("From: x@y.zz\r\nTo: a@b.cd\r\n\r\nhi")}},
		}, &types.NotFoundException{}},
		{"not an email", &sesv2.SendEmailInput{
			Destination: &types.Destination{ToAddresses: []string{"a@b.cd"}},
			Content:     &types.EmailContent{Raw: &types.RawMessage{Data: []byte("no headers at all")}},
		}, &types.BadRequestException{}},
		{"no recipients", &sesv2.SendEmailInput{
			Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte("From: x@y.zz\r\nSubject: s\r\n\r\nhi")}},
		}, &types.BadRequestException{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SendEmail(t.Context(), tt.in)
			switch tt.want.(type) {
			case *types.NotFoundException:
				var e *types.NotFoundException
				if !errors.As(err, &e) {
					t.Errorf("error = %v, want NotFoundException", err)
				}
			case *types.BadRequestException:
				var e *types.BadRequestException
				if !errors.As(err, &e) {
					t.Errorf("error = %v, want BadRequestException", err)
				}
			}
		})
	}
}

func TestMailboxSimulator(t *testing.T) {
	s, c, fb := start(t)
	for _, to := range []string{sesemu.BounceAddress, sesemu.ComplaintAddress, "ok@visitor.test"} {
		if _, err := c.SendEmail(t.Context(), &sesv2.SendEmailInput{
			Destination: &types.Destination{ToAddresses: []string{to}}, ConfigurationSetName: aws.String("parley-mail"),
			Content: &types.EmailContent{Raw: &types.RawMessage{Data: []byte("From: chat@example.com\r\nTo: " + to + "\r\nSubject: s\r\n\r\nhi")}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	fb.mu.Lock()
	defer fb.mu.Unlock()
	byType := map[string]string{}
	for _, ev := range fb.events {
		typ, _ := ev["eventType"].(string)
		raw, _ := json.Marshal(ev)
		byType[typ] = string(raw)
	}
	if len(fb.events) != 2 || !strings.Contains(byType["Bounce"], `"bounceType":"Permanent"`) || !strings.Contains(byType["Complaint"], sesemu.ComplaintAddress) {
		t.Errorf("feedback events = %v", byType)
	}
	if diff := cmp.Diff([]string{"parley-mail", "parley-mail"}, fb.sets); diff != "" {
		t.Errorf("configuration sets (-want +got):\n%s", diff)
	}
}

func TestMailboxPageEscapes(t *testing.T) {
	s, c, _ := start(t)
	if _, err := c.SendEmail(t.Context(), &sesv2.SendEmailInput{
		Destination: &types.Destination{ToAddresses: []string{"a@b.cd"}},
		Content:     &types.EmailContent{Raw: &types.RawMessage{Data: []byte("From: chat@example.com\r\nTo: a@b.cd\r\nSubject: <script>alert(1)</script>\r\n\r\n<img src=x onerror=alert(2)>")}},
	}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeMailboxPage(rec, httptest.NewRequest(http.MethodGet, "/_local/mailbox", nil))
	body := rec.Body.String()
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("mailbox page does not escape content:\n%s", body)
	}
}
