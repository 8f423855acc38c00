package reports_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/reports"
)

// Recompute replaces a conversation's contribution by its seq stream's:
// whether the consumer counted part of it, all of it, or none; a second
// run changes nothing.
func TestRecompute(t *testing.T) {
	ss := scripted()
	tests := []struct {
		name     string
		recorded func(s *script) []reports.Event // what the live consumer saw
	}{
		{"never counted", func(*script) []reports.Event { return nil }},
		{"counted in full", func(s *script) []reports.Event { return s.events }},
		{"first half counted", func(s *script) []reports.Event { return s.events[:len(s.events)/2] }},
		{"only the last event counted", func(s *script) []reports.Event { return s.events[len(s.events)-1:] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newMemStore()
			rec, err := reports.NewRecorder(st, rome, hoursOf{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ss {
				for _, ev := range tt.recorded(s) {
					if _, err := rec.Record(t.Context(), ev); err != nil {
						t.Fatal(err)
					}
				}
			}
			for run := range 2 {
				for _, s := range ss {
					c := reports.Conversation{InboxID: s.inbox}
					for _, ev := range s.events {
						c.Add(ev.Entry)
					}
					changed, err := rec.Recompute(t.Context(), s.cid, c)
					if err != nil {
						t.Fatal(err)
					}
					if run == 1 && changed {
						t.Errorf("second run changed %s", s.cid)
					}
				}
			}
			rd, err := reports.NewReader(st, st)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rd.Report(t.Context(), reports.DimInbox, "main", "2026-12-01", "2026-12-31")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantInbox, got.Total); diff != "" {
				t.Errorf("total (-want +got):\n%s", diff)
			}
		})
	}
}
