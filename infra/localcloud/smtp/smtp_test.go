package smtp_test

import (
	"context"
	"encoding/json"
	"net/smtp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	localsmtp "github.com/parleychat/parley/infra/localcloud/smtp"
)

type sink struct {
	mu      sync.Mutex
	objects map[string][]byte
	events  []events.SimpleEmailEvent
	fns     []string
}

func (s *sink) store(bucket, key string, raw []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[bucket+"/"+key] = raw
	return nil
}

func (s *sink) invoke(_ context.Context, fn string, payload []byte) ([]byte, error) {
	var ev events.SimpleEmailEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	s.fns = append(s.fns, fn)
	return []byte("null"), nil
}

func start(t *testing.T) (*localsmtp.Server, *sink) {
	k := &sink{objects: map[string][]byte{}}
	srv, err := localsmtp.Start("127.0.0.1:0", []localsmtp.Rule{{
		Name: "to-conversations", Recipients: []string{"reply.example.com"}, Bucket: "mail", Prefix: "inbound/",
		Function: "InboundMailFunction", FunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:inbound",
	}}, k.store, k.invoke, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, k
}

func TestDeliversAsSES(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   map[string]string
	}{
		{"all checks pass", "", map[string]string{"spf": "PASS", "dkim": "PASS", "dmarc": "PASS", "spam": "PASS", "virus": "PASS"}},
		{"simulated failures", "X-Parley-Local-Verdict: dmarc=fail, spam=fail; virus=gray\r\n", map[string]string{"spf": "PASS", "dkim": "PASS", "dmarc": "FAIL", "spam": "FAIL", "virus": "GRAY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, k := start(t)
			raw := "From: Ada <ada@visitor.test>\r\nTo: reply+tok@reply.example.com\r\nSubject: Hi\r\nMessage-ID: <m1@visitor.test>\r\n" + tt.header + "\r\n.leading dot line\r\nbody\r\n"
			if err := smtp.SendMail(srv.Addr(), nil, "ada@visitor.test", []string{"reply+tok@reply.example.com"}, []byte(raw)); err != nil {
				t.Fatal(err)
			}
			if len(k.events) != 1 || len(k.events[0].Records) != 1 || k.fns[0] != "InboundMailFunction" {
				t.Fatalf("events = %+v to %v", k.events, k.fns)
			}
			rec := k.events[0].Records[0].SES
			stored := k.objects["mail/inbound/"+rec.Mail.MessageID]
			if !strings.Contains(string(stored), "\r\n.leading dot line\r\n") {
				t.Errorf("stored raw mail (dot-stuffing undone) = %q", stored)
			}
			r := rec.Receipt
			got := map[string]string{"spf": r.SPFVerdict.Status, "dkim": r.DKIMVerdict.Status, "dmarc": r.DMARCVerdict.Status, "spam": r.SpamVerdict.Status, "virus": r.VirusVerdict.Status}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"reply+tok@reply.example.com"}, r.Recipients); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
			if r.Action.Type != "Lambda" || r.Action.FunctionARN == "" || rec.Mail.CommonHeaders.MessageID != "<m1@visitor.test>" {
				t.Errorf("receipt = %+v, mail = %+v", r.Action, rec.Mail.CommonHeaders)
			}
		})
	}
}

func TestRefusesRecipientsWithoutRule(t *testing.T) {
	srv, k := start(t)
	err := smtp.SendMail(srv.Addr(), nil, "ada@visitor.test", []string{"someone@elsewhere.test"}, []byte("From: a@b.cd\r\n\r\nhi\r\n"))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("mail to an address no rule covers: %v, want 550", err)
	}
	if len(k.events) != 0 {
		t.Errorf("a refused mail was delivered: %+v", k.events)
	}
}
