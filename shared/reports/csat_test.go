package reports_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/reports"
)

func (s *script) surveyClose(at time.Time) *script {
	return s.add(reports.KindClosed, at, func(e *reports.Entry) { e.Reason, e.Survey = "agent", true })
}
func (s *script) rate(at time.Time, score int) *script {
	return s.add(reports.KindRated, at, func(e *reports.Entry) { e.Score = score })
}

// surveyed are three conversations of inbox main closed by alice on 7
// December: one rated 2 and, the next day, changed to 5; one asked twice
// (reopened and closed again) and rated 3; one asked and never rated; and
// one closed without the survey.
func surveyed() []*script {
	changed := (&script{cid: "s1", inbox: "main"}).
		visitor(at(0, 0)).assign(at(0, 5), "alice").reply(at(1, 0), "alice").surveyClose(at(5, 0)).
		rate(at(6, 0), 2).rate(at(24*60+30, 0), 5)
	twice := (&script{cid: "s2", inbox: "main"}).
		visitor(at(10, 0)).assign(at(10, 5), "alice").surveyClose(at(20, 0)).reopen(at(30, 0)).surveyClose(at(40, 0)).rate(at(41, 0), 3)
	silent := (&script{cid: "s3", inbox: "main"}).visitor(at(50, 0)).surveyClose(at(55, 0))
	off := (&script{cid: "s4", inbox: "main"}).visitor(at(60, 0)).close(at(65, 0), "agent")
	return []*script{changed, twice, silent, off}
}

func ratio(v float64) *float64 { return &v }

// The survey counts each conversation once, on the day of its first
// asking close, with its latest score; in any order and any number of
// deliveries of its events.
func TestCSATRollups(t *testing.T) {
	events := all(surveyed())
	reversed := make([]reports.Event, len(events))
	for i, e := range events {
		reversed[len(events)-1-i] = e
	}
	twice := append(append([]reports.Event(nil), reversed...), events...)
	wantInbox := reports.CSAT{Asked: 3, Responses: 2, ResponseRate: ratio(2.0 / 3), Average: ratio(4), Distribution: [5]int64{0, 0, 1, 0, 1}}
	wantAlice := reports.CSAT{Asked: 2, Responses: 2, ResponseRate: ratio(1), Average: ratio(4), Distribution: [5]int64{0, 0, 1, 0, 1}}
	for name, evs := range map[string][]reports.Event{"in order": events, "reversed": reversed, "every event twice": twice} {
		t.Run(name, func(t *testing.T) {
			st := newMemStore()
			rec, err := reports.NewRecorder(st, rome, hoursOf{})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if _, err := rec.Record(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			rd, err := reports.NewReader(st, st)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				dim, id string
				want    reports.CSAT
			}{{reports.DimInbox, "main", wantInbox}, {reports.DimAgent, "alice", wantAlice}} {
				got, err := rd.Report(t.Context(), c.dim, c.id, "2026-12-01", "2026-12-31")
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(c.want, got.Total.CSAT); diff != "" {
					t.Errorf("%s %s (-want +got):\n%s", c.dim, c.id, diff)
				}
				// The change on 8 December counts on the close's day.
				for _, d := range got.Days {
					if d.Date != "2026-12-07" && d.CSAT.Responses+d.CSAT.Asked != 0 {
						t.Errorf("%s %s: survey numbers on %s: %+v", c.dim, c.id, d.Date, d.CSAT)
					}
				}
			}
		})
	}
}

// A rating whose asking close is not recorded yet counts on its own day,
// then moves to the close's when the close arrives: never twice.
func TestCSATRatingBeforeItsClose(t *testing.T) {
	s := (&script{cid: "s5", inbox: "main"}).visitor(at(0, 0)).surveyClose(at(5, 0)).rate(at(24*60+5, 0), 4)
	var c reports.Conversation
	c.InboxID = "main"
	c.Add(s.events[0].Entry)
	c.Add(s.events[2].Entry)
	early := c.Rollups(rome, nil)
	if got := early[reports.Key{Dim: reports.DimInbox, ID: "main", Day: "2026-12-08"}][reports.CSATResponses]; got != 1 {
		t.Errorf("rating alone: responses on its day = %d, want 1", got)
	}
	c.Add(s.events[1].Entry)
	late := c.Rollups(rome, nil)
	// The survey's counters of what the close's arrival changes.
	d := reports.Rollups{}
	for k, c := range reports.Diff(early, late) {
		for name, v := range c {
			if strings.HasPrefix(name, "csat_") {
				if d[k] == nil {
					d[k] = reports.Counters{}
				}
				d[k][name] = v
			}
		}
	}
	want := reports.Rollups{
		{Dim: reports.DimInbox, ID: "main", Day: "2026-12-08"}: {reports.CSATResponses: -1, reports.CSATSum: -4, reports.CSATScoreName(4): -1},
		{Dim: reports.DimInbox, ID: "main", Day: "2026-12-07"}: {reports.CSATAsked: 1, reports.CSATResponses: 1, reports.CSATSum: 4, reports.CSATScoreName(4): 1},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("what the close's arrival changes (-want +got):\n%s", diff)
	}
}
