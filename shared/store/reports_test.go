package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/reports"
)

// Events of two conversations recorded concurrently, each twice, give the
// rollups their entries give in order; a day's report is one Query.
func TestReportRollupsConcurrentAndTwice(t *testing.T) {
	s, db := newStore(t)
	rec, err := reports.NewRecorder(s, time.UTC, noHours{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ms := func(sec int) int64 { return t0.Add(time.Duration(sec) * time.Second).UnixMilli() }
	var evs []reports.Event
	for _, cid := range []string{"c1", "c2"} {
		for _, e := range []reports.Entry{
			{Seq: 1, Kind: reports.KindVisitor, At: ms(0)},
			{Seq: 2, Kind: reports.KindAssigned, Agent: "alice", At: ms(1)},
			{Seq: 3, Kind: reports.KindAgent, Agent: "alice", At: ms(50)},
			{Seq: 4, Kind: reports.KindVisitor, At: ms(100)},
			{Seq: 5, Kind: reports.KindAgent, Agent: "alice", At: ms(400)},
			{Seq: 6, Kind: reports.KindClosed, Reason: "agent", At: ms(1000)},
			{Seq: 7, Kind: reports.KindReopened, At: ms(2000)},
			{Seq: 8, Kind: reports.KindClosed, Reason: "inactivity", At: ms(4000)},
		} {
			evs = append(evs, reports.Event{ConversationID: cid, InboxID: "main", Entry: e})
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(evs))
	for range 2 {
		for _, ev := range evs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := rec.Record(t.Context(), ev); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rd, err := reports.NewReader(s, s)
	if err != nil {
		t.Fatal(err)
	}
	before := db.Calls()["Query"]
	got, err := rd.Report(t.Context(), reports.DimInbox, "main", "2026-12-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if n := db.Calls()["Query"] - before; n != 1 {
		t.Errorf("%d queries, want 1", n)
	}
	avg := func(v float64) *float64 { return &v }
	sec := func(v int64) *int64 { return &v }
	want := reports.Summary{
		New:      reports.Volume{Chat: 2},
		Closed:   reports.Closes{Agent: 2, Inactivity: 2},
		Missed:   2, // the reopened part had no reply
		Reopened: 2,
		// 50 s twice, assigned at the first second: 49 s from it.
		FirstResponse:               reports.Timing{Count: 2, Average: avg(50), Median: sec(60), P90: sec(60)},
		FirstResponseFromAssignment: reports.Timing{Count: 2, Average: avg(49), Median: sec(60), P90: sec(60)},
		// 50, 300, 50, 300 s.
		ReplyTime: reports.Timing{Count: 4, Average: avg(175), Median: sec(60), P90: sec(420)},
		// 1000 and 2000 s, twice.
		TimeToClose: reports.Timing{Count: 4, Average: avg(1500), Median: sec(1200), P90: sec(2700)},
	}
	// No channel has opening hours: the business-hours times are the same.
	want.BusinessHours = reports.Times{FirstResponse: want.FirstResponse, FirstResponseFromAssignment: want.FirstResponseFromAssignment,
		ReplyTime: want.ReplyTime, TimeToClose: want.TimeToClose}
	if diff := cmp.Diff(want, got.Total); diff != "" {
		t.Errorf("total (-want +got):\n%s", diff)
	}
	agent, err := rd.Report(t.Context(), reports.DimAgent, "alice", "2026-12-07", "2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	if agent.Total.Closed != (reports.Closes{Agent: 2, Inactivity: 2}) || agent.Total.FirstResponse.Count != 2 {
		t.Errorf("alice's day = %+v, want her closes and first responses", agent.Total)
	}
}

// noHours: no channel has opening hours.
type noHours struct{}

func (noHours) ChannelSchedule(context.Context, string) (*availability.Schedule, error) {
	return nil, &chat.Error{Kind: chat.ErrNotFound, Message: "channel not found"}
}
