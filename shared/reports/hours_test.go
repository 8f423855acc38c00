package reports_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/reports"
)

// InboxIDs lists the inboxes that have rollups.
func (m *memStore) InboxIDs(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	for k := range m.rollups {
		if k.Dim == reports.DimInbox {
			seen[k.ID] = true
		}
	}
	var ids []string
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// officeHours is Monday to Friday, 09:00-12:00 and 14:00-17:00 in Rome.
func officeHours(t *testing.T) *availability.Schedule {
	t.Helper()
	day := []availability.Interval{{Start: "09:00", End: "12:00"}, {Start: "14:00", End: "17:00"}}
	s, err := availability.New(availability.Settings{Mode: availability.Hours, TimeZone: "Europe/Rome",
		Week: availability.Week{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Business hours count only the channel's opening hours: a question at
// 16:50 on Monday (day0's day) answered at 09:10 on Tuesday waited 20
// minutes of them; one asked and answered on Saturday none. A channel
// without opening hours, or one not found, measures wall-clock time.
func TestBusinessHoursTimes(t *testing.T) {
	mon := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, rome) }
	evening := (&script{cid: "c1", inbox: "main"}).
		visitor(mon(16, 50)).assign(mon(16, 55), "alice").
		reply(mon(24+9, 10), "alice"). // 16 h 20 min; open: 10 + 10 min, from the assignment 5 + 10
		close(mon(24+11, 50), "agent") // 19 h; open: 10 min + 2 h 50 min
	saturday := (&script{cid: "c2", inbox: "main"}).
		visitor(mon(5*24+10, 0)).assign(mon(5*24+10, 0), "alice").reply(mon(5*24+10, 5), "alice")
	sec := func(d time.Duration) float64 { return d.Seconds() }
	wall := reports.Times{
		FirstResponse:               timing(2, (sec(16*time.Hour+20*time.Minute)+300)/2, 420, 86400),
		FirstResponseFromAssignment: timing(2, (sec(16*time.Hour+15*time.Minute)+300)/2, 420, 86400),
		ReplyTime:                   timing(2, (sec(16*time.Hour+20*time.Minute)+300)/2, 420, 86400),
		TimeToClose:                 timing(1, sec(19*time.Hour), 86400, 86400),
	}
	tests := []struct {
		name  string
		hours hoursOf
		want  reports.Times
	}{
		{"office hours", hoursOf{"web": officeHours(t)}, reports.Times{
			// 0 and 1200 s: the median is Saturday's 0 → [0, 15).
			FirstResponse:               timing(2, 600, 15, 1800),
			FirstResponseFromAssignment: timing(2, 450, 15, 1200),
			ReplyTime:                   timing(2, 600, 15, 1800),
			TimeToClose:                 timing(1, sec(3*time.Hour), 14400, 14400),
		}},
		{"always open", hoursOf{"web": mustSchedule(t, availability.Settings{Mode: availability.Always})}, wall},
		{"team status", hoursOf{"web": mustSchedule(t, availability.Settings{Mode: availability.Team})}, wall},
		{"channel not found", hoursOf{}, wall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newMemStore()
			rec, err := reports.NewRecorder(st, rome, tt.hours)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []*script{evening, saturday} {
				for _, ev := range s.events {
					ev.ChannelID = "web"
					if _, err := rec.Record(t.Context(), ev); err != nil {
						t.Fatal(err)
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
			if diff := cmp.Diff(wall, reports.Times{FirstResponse: got.Total.FirstResponse, FirstResponseFromAssignment: got.Total.FirstResponseFromAssignment,
				ReplyTime: got.Total.ReplyTime, TimeToClose: got.Total.TimeToClose}); diff != "" {
				t.Errorf("wall-clock times (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got.Total.BusinessHours); diff != "" {
				t.Errorf("business-hours times (-want +got):\n%s", diff)
			}
		})
	}
}

func mustSchedule(t *testing.T, s availability.Settings) *availability.Schedule {
	t.Helper()
	sch, err := availability.New(s)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// The first response from the assignment starts when the conversation
// went to an agent after the question, at the question when it was
// assigned before, and is not measured for a reply nobody was assigned.
func TestFirstResponseFromAssignment(t *testing.T) {
	tests := []struct {
		name string
		s    *script
		want reports.Timing
	}{
		{"assigned after 2 minutes", (&script{cid: "c1", inbox: "main"}).
			visitor(at(0, 0)).assign(at(2, 0), "alice").reply(at(2, 30), "alice"), timing(1, 30, 45, 45)},
		{"assigned before the question", (&script{cid: "c1", inbox: "main"}).
			assign(at(0, 0), "alice").visitor(at(1, 0)).reply(at(2, 0), "alice"), timing(1, 60, 90, 90)},
		{"reassigned before the reply", (&script{cid: "c1", inbox: "main"}).
			visitor(at(0, 0)).assign(at(1, 0), "alice").assign(at(3, 0), "bob").reply(at(3, 10), "bob"), timing(1, 10, 15, 15)},
		{"unassigned", (&script{cid: "c1", inbox: "main"}).
			visitor(at(0, 0)).assign(at(1, 0), "alice").assign(at(2, 0), "").reply(at(3, 0), "carol"), reports.Timing{}},
		{"never assigned", (&script{cid: "c1", inbox: "main"}).
			visitor(at(0, 0)).reply(at(1, 0), "carol"), reports.Timing{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := reports.Conversation{InboxID: "main"}
			for _, ev := range tt.s.events {
				c.Add(ev.Entry)
			}
			got := reports.Summarize(c.Rollups(rome, nil)[reports.Key{Dim: reports.DimInbox, ID: "main", Day: "2026-12-07"}])
			if diff := cmp.Diff(tt.want, got.FirstResponseFromAssignment); diff != "" {
				t.Errorf("from assignment (-want +got):\n%s", diff)
			}
		})
	}
}

// The account's report adds up every inbox's days.
func TestAccountReport(t *testing.T) {
	st := newMemStore()
	rec, err := reports.NewRecorder(st, rome, hoursOf{})
	if err != nil {
		t.Fatal(err)
	}
	ss := scripted()
	ss[1].inbox = "sales"
	for i := range ss[1].events {
		ss[1].events[i].InboxID = "sales"
	}
	for _, ev := range all(ss) {
		if _, err := rec.Record(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	rd, err := reports.NewReader(st, st)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rd.Report(t.Context(), reports.DimAccount, "", "2026-12-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantInbox, got.Total); diff != "" {
		t.Errorf("account total (-want +got):\n%s", diff)
	}
	sales, err := rd.Report(t.Context(), reports.DimInbox, "sales", "2026-12-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if sales.Total.Missed != 1 || sales.Total.New.Email != 1 || sales.Total.New.Chat != 0 {
		t.Errorf("sales alone = %+v, want the missed email conversation only", sales.Total)
	}
	if _, err := rd.Report(t.Context(), reports.DimAccount, "main", "2026-12-01", "2026-12-31"); err == nil {
		t.Error("account report naming an id answered, want it refused")
	}
}
