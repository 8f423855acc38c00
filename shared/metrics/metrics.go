// Package metrics records counts as CloudWatch embedded metric format
// (EMF) lines in the function's log: CloudWatch Logs turns each line into
// metric values, so a count costs no API call and no time on the request.
package metrics

import (
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"
)

// The counts Parley records (template.yaml's dashboard shows each).
const (
	ConversationsCreated = "ConversationsCreated"
	ConversationsClosed  = "ConversationsClosed"
	MessagesCreated      = "MessagesCreated"
	// PushesGone counts pushes API Gateway answered 410 Gone: the
	// connection was closed without its $disconnect reaching us.
	PushesGone = "PushesGone"
)

// Names lists every count Parley records.
func Names() []string {
	return []string{ConversationsCreated, ConversationsClosed, MessagesCreated, PushesGone}
}

// Recorder writes counts to a log in one namespace.
type Recorder struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	now       func() time.Time
}

// New returns a Recorder writing to w (the function's stdout). An empty
// namespace records nothing.
func New(w io.Writer, namespace string) *Recorder {
	return &Recorder{w: w, namespace: namespace, now: time.Now}
}

type metricDef struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type directive struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []metricDef `json:"Metrics"`
}

// Count records the counts in one log line; zero counts are left out.
func (r *Recorder) Count(counts map[string]int) {
	if r == nil || r.namespace == "" {
		return
	}
	names := make([]string, 0, len(counts))
	for n, v := range counts {
		if v != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return
	}
	sort.Strings(names)
	line := map[string]any{}
	d := directive{Namespace: r.namespace, Dimensions: [][]string{{}}}
	for _, n := range names {
		d.Metrics = append(d.Metrics, metricDef{Name: n, Unit: "Count"})
		line[n] = counts[n]
	}
	line["_aws"] = map[string]any{"Timestamp": r.now().UnixMilli(), "CloudWatchMetrics": []directive{d}}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _ = r.w.Write(append(b, '\n'))
}

var (
	stdMu sync.RWMutex
	std   *Recorder
)

// SetDefault makes r the recorder Count uses (setup does it at init).
func SetDefault(r *Recorder) {
	stdMu.Lock()
	defer stdMu.Unlock()
	std = r
}

// Count records counts with the default recorder; before SetDefault it
// records nothing.
func Count(counts map[string]int) {
	stdMu.RLock()
	r := std
	stdMu.RUnlock()
	r.Count(counts)
}
