package metrics

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A line is what CloudWatch's embedded metric format asks: the values at
// the top level, each named in the _aws directive with its namespace.
func TestCountWritesEmbeddedMetrics(t *testing.T) {
	tests := []struct {
		name      string
		namespace string
		counts    map[string]int
		want      string
	}{
		{"two counts", "Parley/prod", map[string]int{MessagesCreated: 3, ConversationsCreated: 1, ConversationsClosed: 0},
			`{"ConversationsCreated":1,"MessagesCreated":3,"_aws":{"CloudWatchMetrics":[{"Namespace":"Parley/prod","Dimensions":[[]],"Metrics":[{"Name":"ConversationsCreated","Unit":"Count"},{"Name":"MessagesCreated","Unit":"Count"}]}],"Timestamp":1700000000123}}` + "\n"},
		{"only zeros", "Parley/prod", map[string]int{PushesGone: 0}, ""},
		{"no namespace", "", map[string]int{PushesGone: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := New(&out, tt.namespace)
			r.now = func() time.Time { return time.UnixMilli(1700000000123) }
			r.Count(tt.counts)
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("line (-want +got):\n%s", diff)
			}
			if out.Len() > 0 && !json.Valid(out.Bytes()) {
				t.Error("not JSON")
			}
		})
	}
}

func TestDefaultRecorder(t *testing.T) {
	Count(map[string]int{PushesGone: 1}) // before SetDefault: nothing, no panic
	var out bytes.Buffer
	SetDefault(New(&out, "Parley/test"))
	t.Cleanup(func() { SetDefault(nil) })
	Count(map[string]int{PushesGone: 2})
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || line[PushesGone] != 2.0 {
		t.Fatalf("line %q: %v", out.String(), err)
	}
}
