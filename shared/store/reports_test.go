package store_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/store"
	"github.com/parleychat/parley/shared/store/storetest"
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

// A state stored before states were deflated (the JSON strings conv and
// added) is read as it was: the next event adds to what it lists and
// subtracts what it added, and the state goes on from it.
func TestReportStateOfBefore(t *testing.T) {
	table := ddb.NewTable(t)
	s := store.New(storetest.NewCounting(ddb.Client()), table, nil)
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC).UnixMilli()
	raw := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "RCONV#c1"}, "sk": &types.AttributeValueMemberS{Value: "REPORT"},
		"conv":    &types.AttributeValueMemberS{Value: `{"i":"main","e":[{"q":1,"k":"v","t":` + itoa(t0) + `,"c":"chat"},{"q":2,"k":"s","t":` + itoa(t0+1000) + `,"a":"alice"}]}`},
		"added":   &types.AttributeValueMemberS{Value: `[{"d":"inbox","i":"main","y":"2026-12-07","c":{"new_chat":1}}]`},
		"version": &types.AttributeValueMemberN{Value: "2"},
	}
	rollup := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "REPORT#inbox#main"}, "sk": &types.AttributeValueMemberS{Value: "DAY#2026-12-07"},
		"new_chat": &types.AttributeValueMemberN{Value: "1"},
	}
	for _, it := range []map[string]types.AttributeValue{raw, rollup} {
		if _, err := ddb.Client().PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := reports.NewRecorder(s, time.UTC, noHours{})
	if err != nil {
		t.Fatal(err)
	}
	reply := reports.Event{ConversationID: "c1", InboxID: "main", Entry: reports.Entry{Seq: 3, Kind: reports.KindAgent, Agent: "alice", At: t0 + 50_000}}
	if ok, err := rec.Record(t.Context(), reply); err != nil || !ok {
		t.Fatalf("Record = %v, %v; want it recorded", ok, err)
	}
	rd, err := reports.NewReader(s, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rd.Report(t.Context(), reports.DimInbox, "main", "2026-12-07", "2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	if got.Total.New.Chat != 1 || got.Total.FirstResponse.Count != 1 || got.Total.FirstResponseFromAssignment.Count != 1 {
		t.Errorf("day = %+v, want the one chat counted once and its first response, from the assignment too", got.Total)
	}
	st, err := s.LoadReportState(t.Context(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 3 || len(st.Conversation.Entries) != 3 {
		t.Errorf("state = version %d with %d entries, want version 3 with 3", st.Version, len(st.Conversation.Entries))
	}
	// Its entries were counted with the zone and hours of now, and keep
	// them from here on.
	for _, e := range st.Conversation.Entries {
		if e.Counted == nil {
			t.Errorf("entry %d has no record of how it was counted", e.Seq)
		}
	}
}

// A conversation's state is written at every event: the cost meter's
// conversation (15 events) keeps it within one write unit, in UTC with a
// channel always open as in a zone with opening hours that the
// conversation runs past (its times differ from their business hours).
func TestReportStateSize(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	day := []availability.Interval{{Start: "09:00", End: "12:00"}, {Start: "14:00", End: "17:00"}}
	office, err := availability.New(availability.Settings{Mode: availability.Hours, TimeZone: "Europe/Rome",
		Week: availability.Week{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		loc   *time.Location
		hours reports.Hours
		start time.Time
	}{
		{"UTC, always open", time.UTC, noHours{}, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)},
		{"Rome, past closing time", rome, hoursOf{"main": office}, time.Date(2026, 12, 7, 16, 56, 0, 0, rome)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := ddb.NewTable(t)
			s := store.New(storetest.NewCounting(ddb.Client()), table, nil)
			rec, err := reports.NewRecorder(s, tt.loc, tt.hours)
			if err != nil {
				t.Fatal(err)
			}
			const agent = "6f1c2a9e-3b7d-4e21-9c55-0d8e4f7a1b23"
			at := tt.start.UnixMilli()
			entries := []reports.Entry{{Kind: reports.KindVisitor, Channel: "chat"}, {Kind: reports.KindAssigned, Agent: agent}}
			for i := range 6 {
				if i > 0 {
					entries = append(entries, reports.Entry{Kind: reports.KindVisitor})
				}
				entries = append(entries, reports.Entry{Kind: reports.KindAgent, Agent: agent})
			}
			entries = append(entries, reports.Entry{Kind: reports.KindClosed, Reason: "agent", Survey: true}, reports.Entry{Kind: reports.KindRated, Score: 4})
			for i, e := range entries {
				at += 37_000
				e.Seq, e.At = int64(i+1), at
				ev := reports.Event{ConversationID: "5d0b8c1e-2f4a-4b6c-8d9e-1a2b3c4d5e6f", InboxID: "main", ChannelID: "main", Entry: e}
				if _, err := rec.Record(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
			}
			out, err := ddb.Client().GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "RCONV#5d0b8c1e-2f4a-4b6c-8d9e-1a2b3c4d5e6f"}, "sk": &types.AttributeValueMemberS{Value: "REPORT"},
			}})
			if err != nil {
				t.Fatal(err)
			}
			n := itemSize(out.Item)
			t.Logf("the state of %d events is %d bytes", len(entries), n)
			if n > 1024 {
				t.Errorf("the state of %d events is %d bytes, want at most 1 KB", len(entries), n)
			}
			// How each entry was counted is read back as written.
			st, err := s.LoadReportState(t.Context(), "5d0b8c1e-2f4a-4b6c-8d9e-1a2b3c4d5e6f")
			if err != nil {
				t.Fatal(err)
			}
			_, offset := tt.start.Zone()
			var times int
			for _, e := range st.Conversation.Entries {
				if e.Counted == nil || e.Counted.Offset != offset {
					t.Errorf("entry %d counted as %+v, want at offset %d", e.Seq, e.Counted, offset)
					continue
				}
				times += len(e.Counted.Open)
			}
			if times == 0 {
				t.Error("no business-hours time kept")
			}
		})
	}
}

// hoursOf are chat channels' opening hours by channel id; another channel
// is not found.
type hoursOf map[string]*availability.Schedule

func (h hoursOf) ChannelSchedule(_ context.Context, id string) (*availability.Schedule, error) {
	if s, ok := h[id]; ok {
		return s, nil
	}
	return nil, &chat.Error{Kind: chat.ErrNotFound, Message: "channel not found"}
}

// itemSize is an item's size as DynamoDB counts it, for the attribute
// types a state item has (numbers at most their digits).
func itemSize(it map[string]types.AttributeValue) int {
	n := 0
	for name, v := range it {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberB:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += len(v.Value)
		}
	}
	return n
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
