package template

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// deriveEvents reads buses, rules, schedules and stream mappings from the
// resolved document. goformation's typed SAM events lag behind SAM (no
// ScheduleV2, no FilterCriteria), so these come from the plain document.
func deriveEvents(m *Model, doc map[string]any, r *resolver) error {
	resources := asMap(doc["Resources"])
	byARN := map[string]string{}
	for id, f := range m.Functions {
		byARN[f.ARN] = id
	}
	busName := func(v any) string {
		s, _ := v.(string)
		return eventBusName(s)
	}
	for _, id := range sortedKeys(resources) {
		res := asMap(resources[id])
		props := asMap(res["Properties"])
		switch res["Type"] {
		case "AWS::Events::EventBus":
			name, err := r.physicalID(id, id)
			if err != nil {
				return err
			}
			m.EventBuses = append(m.EventBuses, &EventBus{LogicalID: id, Name: name,
				ARN: fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", r.opts.Region, r.opts.AccountID, name)})
		case "AWS::Events::Rule":
			name, err := r.physicalID(id, id)
			if err != nil {
				return err
			}
			rule := &Rule{Source: id, Name: name, Bus: busName(props["EventBusName"]), Enabled: props["State"] != "DISABLED"}
			if err := ruleTrigger(rule, props["EventPattern"], props["ScheduleExpression"]); err != nil {
				return fmt.Errorf("rule %s: %w", id, err)
			}
			for i, raw := range asList(props["Targets"]) {
				t := asMap(raw)
				arn, _ := t["Arn"].(string)
				fn, ok := byARN[lambdaARNOf(arn)]
				if !ok {
					return fmt.Errorf("rule %s: target %d: %q is not a function of this template (the local cloud delivers to functions only)", id, i, arn)
				}
				tgt := Target{Function: fn}
				tgt.ID, _ = t["Id"].(string)
				tgt.Input, _ = t["Input"].(string)
				retryPolicy(&tgt, t["RetryPolicy"], t["DeadLetterConfig"])
				rule.Targets = append(rule.Targets, tgt)
			}
			m.Rules = append(m.Rules, rule)
		}
	}
	for _, fid := range sortedKeys(m.Functions) {
		events := asMap(asMap(asMap(resources[fid])["Properties"])["Events"])
		for _, ename := range sortedKeys(events) {
			ev := asMap(events[ename])
			p := asMap(ev["Properties"])
			where := fid + "." + ename
			typ, _ := ev["Type"].(string)
			switch typ {
			case "EventBridgeRule", "Schedule", "ScheduleV2":
				name, _ := p["RuleName"].(string)
				if name == "" {
					name, _ = p["Name"].(string)
				}
				name = samRuleName(r.opts.StackName, fid, ename, name)
				rule := &Rule{Source: where, Name: name, Bus: busName(p["EventBusName"]), Enabled: enabled(p)}
				var err error
				switch typ {
				case "EventBridgeRule":
					err = ruleTrigger(rule, p["Pattern"], nil)
				case "Schedule":
					err = ruleTrigger(rule, nil, p["Schedule"])
				default:
					rule.Scheduler = true
					err = ruleTrigger(rule, nil, p["ScheduleExpression"])
				}
				if err != nil {
					return fmt.Errorf("function %s event %s: %w", fid, ename, err)
				}
				tgt := Target{ID: fid, Function: fid}
				if t := asMap(p["Target"]); t["Id"] != nil {
					tgt.ID, _ = t["Id"].(string)
				}
				tgt.Input, _ = p["Input"].(string)
				retryPolicy(&tgt, p["RetryPolicy"], p["DeadLetterConfig"])
				rule.Targets = []Target{tgt}
				m.Rules = append(m.Rules, rule)
			case "DynamoDB":
				esm, err := streamMapping(m, fid, where, p)
				if err != nil {
					return fmt.Errorf("function %s event %s: %w", fid, ename, err)
				}
				m.EventSourceMappings = append(m.EventSourceMappings, esm)
			}
		}
	}
	if err := streamReaders(m.EventSourceMappings); err != nil {
		return err
	}
	for _, rule := range m.Rules {
		rule.ARN = ruleARN(r.opts.Region, r.opts.AccountID, rule.Bus, rule.Name)
		if rule.Bus != DefaultBus {
			if !slices.ContainsFunc(m.EventBuses, func(b *EventBus) bool { return b.Name == rule.Bus }) {
				return fmt.Errorf("rule %s: event bus %q is not defined in the template", rule.Source, rule.Bus)
			}
		}
	}
	return nil
}

func enabled(p map[string]any) bool {
	if e, ok := p["Enabled"].(bool); ok {
		return e
	}
	return p["State"] != "DISABLED"
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// ruleTrigger sets a rule's pattern or schedule; exactly one is allowed.
func ruleTrigger(rule *Rule, pattern, schedule any) error {
	switch {
	case pattern != nil && schedule != nil:
		return fmt.Errorf("has both an event pattern and a schedule expression")
	case pattern != nil:
		var raw []byte
		if s, ok := pattern.(string); ok {
			raw = []byte(s)
		} else {
			var err error
			if raw, err = json.Marshal(pattern); err != nil {
				return fmt.Errorf("event pattern: %w", err)
			}
		}
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("event pattern is not a JSON object: %w", err)
		}
		rule.Pattern = raw
	case schedule != nil:
		expr, _ := schedule.(string)
		d, err := ParseRate(expr)
		if err != nil {
			return err
		}
		rule.Schedule, rule.Expression = d, expr
	default:
		return fmt.Errorf("has neither an event pattern nor a schedule expression")
	}
	return nil
}

var rateExpr = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// ParseRate reads an EventBridge rate expression: rate(1 minute),
// rate(5 minutes), rate(1 hour), … The singular unit goes with 1 only.
func ParseRate(expr string) (time.Duration, error) {
	if strings.HasPrefix(expr, "cron(") || strings.HasPrefix(expr, "at(") {
		return 0, fmt.Errorf("schedule %q: the local cloud runs rate expressions only", expr)
	}
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("schedule %q is not a rate expression such as rate(5 minutes)", expr)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("schedule %q: the value must be a positive whole number", expr)
	}
	if (n == 1) != !strings.HasSuffix(m[2], "s") {
		return 0, fmt.Errorf("schedule %q: use %q with 1 and the plural otherwise", expr, strings.TrimSuffix(m[2], "s"))
	}
	unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(m[2], "s")]
	return time.Duration(n) * unit, nil
}

