package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud"
	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/sqsemu"
	"github.com/parleychat/parley/infra/redrive"
	"github.com/parleychat/parley/shared/email"
)

// deadLettersAbout returns the messages of a dead-letter queue that
// mention the conversation.
func deadLettersAbout(t *testing.T, queue, convID string) []sqsemu.Message {
	t.Helper()
	msgs, err := cloud.SQS().Messages(cloud.Model().Queue(queue).URL)
	if err != nil {
		t.Fatal(err)
	}
	var out []sqsemu.Message
	for _, m := range msgs {
		if strings.Contains(m.Body, convID) {
			out = append(out, m)
		}
	}
	return out
}

// awsConfig is what an operator's tools use against the local cloud.
func awsConfig() aws.Config {
	return aws.Config{Region: cloud.Model().Region, BaseEndpoint: aws.String(cloud.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
}

// A transcript that fails on every attempt (SES refuses every send) is not
// lost: Lambda retries it, then keeps the event in TranscriptDLQ, and the
// alarm's metric counts it. Once SES is back, the redrive replays it into
// the transcript function and deletes it: the visitor gets the transcript
// exactly once, and replaying the same event again sends nothing more.
func TestFailedTranscriptRedrivenOnce(t *testing.T) {
	visitor := newVisitor(t)
	tab, convID, _ := startConversation(t, visitor, "My parcel never came")
	addr := "redrive-" + uuid.NewString()[:8] + "@visitor.test"
	if err := visitor.Call(wait(t), http.MethodPut, "/widget/contact", map[string]string{"email": addr}, nil); err != nil {
		t.Fatal(err)
	}
	confirmAddress(t, addr)
	alice := newAgent(t, "alice")
	if _, err := alice.Act(wait(t), convID, "takeover", map[string]string{"expectedAssigneeId": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Reply(wait(t), convID, "It is on its way."); err != nil {
		t.Fatal(err)
	}
	tab.Close()
	// SES fails for everyone from here: what earlier tests set off must
	// be done first, or its retries count as this transcript's.
	eventsDelivered(t)

	injectFaults(t, localcloud.Faults{AWS: []awsemu.RateFault{{Service: awsemu.ServiceSES, Operation: "SendEmail", Share: 1, Kind: awsemu.FaultInternal}}})
	before := cloud.Stats().Invocations["TranscriptFunction"]
	if _, err := alice.Act(wait(t), convID, "close", nil); err != nil {
		t.Fatal(err)
	}
	var dead []sqsemu.Message
	eventually(t, "the failed transcript in TranscriptDLQ", func() error {
		if dead = deadLettersAbout(t, "TranscriptDLQ", convID); len(dead) != 1 {
			return fmt.Errorf("%d dead letters about the conversation", len(dead))
		}
		return nil
	})
	if n := cloud.Stats().DeadLetters["TranscriptDLQ"]; n < 1 {
		t.Errorf("the local cloud's stats count %d messages in TranscriptDLQ", n)
	}
	if n := cloud.Stats().Invocations["TranscriptFunction"] - before; n != 3 {
		t.Errorf("the transcript function ran %d times, want 3 (Lambda's two retries)", n)
	}
	if a := dead[0].Attributes; a["ErrorCode"].StringValue != "200" || a["RequestID"].StringValue == "" || !strings.Contains(a["ErrorMessage"].StringValue, "InternalFailure") {
		t.Errorf("dead letter attributes %+v, want Lambda's", a)
	}
	_, statuses := closedDeliveries(t, convID)
	if len(statuses) != 1 || statuses[0] != "failed" {
		t.Errorf("deliveries to the transcript function: %v, want one failed", statuses)
	}
	if got := mailTo(t, addr, email.DefaultTranscriptSubject); len(got) != 0 {
		t.Fatalf("%d transcripts sent while SES failed", len(got))
	}

	// The cause is fixed; the operator replays the queue.
	putFaults(t, localcloud.Faults{})
	m := cloud.Model()
	target, err := redrive.For(m, "TranscriptDLQ")
	if err != nil {
		t.Fatal(err)
	}
	target.Options.QueueURL, target.Options.Function = m.Queue("TranscriptDLQ").URL, m.Functions["TranscriptFunction"].Name
	cfg := awsConfig()
	outcomes, err := redrive.New(sqs.NewFromConfig(cfg), lambda.NewFromConfig(cfg), nil).Run(t.Context(), target.Options, nil)
	if err != nil {
		t.Fatal(err)
	}
	replayed := 0
	for _, o := range outcomes {
		if o.MessageID == dead[0].ID {
			if o.Err != nil || !o.Replayed || o.Kind != "lambda" {
				t.Fatalf("the dead letter's replay: %+v", o)
			}
			replayed++
		}
	}
	if replayed != 1 {
		t.Fatalf("outcomes %+v: the dead letter was replayed %d times", outcomes, replayed)
	}
	if left := deadLettersAbout(t, "TranscriptDLQ", convID); len(left) != 0 {
		t.Errorf("%d dead letters about the conversation after the redrive", len(left))
	}
	if got := mailTo(t, addr, email.DefaultTranscriptSubject); len(got) != 1 {
		t.Fatalf("%d transcripts after the redrive, want 1", len(got))
	}

	// A replay that ran but whose delete was lost is replayed again: the
	// consumer sends nothing twice.
	if _, err := cloud.InvokeFunction(wait(t), "TranscriptFunction", []byte(dead[0].Body)); err != nil {
		t.Fatal(err)
	}
	if got := mailTo(t, addr, email.DefaultTranscriptSubject); len(got) != 1 {
		t.Errorf("%d transcripts after the event was replayed twice, want 1", len(got))
	}
	// And the thread was not touched by any of it.
	th := getThread(t, alice, convID)
	if th.Conversation.Status != "closed" || countBodies(th.Messages, "My parcel never came") != 1 {
		t.Errorf("thread after the redrive: %+v", th.Conversation)
	}
}
