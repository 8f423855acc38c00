package localcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/awsemu"
	"github.com/parleychat/parley/infra/localcloud/lambdaemu"
	"github.com/parleychat/parley/infra/localcloud/s3emu"
	"github.com/parleychat/parley/infra/localcloud/sesemu"
	"github.com/parleychat/parley/infra/localcloud/smtp"
)

// Where the SES v2 and S3 endpoints live under the cloud's URL (the
// functions' AWS_ENDPOINT_URL_SESV2 and AWS_ENDPOINT_URL_S3).
const (
	sesPath = "/_aws/ses"
	s3Path  = "/_aws/s3"
)

type mailParts struct {
	s3   *s3emu.Server
	ses  *sesemu.Server
	smtp *smtp.Server
	// s3Server serves s3 on its own origin, s3URL (s3.go).
	s3Server *http.Server
	s3URL    string
}

func (m *mailParts) close() error {
	var err error
	if m.smtp != nil {
		err = m.smtp.Close()
	}
	if m.s3Server != nil {
		err = errors.Join(err, m.s3Server.Close())
	}
	if m.ses != nil {
		m.ses.Close()
	}
	return err
}

// startMail starts S3 with the template's buckets, SES with its
// configuration sets (bounce and complaint events go to the functions
// subscribed to the event destination's topic) and the SMTP listener for
// its receipt rules.
func (c *Cloud) startMail() error {
	mm := c.model.Mail
	if c.mail == nil {
		c.mail = &mailParts{s3: s3emu.New(mm.Buckets...)}
	}
	sets := map[string]bool{}
	for _, f := range mm.Feedback {
		sets[f.ConfigurationSet] = true
	}
	var setNames []string
	for s := range sets {
		setNames = append(setNames, s)
	}
	for _, fn := range c.model.Functions {
		if s := fn.Env["MAIL_CONFIGURATION_SET"]; s != "" && !sets[s] {
			sets[s] = true
			setNames = append(setNames, s)
		}
	}
	c.mail.ses = sesemu.New(sesemu.Options{ConfigurationSets: setNames, Feedback: c.feedback, Logger: c.log})
	var rules []smtp.Rule
	for _, r := range mm.ReceiptRules {
		rules = append(rules, smtp.Rule{
			Name: r.Name, Recipients: r.Recipients, Bucket: r.Bucket, Prefix: r.Prefix,
			Function: r.Function, FunctionARN: c.model.Functions[r.Function].ARN,
		})
	}
	store := func(bucket, key string, raw []byte) error {
		return c.mail.s3.Put(bucket, key, s3emu.Object{Data: raw, ContentType: "message/rfc822"})
	}
	var err error
	c.mail.smtp, err = smtp.Start("127.0.0.1:0", rules, store, c.receiptAction, c.log)
	if err != nil {
		return fmt.Errorf("inbound SMTP: %w", err)
	}
	return nil
}

// feedback publishes an SES event to the configuration set's SNS
// destination: every subscribed function gets an SNS event.
func (c *Cloud) feedback(ctx context.Context, set string, event []byte) {
	for _, f := range c.model.Mail.Feedback {
		if f.ConfigurationSet != set {
			continue
		}
		payload, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{
			"EventSource": "aws:sns", "EventVersion": "1.0",
			"EventSubscriptionArn": f.TopicARN + ":" + uuid.NewString(),
			"Sns": map[string]any{
				"Type": "Notification", "MessageId": uuid.NewString(), "TopicArn": f.TopicARN,
				"Message": string(event), "Timestamp": time.Now().UTC().Format(time.RFC3339Nano),
				"SignatureVersion": "1", "MessageAttributes": map[string]any{},
			},
		}}})
		deliveries := 1
		if c.duplicates.Load() {
			deliveries = 2 // SNS delivers at least once
		}
		for range deliveries {
			// SNS invokes the function asynchronously: Lambda retries a
			// failure, then keeps the event in the function's DLQ.
			if err := c.invokeAsync(ctx, f.Function, payload); err != nil {
				c.log.Error("SES event delivery failed", "function", f.Function, "err", err)
			}
		}
	}
}

func (c *Cloud) mailRoutes(mux *http.ServeMux) {
	mux.Handle(sesPath+"/", c.sesMeter.wrap(http.StripPrefix(sesPath, c.sesFaults(c.mail.ses))))
	mux.Handle(s3Path+"/", c.s3Meter.wrap(http.StripPrefix(s3Path, c.mail.s3)))
	mux.HandleFunc("GET /_local/mailbox", c.mail.ses.ServeMailboxPage)
	mux.HandleFunc("GET /_local/mailbox.json", c.mail.ses.ServeMailboxJSON)
}

// receiptAction is a receipt rule's Lambda action: an asynchronous
// invocation (InvocationType Event). SES has accepted the mail whatever
// the function does; a function that fails every attempt leaves the event
// in its dead-letter queue (and the raw mail in the bucket).
func (c *Cloud) receiptAction(ctx context.Context, logicalID string, payload []byte) ([]byte, error) {
	err := c.invokeAsync(ctx, logicalID, payload)
	var fail *lambdaemu.AsyncFailure
	if errors.As(err, &fail) {
		c.log.Error("inbound mail: the receipt rule's function failed", "function", logicalID, "deadLetter", fail.Destination, "err", err)
		return nil, nil
	}
	return nil, err
}

// sesFaults fails sends as the rate faults of ServiceSES say, the way
// SES v2 answers: a throttle is 429 TooManyRequestsException, an internal
// fault a 500, a lost answer a 500 after the mail went out.
func (c *Cloud) sesFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
			next.ServeHTTP(w, r)
			return
		}
		kind, ok := c.aws.InjectedFault(awsemu.ServiceSES, "SendEmail")
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		status, code := http.StatusInternalServerError, "InternalFailure"
		switch kind {
		case awsemu.FaultThrottle:
			status, code = http.StatusTooManyRequests, "TooManyRequestsException"
		case awsemu.FaultLostAnswer:
			next.ServeHTTP(httptest.NewRecorder(), r)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": "injected fault: " + kind})
	})
}

// InvokeFunction runs a function of the template, by logical id, with a
// payload, as an event source would (tests use it to deliver events whose
// source the local cloud does not emulate yet).
func (c *Cloud) InvokeFunction(ctx context.Context, logicalID string, payload []byte) ([]byte, error) {
	return invoker{c}.Invoke(ctx, logicalID, payload)
}

// S3 is the local S3, for tests that look at stored objects.
func (c *Cloud) S3() *s3emu.Server { return c.mail.s3 }
