package template

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// AsyncConfig is what Lambda does with a function's asynchronous
// invocations (EventBridge targets, SES receipt rules, SNS, CloudFormation
// custom resources): it retries a failed one, then sends it on.
type AsyncConfig struct {
	// MaxRetries is EventInvokeConfig.MaximumRetryAttempts (Lambda's
	// default 2); MaxEventAge its MaximumEventAgeInSeconds (default 6 h).
	MaxRetries  int
	MaxEventAge time.Duration
	// DeadLetterARN is the function's DeadLetterQueue (an SQS queue);
	// OnFailureARN its EventInvokeConfig's on-failure destination. ""
	// for none: the event is dropped.
	DeadLetterARN string
	OnFailureARN  string
}

// Lambda's defaults for asynchronous invocations.
const (
	defaultAsyncRetries = 2
	defaultAsyncMaxAge  = 6 * time.Hour
)

// Queue is an AWS::SQS::Queue.
type Queue struct {
	LogicalID string
	Name      string
	URL       string // what Ref gives
	ARN       string
	// Retention is MessageRetentionPeriod (SQS's default 4 days);
	// VisibilityTimeout its VisibilityTimeout (default 30 s).
	Retention         time.Duration
	VisibilityTimeout time.Duration
}

// The kinds of dead-letter queue: who sends to it, and so what its
// messages hold.
const (
	// DLQLambda: Lambda, for an asynchronous invocation that failed every
	// attempt. The message is the event; its attributes RequestID,
	// ErrorCode and ErrorMessage say what failed.
	DLQLambda = "lambda"
	// DLQRule: EventBridge, for an event it could not hand to a rule's
	// target. The message is the event; its attributes name the rule and
	// the target (RULE_ARN, TARGET_ARN) and the error.
	DLQRule = "rule"
	// DLQStream: Lambda, for a stream batch it gave up on. The message
	// says where the batch is in the stream (DDBStreamBatchInfo), not what
	// it held.
	DLQStream = "stream"
)

// DeadLetterQueue is a queue receiving one function's failed work.
type DeadLetterQueue struct {
	Queue    string // the queue's logical id
	Function string // logical id of the function the work was for
	Kind     string // DLQLambda, DLQRule or DLQStream
	Source   string // the function, rule or event source mapping that sends to it
}

// deriveQueues reads the queues and wires each function's dead letters:
// its own asynchronous invocation config, its rules' targets and its
// stream mappings. Every dead-letter ARN must be a queue of the template.
func deriveQueues(m *Model, doc map[string]any, r *resolver) error {
	resources := asMap(doc["Resources"])
	byARN := map[string]*Queue{}
	for _, id := range sortedKeys(resources) {
		res := asMap(resources[id])
		if res["Type"] != "AWS::SQS::Queue" {
			continue
		}
		url, err := r.physicalID(id, id)
		if err != nil {
			return err
		}
		q := &Queue{LogicalID: id, URL: url, Name: url[strings.LastIndex(url, "/")+1:],
			Retention: 4 * 24 * time.Hour, VisibilityTimeout: 30 * time.Second}
		q.ARN = fmt.Sprintf("arn:aws:sqs:%s:%s:%s", r.opts.Region, r.opts.AccountID, q.Name)
		props := asMap(res["Properties"])
		if n, ok := number(props["MessageRetentionPeriod"]); ok {
			q.Retention = time.Duration(n) * time.Second
		}
		if n, ok := number(props["VisibilityTimeout"]); ok {
			q.VisibilityTimeout = time.Duration(n) * time.Second
		}
		m.Queues = append(m.Queues, q)
		byARN[q.ARN] = q
	}
	add := func(arn, fn, kind, source string) error {
		if arn == "" {
			return nil
		}
		q, ok := byARN[arn]
		if !ok {
			return fmt.Errorf("%s: dead-letter queue %q is not a queue of this template", source, arn)
		}
		m.DeadLetterQueues = append(m.DeadLetterQueues, DeadLetterQueue{Queue: q.LogicalID, Function: fn, Kind: kind, Source: source})
		return nil
	}
	for _, id := range sortedKeys(m.Functions) {
		f := m.Functions[id]
		props := asMap(asMap(resources[id])["Properties"])
		f.Async = AsyncConfig{MaxRetries: defaultAsyncRetries, MaxEventAge: defaultAsyncMaxAge}
		if dlq := asMap(props["DeadLetterQueue"]); dlq != nil {
			if dlq["Type"] != "SQS" {
				return fmt.Errorf("function %s: DeadLetterQueue of Type %v: the local cloud keeps dead letters in SQS queues only", id, dlq["Type"])
			}
			f.Async.DeadLetterARN = asString(dlq["TargetArn"])
		}
		cfg := asMap(props["EventInvokeConfig"])
		if n, ok := number(cfg["MaximumRetryAttempts"]); ok {
			f.Async.MaxRetries = n
		}
		if n, ok := number(cfg["MaximumEventAgeInSeconds"]); ok {
			f.Async.MaxEventAge = time.Duration(n) * time.Second
		}
		if of := asMap(asMap(cfg["DestinationConfig"])["OnFailure"]); of != nil {
			if of["Type"] != "SQS" {
				return fmt.Errorf("function %s: on-failure destination of Type %v: the local cloud sends to SQS queues only", id, of["Type"])
			}
			f.Async.OnFailureARN = asString(of["Destination"])
		}
		if err := add(f.Async.DeadLetterARN, id, DLQLambda, id); err != nil {
			return err
		}
		if err := add(f.Async.OnFailureARN, id, DLQLambda, id); err != nil {
			return err
		}
	}
	for _, rule := range m.Rules {
		for _, t := range rule.Targets {
			if err := add(t.DeadLetterARN, t.Function, DLQRule, rule.Source); err != nil {
				return err
			}
		}
	}
	for _, esm := range m.EventSourceMappings {
		if err := add(esm.OnFailureARN, esm.Function, DLQStream, esm.Source); err != nil {
			return err
		}
	}
	sort.SliceStable(m.DeadLetterQueues, func(i, j int) bool { return m.DeadLetterQueues[i].Queue < m.DeadLetterQueues[j].Queue })
	return nil
}

// Queue returns the queue with the logical id or ARN, or nil.
func (m *Model) Queue(idOrARN string) *Queue {
	for _, q := range m.Queues {
		if q.LogicalID == idOrARN || q.ARN == idOrARN {
			return q
		}
	}
	return nil
}
