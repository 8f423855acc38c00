package reports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
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

// weekdays is 09:00 to end, Monday to Friday, in UTC.
func weekdays(t *testing.T, end string) *availability.Schedule {
	t.Helper()
	iv := []availability.Interval{{Start: "09:00", End: end}}
	return mustSchedule(t, availability.Settings{Mode: availability.Hours, TimeZone: "UTC",
		Week: availability.Week{Mon: iv, Tue: iv, Wed: iv, Thu: iv, Fri: iv}})
}

// event is an entry of conversation c1 of inbox main, channel web.
func event(seq int64, kind string, at time.Time, agent, reason string) reports.Event {
	return reports.Event{ConversationID: "c1", InboxID: "main", ChannelID: "web",
		Entry: reports.Entry{Seq: seq, Kind: kind, At: at.UnixMilli(), Agent: agent, Reason: reason, Channel: "chat"}}
}

// mon is Monday 7 December 2026, 00:00 UTC.
var mon = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// A change of the channel's hours applies to what is counted from then
// on: a question asked at 16:50 on Monday and answered at 09:10 on
// Tuesday, with hours 09:00-17:00, waited 20 minutes of them, and still
// did after the hours became 09:00-12:00 on Wednesday and the
// conversation closed; the close is measured with the new hours. A
// backfill counts it all again with the hours in force, on purpose.
func TestHoursChangeKeepsWhatWasCounted(t *testing.T) {
	hours := hoursOf{"web": weekdays(t, "17:00")}
	st := newMemStore()
	rec, err := reports.NewRecorder(st, time.UTC, hours)
	if err != nil {
		t.Fatal(err)
	}
	events := []reports.Event{
		event(1, reports.KindVisitor, mon.Add(16*time.Hour+50*time.Minute), "", ""),
		event(2, reports.KindAgent, mon.Add(24*time.Hour+9*time.Hour+10*time.Minute), "ann", ""),
		event(3, reports.KindClosed, mon.Add(48*time.Hour+10*time.Hour), "", "agent"),
	}
	for _, ev := range events[:2] {
		if _, err := rec.Record(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	tue := reports.Key{Dim: reports.DimInbox, ID: "main", Day: "2026-12-08"}
	wed := reports.Key{Dim: reports.DimInbox, ID: "main", Day: "2026-12-09"}
	if got, want := st.rollups[tue]["frtb_ms"], (20 * time.Minute).Milliseconds(); got != want {
		t.Fatalf("Tuesday's business-hours first response = %v, want %v", millis(got), millis(want))
	}
	hours["web"] = weekdays(t, "12:00")
	if _, err := rec.Record(t.Context(), events[2]); err != nil {
		t.Fatal(err)
	}
	counted := map[string]int64{
		"Tuesday's first response": st.rollups[tue]["frtb_ms"], "Tuesday's reply time": st.rollups[tue]["rtb_ms"],
		"Wednesday's time to close": st.rollups[wed]["ttcb_ms"],
	}
	// Monday 16:50 to Wednesday 10:00 with 09:00-12:00: 3 hours on
	// Tuesday, 1 on Wednesday.
	want := map[string]int64{
		"Tuesday's first response": (20 * time.Minute).Milliseconds(), "Tuesday's reply time": (20 * time.Minute).Milliseconds(),
		"Wednesday's time to close": (4 * time.Hour).Milliseconds(),
	}
	if diff := cmp.Diff(want, counted); diff != "" {
		t.Errorf("business-hours times after the change (-want +got):\n%s", diff)
	}
	checkRollups(t, st.rollups)

	var c reports.Conversation
	for _, ev := range events {
		c.InboxID, c.ChannelID = ev.InboxID, ev.ChannelID
		c.Add(ev.Entry)
	}
	for run := range 2 {
		changed, err := rec.Recompute(t.Context(), "c1", c)
		if err != nil {
			t.Fatal(err)
		}
		if changed != (run == 0) {
			t.Errorf("backfill run %d changed = %v, want %v", run+1, changed, run == 0)
		}
	}
	// 16:50 to 09:10 with 09:00-12:00: 10 minutes.
	if got, want := st.rollups[tue]["frtb_ms"], (10 * time.Minute).Milliseconds(); got != want {
		t.Errorf("Tuesday's business-hours first response after a backfill = %v, want %v", millis(got), millis(want))
	}
	if diff := cmp.Diff(c.Rollups(time.UTC, hours["web"]), st.rollups); diff != "" {
		t.Errorf("rollups after a backfill (-want +got):\n%s", diff)
	}
}

// A change of the account's time zone (REPORTS_TIME_ZONE) applies to what
// is counted from then on: a conversation that began at 00:30 on Tuesday
// in Rome (23:30 on Monday in UTC) stays new on Tuesday when its reply is
// counted in UTC; a backfill moves it to Monday, on purpose.
func TestZoneChangeKeepsWhatWasCounted(t *testing.T) {
	st := newMemStore()
	inRome, err := reports.NewRecorder(st, rome, hoursOf{})
	if err != nil {
		t.Fatal(err)
	}
	inUTC, err := reports.NewRecorder(st, time.UTC, hoursOf{})
	if err != nil {
		t.Fatal(err)
	}
	asked := mon.Add(23*time.Hour + 30*time.Minute)
	events := []reports.Event{
		event(1, reports.KindVisitor, asked, "", ""),
		event(2, reports.KindAgent, asked.Add(10*time.Minute), "ann", ""),
	}
	if _, err := inRome.Record(t.Context(), events[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := inUTC.Record(t.Context(), events[1]); err != nil {
		t.Fatal(err)
	}
	newOn := func() map[string]int64 {
		out := map[string]int64{}
		for k, c := range st.rollups {
			if k.Dim == reports.DimInbox && c[reports.NewChat] != 0 {
				out[k.Day] = c[reports.NewChat]
			}
		}
		return out
	}
	if diff := cmp.Diff(map[string]int64{"2026-12-08": 1}, newOn()); diff != "" {
		t.Errorf("new conversations by day after the change (-want +got):\n%s", diff)
	}
	// The reply, 23:40 in UTC, is Monday's there.
	if n := st.rollups[reports.Key{Dim: reports.DimInbox, ID: "main", Day: "2026-12-07"}]["frt_n"]; n != 1 {
		t.Errorf("Monday's first responses = %d, want the reply counted in UTC", n)
	}
	var c reports.Conversation
	for _, ev := range events {
		c.InboxID, c.ChannelID = ev.InboxID, ev.ChannelID
		c.Add(ev.Entry)
	}
	if _, err := inUTC.Recompute(t.Context(), "c1", c); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"2026-12-07": 1}, newOn()); diff != "" {
		t.Errorf("new conversations by day after a backfill (-want +got):\n%s", diff)
	}
	checkRollups(t, st.rollups)
}

// An event that comes late, after a change of hours, and changes a time
// counted before (Tuesday's first response becomes Monday's, from the
// late reply) takes back exactly what that time added, and counts the
// new one with the hours in force; a time it does not change keeps the
// hours it was counted with.
func TestLateEventAfterHoursChange(t *testing.T) {
	hours := hoursOf{"web": weekdays(t, "17:00")}
	st := newMemStore()
	rec, err := reports.NewRecorder(st, time.UTC, hours)
	if err != nil {
		t.Fatal(err)
	}
	tue := mon.Add(24 * time.Hour)
	late := event(2, reports.KindAgent, mon.Add(16*time.Hour+55*time.Minute), "bob", "")
	for _, ev := range []reports.Event{
		event(1, reports.KindVisitor, mon.Add(16*time.Hour+50*time.Minute), "", ""),
		event(3, reports.KindAgent, tue.Add(9*time.Hour+10*time.Minute), "ann", ""),
		event(4, reports.KindVisitor, tue.Add(11*time.Hour+50*time.Minute), "", ""),
		event(5, reports.KindAgent, tue.Add(13*time.Hour), "ann", ""), // 70 minutes; 10 of 09:00-12:00
	} {
		if _, err := rec.Record(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	hours["web"] = weekdays(t, "12:00")
	if ok, err := rec.Record(t.Context(), late); err != nil || !ok {
		t.Fatalf("Record(late) = %v, %v; want it recorded", ok, err)
	}
	checkRollups(t, st.rollups)
	day := func(d string) reports.Counters {
		return st.rollups[reports.Key{Dim: reports.DimInbox, ID: "main", Day: d}]
	}
	got := map[string]int64{
		"Monday's first responses": day("2026-12-07")["frt_n"], "Monday's business-hours first response": day("2026-12-07")["frtb_ms"],
		"Tuesday's first responses": day("2026-12-08")["frt_n"],
		"Tuesday's reply times":     day("2026-12-08")["rtb_n"], "Tuesday's business-hours reply time": day("2026-12-08")["rtb_ms"],
	}
	want := map[string]int64{
		"Monday's first responses": 1, "Monday's business-hours first response": 0, // 16:50-16:55, closed with the new hours
		"Tuesday's first responses": 0,
		"Tuesday's reply times":     1, "Tuesday's business-hours reply time": (70 * time.Minute).Milliseconds(), // as counted
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rollups (-want +got):\n%s", diff)
	}
	if _, ok := st.rollups[reports.Key{Dim: reports.DimAgent, ID: "ann", Day: "2026-12-08"}]["frt_n"]; ok {
		t.Error("ann keeps a first response the late reply took from her")
	}
}

// checkRollups fails on a counter below zero or a histogram that does not
// add up to its count: what taking back what was never added would leave.
func checkRollups(t *testing.T, r reports.Rollups) {
	t.Helper()
	for k, c := range r {
		for name, v := range c {
			if v < 0 {
				t.Errorf("%v %s = %d", k, name, v)
			}
		}
		for _, m := range []string{reports.FirstResponse, reports.FirstResponseFromAssignment, reports.ReplyTime, reports.TimeToClose} {
			for _, m := range []string{m, reports.Business(m)} {
				var n int64
				for i := range reports.Buckets {
					n += c[reports.BucketName(m, i)]
				}
				if n != c[m+"_n"] {
					t.Errorf("%v %s: buckets hold %d, count %d", k, m, n, c[m+"_n"])
				}
			}
		}
	}
}

// millis is v milliseconds.
func millis(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// With the hours unchanged, keeping how each entry was counted changes
// nothing: events in any order, twice, or retried after a concurrent
// writer give the business-hours times of the events in order.
func TestBusinessHoursInAnyOrder(t *testing.T) {
	hours := hoursOf{"web": officeHours(t)}
	mon := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, rome) }
	ss := append(scripted(), (&script{cid: "c4", inbox: "main"}).
		visitor(mon(16, 50)).assign(mon(16, 55), "alice").visitor(mon(16, 58)).
		reply(mon(24+9, 10), "alice").visitor(mon(24+11, 40)).reply(mon(24+14, 20), "bob").
		close(mon(24+15, 0), "agent").reopen(mon(48+8, 0)).visitor(mon(48+8, 5)).reply(mon(48+9, 30), "bob").
		close(mon(48+18, 0), "inactivity"))
	want := reports.Rollups{}
	for _, s := range ss {
		c := reports.Conversation{InboxID: s.inbox, ChannelID: "web"}
		for i := range s.events {
			s.events[i].ChannelID = "web"
			c.Add(s.events[i].Entry)
		}
		for k, cs := range c.Rollups(rome, hours["web"]) {
			for name, v := range cs {
				if v == 0 {
					continue // the store keeps no counter at zero
				}
				if want[k] == nil {
					want[k] = reports.Counters{}
				}
				want[k][name] += v
			}
		}
	}
	events := all(ss)
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("order ", seed), func(t *testing.T) {
			shuffled := append([]reports.Event(nil), events...)
			rand.New(rand.NewPCG(seed, seed)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if seed%2 == 1 {
				shuffled = append(shuffled, events...)
			}
			st := newMemStore()
			for _, s := range ss {
				st.conflict[s.cid] = seed%3 == 2
			}
			rec, err := reports.NewRecorder(st, rome, hours)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range shuffled {
				if _, err := rec.Record(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(want, st.rollups); diff != "" {
				t.Errorf("rollups (-in order +recorded):\n%s", diff)
			}
		})
	}
}
