package redrive

import (
	"fmt"
	"slices"
	"strings"

	"github.com/parleychat/parley/infra/localcloud/template"
)

// Target is a dead-letter queue of the template and how its messages
// replay. Its Options lack the physical names (QueueURL, Function), which
// the caller finds for the deployment.
type Target struct {
	Queue    string // the queue's logical id
	Function string // logical id of the function its messages failed in
	Kinds    string // who sends to it: lambda, rule, stream
	Options  Options
}

// Queues lists the template's dead-letter queues.
func Queues(m *template.Model) []Target {
	var out []Target
	for _, d := range m.DeadLetterQueues {
		if i := slices.IndexFunc(out, func(t Target) bool { return t.Queue == d.Queue }); i >= 0 {
			out[i].Kinds += ", " + d.Kind
			continue
		}
		t := Target{Queue: d.Queue, Function: d.Function, Kinds: d.Kind}
		for _, esm := range m.EventSourceMappings {
			if esm.Function == d.Function && d.Kind == template.DLQStream {
				t.Options.StreamFilters, t.Options.BatchSize = esm.Filters, esm.BatchSize
			}
		}
		out = append(out, t)
	}
	return out
}

// For returns the template's dead-letter queue with the logical id.
func For(m *template.Model, queue string) (Target, error) {
	var names []string
	for _, t := range Queues(m) {
		if t.Queue == queue {
			for _, d := range m.DeadLetterQueues {
				if d.Queue == queue && d.Function != t.Function {
					return Target{}, fmt.Errorf("%s receives the failures of %s and %s: replay needs one function", queue, t.Function, d.Function)
				}
			}
			return t, nil
		}
		names = append(names, t.Queue)
	}
	return Target{}, fmt.Errorf("%s is not a dead-letter queue of the template (%s)", queue, strings.Join(names, ", "))
}
