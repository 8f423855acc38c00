package template

import (
	"os"
	"testing"
)

// Nothing invoked asynchronously fails silently: every rule target has a
// dead-letter queue that EventBridge may send to (a queue policy for
// events.amazonaws.com naming that rule: SAM adds none), every function
// invoked asynchronously (rule targets, the SES receipt rule, SNS) has a
// dead-letter queue of the template for the events it failed, and the
// stream consumer may send to its on-failure destination.
func TestTemplateDeadLetters(t *testing.T) {
	doc, m := resolvedRealTemplate(t)
	resources := asMap(doc["Resources"])
	raw, err := os.ReadFile(realTemplate)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := decodeYAML(raw)
	if err != nil {
		t.Fatal(err)
	}
	r, err := newResolver(tpl.(map[string]any), Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	queueARNs := map[string]string{} // queue URL (what Ref gives) -> ARN
	for id := range resourcesOfType(doc, "AWS::SQS::Queue") {
		url, err := r.ref(id, id)
		if err != nil {
			t.Fatal(err)
		}
		arn, err := r.getAtt(id, "Arn", id)
		if err != nil {
			t.Fatal(err)
		}
		queueARNs[url.(string)] = arn.(string)
	}
	isQueue := map[string]bool{}
	for _, arn := range queueARNs {
		isQueue[arn] = true
	}
	// queue ARN -> rule ARNs EventBridge may send from
	ruleMaySend := map[string]map[string]bool{}
	for id, p := range resourcesOfType(doc, "AWS::SQS::QueuePolicy") {
		for _, q := range asSlice(p["Queues"]) {
			arn := queueARNs[asString(q)]
			if arn == "" {
				t.Errorf("%s: queue %v is not a queue of the template", id, q)
			}
			for _, st := range asSlice(asMap(p["PolicyDocument"])["Statement"]) {
				s := asMap(st)
				if s["Effect"] != "Allow" || asMap(s["Principal"])["Service"] != "events.amazonaws.com" || s["Action"] != "sqs:SendMessage" || s["Resource"] != arn {
					t.Errorf("%s: statement %v; want events.amazonaws.com allowed sqs:SendMessage on %s", id, s, arn)
					continue
				}
				src := asString(asMap(asMap(s["Condition"])["ArnEquals"])["aws:SourceArn"])
				if src == "" {
					t.Errorf("%s: no aws:SourceArn condition: any rule of any account could send", id)
					continue
				}
				if ruleMaySend[arn] == nil {
					ruleMaySend[arn] = map[string]bool{}
				}
				ruleMaySend[arn][src] = true
			}
		}
	}

	async := map[string]string{} // function -> why it is invoked asynchronously
	for _, rule := range m.Rules {
		for _, tg := range rule.Targets {
			async[tg.Function] = "target of rule " + rule.Source
			switch {
			case tg.DeadLetterARN == "":
				t.Errorf("rule %s: target %s has no dead-letter queue", rule.Source, tg.ID)
			case !isQueue[tg.DeadLetterARN]:
				t.Errorf("rule %s: dead-letter queue %s is not a queue of the template", rule.Source, tg.DeadLetterARN)
			case !ruleMaySend[tg.DeadLetterARN][rule.ARN]:
				t.Errorf("rule %s: EventBridge may not send to %s: no queue policy names %s", rule.Source, tg.DeadLetterARN, rule.ARN)
			}
		}
	}
	for _, rr := range m.Mail.ReceiptRules {
		async[rr.Function] = "SES receipt rule " + rr.Name
	}
	for _, f := range m.Mail.Feedback {
		async[f.Function] = "SNS topic " + f.TopicARN
	}
	if len(async) < 4 {
		t.Errorf("asynchronously invoked functions: %v; want the sweeper, transcript, inbound mail and feedback", async)
	}
	for fid, why := range async {
		props := asMap(asMap(resources[fid])["Properties"])
		dlq := asMap(props["DeadLetterQueue"])
		onFailure := asMap(asMap(asMap(props["EventInvokeConfig"])["DestinationConfig"])["OnFailure"])
		switch {
		case dlq["Type"] == "SQS" && isQueue[asString(dlq["TargetArn"])]:
		case onFailure["Type"] == "SQS" && isQueue[asString(onFailure["Destination"])]:
		default:
			t.Errorf("%s (%s): failed invocations are dropped: no DeadLetterQueue or on-failure destination to a queue of the template (DeadLetterQueue %v)", fid, why, dlq)
		}
	}

	for _, esm := range m.EventSourceMappings {
		if !isQueue[esm.OnFailureARN] {
			t.Errorf("%s: on-failure destination %q is not a queue of the template", esm.Source, esm.OnFailureARN)
			continue
		}
		granted := false
		for _, pol := range asSlice(asMap(asMap(resources[esm.Function])["Properties"])["Policies"]) {
			for _, st := range asSlice(asMap(pol)["Statement"]) {
				s := asMap(st)
				granted = granted || (s["Action"] == "sqs:SendMessage" && s["Resource"] == esm.OnFailureARN)
			}
		}
		if !granted {
			t.Errorf("%s: %s may not send to its on-failure destination %s", esm.Source, esm.Function, esm.OnFailureARN)
		}
	}
}
