package template

import (
	"strings"
	"testing"
)

// The rules SAM generates for a function's events can be referred to by
// <function><event>: Ref gives the rule's name, Fn::GetAtt Arn the ARN the
// rule itself gets (with its bus when not the default one).
func TestGeneratedRuleReferences(t *testing.T) {
	const head = `
Transform: AWS::Serverless-2016-10-31
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
      Environment:
        Variables:
          VALUE: `
	const events = `
      Events:
        Tick:
          Type: Schedule
          Properties: { Schedule: rate(1 minute) }
        Named:
          Type: Schedule
          Properties: { Schedule: rate(1 hour), Name: hourly }
        Closed:
          Type: EventBridgeRule
          Properties: { EventBusName: !Ref Bus, Pattern: { source: [x] } }
`
	tests := []struct {
		expr, want, wantErr string
	}{
		{expr: `!Ref FnTick`, want: "parley-local-FnTick"},
		{expr: `!GetAtt FnTick.Arn`, want: "arn:aws:events:us-east-1:000000000000:rule/parley-local-FnTick"},
		{expr: `!Sub "${FnNamed.Arn}"`, want: "arn:aws:events:us-east-1:000000000000:rule/hourly"},
		{expr: `!GetAtt FnClosed.Arn`, want: "arn:aws:events:us-east-1:000000000000:rule/chat/parley-local-FnClosed"},
		{expr: `!GetAtt FnClosed.Name`, wantErr: "a rule SAM generates has Arn only"},
		{expr: `!GetAtt FnOther.Arn`, wantErr: "Fn::GetAtt to FnOther: no such parameter or resource"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			m, err := Load(writeTemplate(t, head+tt.expr+events), Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Functions["Fn"].Env["VALUE"]; got != tt.want {
				t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
			}
			// The same rule the local cloud runs.
			found := false
			for _, r := range m.Rules {
				found = found || r.ARN == tt.want || r.Name == tt.want
			}
			if !found {
				t.Errorf("%s = %q names none of the rules %v", tt.expr, tt.want, m.Rules)
			}
		})
	}
}
