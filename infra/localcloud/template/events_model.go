package template

import (
	"encoding/json"
	"time"
)

// DefaultBus is the account's default event bus, where scheduled rules
// live.
const DefaultBus = "default"

// EventBus is an AWS::Events::EventBus.
type EventBus struct {
	LogicalID string
	Name      string
	ARN       string
}

// Rule is an EventBridge rule: an AWS::Events::Rule, or one SAM creates for
// a function's EventBridgeRule, Schedule or ScheduleV2 event. A rule has a
// Pattern (matched against events put on Bus) or a Schedule (it fires every
// Schedule on its own).
type Rule struct {
	// Source is where the template defines it: the rule's logical id, or
	// <function logical id>.<event name>.
	Source  string
	Name    string
	ARN     string
	Bus     string          // bus name
	Pattern json.RawMessage // nil for scheduled rules
	// Schedule is the rate of a scheduled rule (rate expressions only).
	Schedule   time.Duration
	Expression string // the ScheduleExpression as written
	Enabled    bool
	// Scheduler is true for ScheduleV2 (EventBridge Scheduler): the target
	// receives Input (or {}) instead of a "Scheduled Event".
	Scheduler bool
	Targets   []Target
}

// Target is a function a rule invokes.
type Target struct {
	ID       string
	Function string // logical id
	// Input replaces the event when set (a JSON text).
	Input string
	// MaxRetries and MaxEventAge are the target's RetryPolicy (EventBridge
	// defaults: 185 and 24 hours).
	MaxRetries  int
	MaxEventAge time.Duration
	// DeadLetterARN is the queue undeliverable events go to; "" for none.
	DeadLetterARN string
}

// EventSourceMapping is a function's DynamoDB stream trigger (a SAM
// DynamoDB event).
type EventSourceMapping struct {
	Source           string // <function logical id>.<event name>
	Function         string // logical id
	StreamARN        string
	Table            string // physical table name the stream belongs to
	StartingPosition string
	BatchSize        int // default 100
	// BatchingWindow is how long records wait for more to fill a batch
	// (MaximumBatchingWindowInSeconds); zero invokes at once.
	BatchingWindow time.Duration
	// MaxRetries of a failing batch; -1 retries until the records expire.
	MaxRetries              int
	BisectOnError           bool
	ReportBatchItemFailures bool
	// Filters are the FilterCriteria patterns; a record is delivered when
	// any matches (all records when there are none).
	Filters      []json.RawMessage
	OnFailureARN string
	Enabled      bool
}
