package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadEventsOfRealTemplate(t *testing.T) {
	m, err := Load(realTemplate, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantBuses := []*EventBus{{LogicalID: "ChatEventBus", Name: "parley-local-events",
		ARN: "arn:aws:events:us-east-1:000000000000:event-bus/parley-local-events"}}
	if diff := cmp.Diff(wantBuses, m.EventBuses); diff != "" {
		t.Errorf("buses (-want +got):\n%s", diff)
	}
	wantRules := []*Rule{{
		Source: "InactivitySweeperFunction.Sweep", Name: "parley-local-InactivitySweeperFunctionSweep",
		ARN: "arn:aws:events:us-east-1:000000000000:rule/parley-local-InactivitySweeperFunctionSweep",
		Bus: "default", Schedule: time.Minute, Expression: "rate(1 minute)", Enabled: true,
		Targets: []Target{{ID: "InactivitySweeperFunction", Function: "InactivitySweeperFunction", MaxRetries: 2,
			MaxEventAge: time.Minute, DeadLetterARN: "arn:aws:sqs:us-east-1:000000000000:parley-local-InactivitySweeperDLQ"}},
	}, {
		Source: "ReportsFunction.Rollups", Name: "parley-local-ReportsFunctionRollups",
		ARN: "arn:aws:events:us-east-1:000000000000:rule/parley-local-events/parley-local-ReportsFunctionRollups",
		Bus: "parley-local-events", Enabled: true,
		Pattern: json.RawMessage(`{"$or":[{"detail":{"message":{"author":{"type":["visitor","agent"]}},"visibility":["public"]},"detail-type":["message.created"]},` +
			`{"detail":{"seq":[1],"visibility":["public"]},"detail-type":["message.created"]},` +
			`{"detail-type":["conversation.assigned","conversation.closed","conversation.reopened","conversation.rated","conversation.handed_over"]}],"source":["parley.chat"]}`),
		Targets: []Target{{ID: "ReportsFunction", Function: "ReportsFunction", MaxRetries: 8, MaxEventAge: time.Hour,
			DeadLetterARN: "arn:aws:sqs:us-east-1:000000000000:parley-local-ReportsDLQ"}},
	}, {
		Source: "RouterFunction.Routing", Name: "parley-local-RouterFunctionRouting",
		ARN: "arn:aws:events:us-east-1:000000000000:rule/parley-local-events/parley-local-RouterFunctionRouting",
		Bus: "parley-local-events", Enabled: true,
		Pattern: json.RawMessage(`{"$or":[{"detail-type":["conversation.created","conversation.closed","conversation.reopened","conversation.handed_over"]},` +
			`{"detail":{"actor":{"type":[{"anything-but":["system"]}]}},"detail-type":["conversation.assigned"]},` +
			`{"detail":{"presence":["available"]},"detail-type":["agent.status"]}],"source":["parley.chat"]}`),
		Targets: []Target{{ID: "RouterFunction", Function: "RouterFunction", MaxRetries: 8, MaxEventAge: time.Hour,
			DeadLetterARN: "arn:aws:sqs:us-east-1:000000000000:parley-local-RouterDLQ"}},
	}, {
		Source: "TranscriptFunction.Closed", Name: "parley-local-TranscriptFunctionClosed",
		ARN: "arn:aws:events:us-east-1:000000000000:rule/parley-local-events/parley-local-TranscriptFunctionClosed",
		Bus: "parley-local-events", Pattern: json.RawMessage(`{"detail-type":["conversation.closed"],"source":["parley.chat"]}`), Enabled: true,
		Targets: []Target{{ID: "TranscriptFunction", Function: "TranscriptFunction", MaxRetries: 8, MaxEventAge: time.Hour,
			DeadLetterARN: "arn:aws:sqs:us-east-1:000000000000:parley-local-TranscriptDLQ"}},
	}}
	if diff := cmp.Diff(wantRules, m.Rules); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	wantESM := []*EventSourceMapping{{
		Source: "EventPublisherFunction.TableStream", Function: "EventPublisherFunction",
		StreamARN: m.Tables[0].StreamARN, Table: "parley-local-ChatTable", StartingPosition: "TRIM_HORIZON",
		BatchSize: 100, MaxRetries: 20, BisectOnError: true, ReportBatchItemFailures: true,
		Filters: []json.RawMessage{
			json.RawMessage(`{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"MSG#"}]}}}}`),
			json.RawMessage(`{"eventName":["INSERT","MODIFY"],"dynamodb":{"Keys":{"sk":{"S":["PRESENCE"]}}}}`),
		},
		OnFailureARN: "arn:aws:sqs:us-east-1:000000000000:parley-local-EventPublisherDLQ", Enabled: true,
	}, {
		Source: "SearchIndexerFunction.TableStream", Function: "SearchIndexerFunction",
		StreamARN: m.Tables[0].StreamARN, Table: "parley-local-ChatTable", StartingPosition: "TRIM_HORIZON",
		BatchSize: 100, BatchingWindow: time.Second, MaxRetries: 20, BisectOnError: true, ReportBatchItemFailures: true,
		Filters: []json.RawMessage{
			json.RawMessage(`{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"MSG#"}]}},"NewImage":{"kind":{"S":[{"anything-but":["event"]}]}}}}`),
			json.RawMessage(`{"eventName":["REMOVE"],"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"CONV#"}]},"sk":{"S":[{"prefix":"MSG#"},"META"]}}}}`),
			json.RawMessage(`{"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"VISITOR#"}]},"sk":{"S":["CONTACT"]}}}}`),
		},
		OnFailureARN: "arn:aws:sqs:us-east-1:000000000000:parley-local-SearchIndexerDLQ", Enabled: true,
	}}
	if diff := cmp.Diff(wantESM, m.EventSourceMappings); diff != "" {
		t.Errorf("event source mappings (-want +got):\n%s", diff)
	}
}

func TestLoadRules(t *testing.T) {
	const head = `Transform: AWS::Serverless-2016-10-31
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: chat }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: bootstrap
      Runtime: provided.al2023
`
	tests := []struct {
		name    string
		body    string
		want    *Rule
		wantErr string
	}{
		{name: "EventBridgeRule event with an object pattern", body: `      Events:
        Closed:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: { source: [parley.chat], detail-type: [conversation.closed] }
            RetryPolicy: { MaximumRetryAttempts: 3 }
`, want: &Rule{Source: "Fn.Closed", Name: "parley-local-FnClosed", ARN: "arn:aws:events:us-east-1:000000000000:rule/chat/parley-local-FnClosed",
			Bus: "chat", Pattern: json.RawMessage(`{"detail-type":["conversation.closed"],"source":["parley.chat"]}`), Enabled: true,
			Targets: []Target{{ID: "Fn", Function: "Fn", MaxRetries: 3, MaxEventAge: 24 * time.Hour}}}},
		{name: "rule resource with a string pattern and a bus ARN", body: `  Closed:
    Type: AWS::Events::Rule
    Properties:
      Name: closed
      EventBusName: !GetAtt Bus.Arn
      EventPattern: '{"source":["parley.chat"]}'
      Targets: [{ Id: t1, Arn: !GetAtt Fn.Arn, Input: '{"a":1}' }]
`, want: &Rule{Source: "Closed", Name: "closed", ARN: "arn:aws:events:us-east-1:000000000000:rule/chat/closed",
			Bus: "chat", Pattern: json.RawMessage(`{"source":["parley.chat"]}`), Enabled: true,
			Targets: []Target{{ID: "t1", Function: "Fn", Input: `{"a":1}`, MaxRetries: 185, MaxEventAge: 24 * time.Hour}}}},
		{name: "ScheduleV2", body: `      Events:
        Tick:
          Type: ScheduleV2
          Properties: { ScheduleExpression: rate(5 minutes) }
`, want: &Rule{Source: "Fn.Tick", Name: "parley-local-FnTick", ARN: "arn:aws:events:us-east-1:000000000000:rule/parley-local-FnTick",
			Bus: "default", Schedule: 5 * time.Minute, Expression: "rate(5 minutes)", Enabled: true, Scheduler: true,
			Targets: []Target{{ID: "Fn", Function: "Fn", MaxRetries: 185, MaxEventAge: 24 * time.Hour}}}},
		{name: "cron is refused clearly", body: `      Events:
        Tick:
          Type: Schedule
          Properties: { Schedule: "cron(0 12 * * ? *)" }
`, wantErr: `the local cloud runs rate expressions only`},
		{name: "rate with the wrong plural", body: `      Events:
        Tick:
          Type: Schedule
          Properties: { Schedule: rate(1 minutes) }
`, wantErr: `use "minute" with 1`},
		{name: "unknown bus", body: `      Events:
        Closed:
          Type: EventBridgeRule
          Properties: { EventBusName: other, Pattern: { source: [x] } }
`, wantErr: `event bus "other" is not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "template.yaml")
			if err := os.WriteFile(path, []byte(head+tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := Load(path, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Rules) != 1 {
				t.Fatalf("rules = %d, want 1", len(m.Rules))
			}
			if diff := cmp.Diff(tt.want, m.Rules[0]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A table's stream takes two readers, as DynamoDB Streams serve; a third
// is refused when the template loads, not found throttled in AWS.
func TestLoadStreamReaders(t *testing.T) {
	const table = `Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }]
      KeySchema: [{ AttributeName: pk, KeyType: HASH }]
      StreamSpecification: { StreamViewType: NEW_IMAGE }
`
	reader := func(name string) string {
		return `  ` + name + `:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      CodeUri: .
      Events:
        Stream:
          Type: DynamoDB
          Properties: { Stream: !GetAtt Table.StreamArn, StartingPosition: LATEST }
`
	}
	tests := []struct {
		name    string
		readers []string
		wantErr string
	}{
		{"two readers", []string{"OneFunction", "TwoFunction"}, ""},
		{"three readers", []string{"OneFunction", "TwoFunction", "ThreeFunction"},
			"the stream of table parley-local-Table has 3 readers (OneFunction.Stream, ThreeFunction.Stream, TwoFunction.Stream); DynamoDB Streams serve at most 2 per shard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := table
			for _, r := range tt.readers {
				body += reader(r)
			}
			path := filepath.Join(t.TempDir(), "template.yaml")
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			m, err := Load(path, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(m.EventSourceMappings) != len(tt.readers) {
				t.Errorf("%d mappings, want %d", len(m.EventSourceMappings), len(tt.readers))
			}
		})
	}
}