func retryPolicy(t *Target, policy, dlq any) {
	t.MaxRetries, t.MaxEventAge = 185, 24*time.Hour
	p := asMap(policy)
	if n, ok := number(p["MaximumRetryAttempts"]); ok {
		t.MaxRetries = n
	}
	if n, ok := number(p["MaximumEventAgeInSeconds"]); ok {
		t.MaxEventAge = time.Duration(n) * time.Second
	}
	t.DeadLetterARN, _ = asMap(dlq)["Arn"].(string)
}

func number(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case float64:
		return int(n), true
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, false
}

// MaxStreamReaders is how many event source mappings may read one
// DynamoDB stream: DynamoDB Streams serve at most two readers per shard at
// once, and a third throttles them all (AWS's DynamoDB Streams and Lambda
// guide). A further consumer subscribes to the event bus instead.
const MaxStreamReaders = 2

// streamReaders refuses a stream with more readers than DynamoDB serves.
func streamReaders(esms []*EventSourceMapping) error {
	readers := map[string][]string{}
	for _, e := range esms {
		readers[e.Table] = append(readers[e.Table], e.Source)
	}
	for _, table := range sortedKeys(readers) {
		if rs := readers[table]; len(rs) > MaxStreamReaders {
			return fmt.Errorf("the stream of table %s has %d readers (%s); DynamoDB Streams serve at most %d per shard: subscribe the others to the event bus",
				table, len(rs), strings.Join(rs, ", "), MaxStreamReaders)
		}
	}
	return nil
}

func streamMapping(m *Model, fid, where string, p map[string]any) (*EventSourceMapping, error) {
	arn, _ := p["Stream"].(string)
	var table string
	for _, t := range m.Tables {
		if t.StreamARN != "" && t.StreamARN == arn {
			table = t.Name
		}
	}
	if table == "" {
		return nil, fmt.Errorf("stream %q is not the stream of a table of this template", arn)
	}
	esm := &EventSourceMapping{Source: where, Function: fid, StreamARN: arn, Table: table, BatchSize: 100, MaxRetries: -1, Enabled: enabled(p)}
	esm.StartingPosition, _ = p["StartingPosition"].(string)
	if n, ok := number(p["BatchSize"]); ok {
		esm.BatchSize = n
	}
	if n, ok := number(p["MaximumBatchingWindowInSeconds"]); ok {
		esm.BatchingWindow = time.Duration(n) * time.Second
	}
	if n, ok := number(p["MaximumRetryAttempts"]); ok {
		esm.MaxRetries = n
	}
	esm.BisectOnError, _ = p["BisectBatchOnFunctionError"].(bool)
	for _, t := range asList(p["FunctionResponseTypes"]) {
		esm.ReportBatchItemFailures = esm.ReportBatchItemFailures || t == "ReportBatchItemFailures"
	}
	for i, f := range asList(asMap(p["FilterCriteria"])["Filters"]) {
		pat, _ := asMap(f)["Pattern"].(string)
		var obj map[string]any
		if err := json.Unmarshal([]byte(pat), &obj); err != nil {
			return nil, fmt.Errorf("FilterCriteria.Filters[%d].Pattern is not a JSON object: %w", i, err)
		}
		esm.Filters = append(esm.Filters, json.RawMessage(pat))
	}
	esm.OnFailureARN, _ = asMap(asMap(p["DestinationConfig"])["OnFailure"])["Destination"].(string)
	return esm, nil
}
