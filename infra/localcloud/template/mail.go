package template

import (
	"fmt"
	"slices"
)

// Mail is what the local cloud needs to emulate SES and S3 for the
// template: its buckets, its receipt rules and who hears about bounces.
type Mail struct {
	Buckets []string // physical bucket names
	// BucketConfigs holds the lifecycle and CORS rules of the buckets
	// that have any, by physical name.
	BucketConfigs map[string]BucketConfig
	ReceiptRules  []ReceiptRule
	// Feedback lists the functions that receive a configuration set's
	// events (through an SNS topic the function subscribes to).
	Feedback []FeedbackRoute
	// EventRules are EventBridge rules of functions (SAM EventBridgeRule
	// events), for consumers of domain events.
	EventRules []EventRule
	// MalwareScans are the buckets GuardDuty Malware Protection plans
	// scan (AWS::GuardDuty::MalwareProtectionPlan).
	MalwareScans []MalwareScan
}

// MalwareScan is a GuardDuty Malware Protection plan: the objects created
// in Bucket under one of Prefixes (every object when empty) are scanned,
// and with Tagging get the GuardDutyMalwareScanStatus tag.
type MalwareScan struct {
	Bucket   string
	Prefixes []string
	Tagging  bool
}

// ReceiptRule is an AWS::SES::ReceiptRule with an S3 action followed by a
// Lambda action.
type ReceiptRule struct {
	Name       string
	Recipients []string // domains or addresses; empty means every recipient
	Bucket     string
	Prefix     string
	Function   string // logical id
}

// FeedbackRoute is a configuration set event destination reaching a
// function through SNS.
type FeedbackRoute struct {
	ConfigurationSet string
	EventTypes       []string // bounce, complaint, …
	TopicARN         string
	Function         string // logical id
}

// EventRule is a function's EventBridgeRule event.
type EventRule struct {
	Function    string
	EventBus    string
	Source      []string
	DetailTypes []string
}

// deriveMail reads the mail resources from the resolved document.
func deriveMail(m *Model, doc map[string]any, r *resolver) error {
	res := asMap(doc["Resources"])
	byARN := map[string]string{}
	for id, f := range m.Functions {
		byARN[f.ARN] = id
	}
	mail := &Mail{}
	topicSubscribers := map[string][]string{} // topic ARN -> functions
	for _, id := range sortedKeys(res) {
		rsc := asMap(res[id])
		typ, _ := rsc["Type"].(string)
		props := asMap(rsc["Properties"])
		switch typ {
		case "AWS::S3::Bucket":
			name, err := r.physicalID(id, id)
			if err != nil {
				return err
			}
			mail.Buckets = append(mail.Buckets, name)
			cfg, err := bucketConfig(id, props)
			if err != nil {
				return err
			}
			if len(cfg.Expiration) > 0 || len(cfg.CORS) > 0 {
				if mail.BucketConfigs == nil {
					mail.BucketConfigs = map[string]BucketConfig{}
				}
				mail.BucketConfigs[name] = cfg
			}
		case "AWS::Serverless::Function":
			events := asMap(props["Events"])
			for _, en := range sortedKeys(events) {
				ev := asMap(events[en])
				p := asMap(ev["Properties"])
				switch ev["Type"] {
				case "SNS":
					if t, ok := p["Topic"].(string); ok {
						topicSubscribers[t] = append(topicSubscribers[t], id)
					}
				case "EventBridgeRule":
					pat := asMap(p["Pattern"])
					bus, _ := p["EventBusName"].(string)
					mail.EventRules = append(mail.EventRules, EventRule{
						Function: id, EventBus: bus, Source: stringList(pat["source"]), DetailTypes: stringList(pat["detail-type"]),
					})
				}
			}
		}
	}
	for _, id := range sortedKeys(res) {
		rsc := asMap(res[id])
		props := asMap(rsc["Properties"])
		switch rsc["Type"] {
		case "AWS::SES::ReceiptRule":
			rule := asMap(props["Rule"])
			rr := ReceiptRule{Recipients: stringList(rule["Recipients"])}
			rr.Name, _ = rule["Name"].(string)
			for _, a := range listOf(rule["Actions"]) {
				act := asMap(a)
				if s3a := asMap(act["S3Action"]); len(s3a) > 0 {
					rr.Bucket, _ = s3a["BucketName"].(string)
					rr.Prefix, _ = s3a["ObjectKeyPrefix"].(string)
				}
				if la := asMap(act["LambdaAction"]); len(la) > 0 {
					arn, _ := la["FunctionArn"].(string)
					fn, ok := byARN[arn]
					if !ok {
						return fmt.Errorf("receipt rule %s: FunctionArn %q is not a function of this template", id, arn)
					}
					rr.Function = fn
				}
			}
			if rr.Function == "" || rr.Bucket == "" {
				return fmt.Errorf("receipt rule %s: the local cloud needs an S3 action and a Lambda action", id)
			}
			mail.ReceiptRules = append(mail.ReceiptRules, rr)
		case "AWS::GuardDuty::MalwareProtectionPlan":
			b := asMap(asMap(props["ProtectedResource"])["S3Bucket"])
			scan := MalwareScan{Prefixes: stringList(b["ObjectPrefixes"])}
			scan.Bucket, _ = b["BucketName"].(string)
			if !slices.Contains(mail.Buckets, scan.Bucket) {
				return fmt.Errorf("malware protection plan %s: bucket %q is not a bucket of this template", id, scan.Bucket)
			}
			status, _ := asMap(asMap(props["Actions"])["Tagging"])["Status"].(string)
			scan.Tagging = status == "ENABLED"
			mail.MalwareScans = append(mail.MalwareScans, scan)
		case "AWS::SES::ConfigurationSetEventDestination":
			dest := asMap(props["EventDestination"])
			topic, _ := asMap(dest["SnsDestination"])["TopicARN"].(string)
			set, _ := props["ConfigurationSetName"].(string)
			for _, fn := range topicSubscribers[topic] {
				mail.Feedback = append(mail.Feedback, FeedbackRoute{
					ConfigurationSet: set, EventTypes: stringList(dest["MatchingEventTypes"]), TopicARN: topic, Function: fn,
				})
			}
		}
	}
	slices.Sort(mail.Buckets)
	m.Mail = mail
	return nil
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func stringList(v any) []string {
	var out []string
	for _, e := range listOf(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	if s, ok := v.(string); ok {
		out = append(out, s)
	}
	return out
}
