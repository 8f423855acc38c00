package eventpattern_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/infra/localcloud/eventpattern"
)

// ec2Event is the example event of the EventBridge user guide's event
// pattern pages, with the detail fields the content filtering examples use.
const ec2Event = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "111122223333",
  "time": "2017-12-22T18:43:48Z",
  "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {
    "instance-id": "i-1234567890abcdef0",
    "state": "terminated",
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.123",
    "filename": "dir/image.png",
    "location": null,
    "eventName": "terminateInstances"
  }
}`

func TestDocumentedExamples(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"exact source", `{"source":["aws.ec2"]}`, true},
		{"exact source, other value", `{"source":["aws.s3"]}`, false},
		{"list of values is OR", `{"source":["aws.s3","aws.ec2"]}`, true},
		{"several fields are AND", `{"source":["aws.ec2"],"detail-type":["Something else"]}`, false},
		{"nested field", `{"detail":{"state":["terminated"]}}`, true},
		{"nested field, other value", `{"detail":{"state":["running"]}}`, false},
		{"nested field that is absent", `{"detail":{"nope":["x"]}}`, false},
		{"value inside an event array", `{"resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]}`, true},
		{"prefix", `{"time":[{"prefix":"2017-12-22"}]}`, true},
		{"prefix, no match", `{"time":[{"prefix":"2018"}]}`, false},
		{"prefix ignoring case", `{"detail":{"eventName":[{"prefix":{"equals-ignore-case":"TERMINATE"}}]}}`, true},
		{"suffix", `{"detail":{"filename":[{"suffix":".png"}]}}`, true},
		{"suffix, no match", `{"detail":{"filename":[{"suffix":".jpg"}]}}`, false},
		{"equals-ignore-case", `{"detail-type":[{"equals-ignore-case":"ec2 instance state-change notification"}]}`, true},
		{"wildcard", `{"detail":{"filename":[{"wildcard":"dir/*.png"}]}}`, true},
		{"wildcard, no match", `{"detail":{"filename":[{"wildcard":"other/*.png"}]}}`, false},
		{"anything-but a value", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, true},
		{"anything-but the value", `{"detail":{"state":[{"anything-but":"terminated"}]}}`, false},
		{"anything-but a list", `{"detail":{"state":[{"anything-but":["stopped","overloaded"]}]}}`, true},
		{"anything-but a list holding it", `{"detail":{"state":[{"anything-but":["stopped","terminated"]}]}}`, false},
		{"anything-but a prefix", `{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}`, true},
		{"anything-but a matching prefix", `{"detail":{"state":[{"anything-but":{"prefix":"term"}}]}}`, false},
		{"anything-but a suffix", `{"detail":{"filename":[{"anything-but":{"suffix":".txt"}}]}}`, true},
		{"anything-but needs the field", `{"detail":{"nope":[{"anything-but":"x"}]}}`, false},
		{"anything-but a number", `{"detail":{"c-count":[{"anything-but":5}]}}`, false},
		{"numeric range", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}`, true},
		{"numeric out of range", `{"detail":{"c-count":[{"numeric":[">",5]}]}}`, false},
		{"numeric on a string", `{"detail":{"state":[{"numeric":[">",0]}]}}`, false},
		{"exact number matches by value", `{"detail":{"x-limit":[301.80]}}`, true},
		{"exists true", `{"detail":{"state":[{"exists":true}]}}`, true},
		{"exists true, absent", `{"detail":{"nope":[{"exists":true}]}}`, false},
		{"exists false", `{"detail":{"nope":[{"exists":false}]}}`, true},
		{"exists false, present", `{"detail":{"state":[{"exists":false}]}}`, false},
		{"exists false below a missing object", `{"missing":{"field":[{"exists":false}]}}`, true},
		{"exists matches leaves only", `{"detail":[{"exists":true}]}`, false},
		{"null value", `{"detail":{"location":[null]}}`, true},
		{"null does not match absent", `{"detail":{"nope":[null]}}`, false},
		{"$or", `{"source":["aws.ec2"],"$or":[{"detail":{"c-count":[{"numeric":[">",10]}]}},{"detail":{"d-count":[3]}}]}`, true},
		{"$or, no branch", `{"$or":[{"detail":{"c-count":[1]}},{"detail":{"d-count":[1]}}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := eventpattern.Parse([]byte(tt.pattern))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := p.Match([]byte(ec2Event))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestStreamFilter is the event publisher's FilterCriteria against the
// DynamoDB stream records it must keep and drop.
func TestStreamFilter(t *testing.T) {
	p := eventpattern.MustParse(`{"eventName":["INSERT"],"dynamodb":{"Keys":{"sk":{"S":[{"prefix":"MSG#"}]}}}}`)
	rec := func(name, sk string) string {
		return `{"eventName":"` + name + `","dynamodb":{"Keys":{"pk":{"S":"CONV#1"},"sk":{"S":"` + sk + `"}}}}`
	}
	tests := []struct {
		record string
		want   bool
	}{
		{rec("INSERT", "MSG#000000000001"), true},
		{rec("MODIFY", "MSG#000000000001"), false},
		{rec("INSERT", "META"), false},
		{rec("REMOVE", "CONN#abc"), false},
	}
	for _, tt := range tests {
		if got, _ := p.Match([]byte(tt.record)); got != tt.want {
			t.Errorf("%s: match = %v, want %v", tt.record, got, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{`["aws.ec2"]`, "must be a JSON object"},
		{`{"source":"aws.ec2"}`, "must be in a list"},
		{`{"source":[]}`, "empty list"},
		{`{"source":[{"prefix":1}]}`, "malformed prefix"},
		{`{"source":[{"regex":"a.*"}]}`, `unknown filter "regex"`},
		{`{"n":[{"numeric":[">"]}]}`, "numeric takes"},
		{`{"$or":[{"a":["b"]}]}`, "at least two"},
		{`{"source":`, "not JSON"},
	}
	for _, tt := range tests {
		_, err := eventpattern.Parse([]byte(tt.pattern))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s) = %v, want an error saying %q", tt.pattern, err, tt.want)
		}
	}
}
