package sqsemu_test

import (
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/localcloud/sqsemu"
	"github.com/parleychat/parley/infra/localcloud/template"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const queueURL = "https://sqs.us-east-1.amazonaws.com/000000000000/parley-local-TranscriptDLQ"

func start(t *testing.T) (*sqsemu.Server, *sqs.Client, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	s := sqsemu.New([]*template.Queue{{
		LogicalID: "TranscriptDLQ", Name: "parley-local-TranscriptDLQ", URL: queueURL,
		ARN: "arn:aws:sqs:us-east-1:000000000000:parley-local-TranscriptDLQ", Retention: 14 * 24 * time.Hour, VisibilityTimeout: 30 * time.Second,
	}}, c.Now)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	return s, client, c
}

func receive(t *testing.T, client *sqs.Client) []sqstypes.Message {
	t.Helper()
	out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

// A dead letter the local Lambda puts on a queue is read, hidden while
// in flight, seen again after its visibility timeout with one more
// receive, and gone once deleted with its latest receipt handle. The SDK
// checks every body's MD5.
func TestDeadLetterLifecycle(t *testing.T) {
	s, client, c := start(t)
	if _, err := s.Send("arn:aws:sqs:us-east-1:000000000000:parley-local-TranscriptDLQ", `{"detail-type":"conversation.closed"}`,
		map[string]sqsemu.Attribute{"ErrorCode": sqsemu.StringAttribute("200"), "RequestID": sqsemu.StringAttribute("req-1")}); err != nil {
		t.Fatal(err)
	}
	got := receive(t, client)
	if len(got) != 1 || aws.ToString(got[0].Body) != `{"detail-type":"conversation.closed"}` ||
		aws.ToString(got[0].MessageAttributes["RequestID"].StringValue) != "req-1" || got[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("received %+v", got)
	}
	first := aws.ToString(got[0].ReceiptHandle)
	if again := receive(t, client); len(again) != 0 {
		t.Fatalf("received a message in flight: %+v", again)
	}
	c.Advance(31 * time.Second)
	got = receive(t, client)
	if len(got) != 1 || got[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after the visibility timeout: %+v", got)
	}
	// The first receipt handle is stale: accepted, deletes nothing.
	if _, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String(first)}); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := s.Messages(queueURL); len(msgs) != 1 {
		t.Fatalf("a stale receipt handle deleted the message")
	}
	if _, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: got[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	attrs, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("after the delete: %v", attrs.Attributes)
	}
}

func TestSendReceiveOverTheAPI(t *testing.T) {
	_, client, c := start(t)
	out, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String("héllo"),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("7")}}})
	if err != nil || aws.ToString(out.MessageId) == "" {
		t.Fatalf("send: %v %v", out, err)
	}
	url, err := client.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String("parley-local-TranscriptDLQ")})
	if err != nil || aws.ToString(url.QueueUrl) != queueURL {
		t.Fatalf("queue URL %v %v", url, err)
	}
	got := receive(t, client)
	if len(got) != 1 || aws.ToString(got[0].Body) != "héllo" || aws.ToString(got[0].MessageAttributes["n"].StringValue) != "7" {
		t.Fatalf("received %+v", got)
	}
	// Retention runs on the clock.
	c.Advance(15 * 24 * time.Hour)
	if got := receive(t, client); len(got) != 0 {
		t.Errorf("a message past its retention was received: %+v", got)
	}
}

// A receive that waits returns as soon as a message arrives.
func TestReceiveWaitsForAMessage(t *testing.T) {
	s, client, _ := start(t)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = s.Send(queueURL, "late", nil)
	}()
	out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), WaitTimeSeconds: 10})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "late" {
		t.Fatalf("waiting receive = %+v, %v", out, err)
	}
}

func TestRefusals(t *testing.T) {
	s, client, _ := start(t)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"unknown queue", func() error {
			_, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(queueURL + "x"), MessageBody: aws.String("a")})
			return err
		}, "QueueDoesNotExist"},
		{"empty body", func() error {
			_, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String("")})
			return err
		}, "InvalidParameterValue"},
		{"too many", func() error {
			_, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue"},
		{"bad handle", func() error {
			_, err := client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String("nope")})
			return err
		}, "ReceiptHandleIsInvalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var apiErr interface{ ErrorCode() string }
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
	if _, err := s.Send("nope", "x", nil); !errors.Is(err, sqsemu.ErrNoQueue) {
		t.Errorf("Send to an unknown queue: %v", err)
	}
	if msgs, _ := s.Messages(queueURL); !cmp.Equal(len(msgs), 0) {
		t.Errorf("refused calls stored %d messages", len(msgs))
	}
}
