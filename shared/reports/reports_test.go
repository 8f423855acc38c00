package reports_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/reports"
)

var (
	rome = mustZone("Europe/Rome")
	day0 = time.Date(2026, 12, 7, 9, 0, 0, 0, rome)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// script builds the events of one conversation.
type script struct {
	cid, inbox string
	seq        int64
	events     []reports.Event
}

func (s *script) add(kind string, at time.Time, f func(*reports.Entry)) *script {
	s.seq++
	e := reports.Entry{Seq: s.seq, Kind: kind, At: at.UnixMilli()}
	if f != nil {
		f(&e)
	}
	s.events = append(s.events, reports.Event{ConversationID: s.cid, InboxID: s.inbox, Entry: e})
	return s
}
func (s *script) visitor(at time.Time) *script { return s.add(reports.KindVisitor, at, nil) }
func (s *script) email(at time.Time) *script {
	return s.add(reports.KindVisitor, at, func(e *reports.Entry) { e.Channel = "email" })
}
func (s *script) reply(at time.Time, agent string) *script {
	return s.add(reports.KindAgent, at, func(e *reports.Entry) { e.Agent = agent })
}
func (s *script) assign(at time.Time, agent string) *script {
	return s.add(reports.KindAssigned, at, func(e *reports.Entry) { e.Agent = agent })
}
func (s *script) close(at time.Time, reason string) *script {
	return s.add(reports.KindClosed, at, func(e *reports.Entry) { e.Reason = reason })
}
func (s *script) reopen(at time.Time) *script { return s.add(reports.KindReopened, at, nil) }

// at is day0 plus minutes and seconds.
func at(min, sec int) time.Time {
	return day0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
}

// scripted are three conversations of inbox main: answered, missed and
// reopened, on 7 December 2026 in Rome.
func scripted() []*script {
	answered := (&script{cid: "c1", inbox: "main"}).
		visitor(at(0, 0)).assign(at(0, 5), "alice").reply(at(0, 40), "alice"). // first response 40 s
		visitor(at(2, 0)).visitor(at(2, 30)).reply(at(4, 0), "alice").         // reply 120 s, from the first waiting message
		close(at(10, 0), "agent")                                              // time to close 600 s
	missed := (&script{cid: "c2", inbox: "main"}).
		email(at(60, 0)).close(at(90, 0), "inactivity") // missed, time to close 1800 s
	reopened := (&script{cid: "c3", inbox: "main"}).
		visitor(at(120, 0)).assign(at(120, 10), "bob").reply(at(121, 0), "bob"). // first response 60 s
		close(at(125, 0), "agent").                                              // time to close 300 s
		reopen(at(180, 0)).visitor(at(190, 0)).reply(at(192, 0), "bob").         // new first response 120 s, not 72 min
		close(at(200, 0), "agent")                                               // time to close 1200 s, from the reopening
	return []*script{answered, missed, reopened}
}

func timing(n int64, avg float64, med, p90 int64) reports.Timing {
	return reports.Timing{Count: n, Average: &avg, Median: &med, P90: &p90}
}

// wantInbox is what the scripted conversations give their inbox: the
// quantiles are the upper bounds of the buckets holding the exact values.
var wantInbox = plainHours(reports.Summary{
	New:      reports.Volume{Chat: 2, Email: 1},
	Closed:   reports.Closes{Agent: 3, Inactivity: 1},
	Missed:   1,
	Reopened: 1,
	// 40, 60, 120 s: median 60 → bucket [60, 90), p90 120 → [120, 180).
	FirstResponse: timing(3, 220.0/3, 90, 180),
	// From the assignments 5 and 10 s after the questions: 35, 50 s, and
	// 120 s after the reopening (still assigned: from the question).
	FirstResponseFromAssignment: timing(3, 205.0/3, 60, 180),
	// 40, 120, 60, 120 s: median rank 2 is 60 → [60, 90).
	ReplyTime: timing(4, 85, 90, 180),
	// 600, 1800, 300, 1200 s: median rank 2 is 600 → [600, 900).
	TimeToClose: timing(4, 975, 900, 2700),
})

// plainHours sets the business-hours times of s to its wall-clock ones:
// what a channel without opening hours measures.
func plainHours(s reports.Summary) reports.Summary {
	s.BusinessHours = reports.Times{FirstResponse: s.FirstResponse, FirstResponseFromAssignment: s.FirstResponseFromAssignment,
		ReplyTime: s.ReplyTime, TimeToClose: s.TimeToClose}
	return s
}

func all(ss []*script) []reports.Event {
	var out []reports.Event
	for _, s := range ss {
		out = append(out, s.events...)
	}
	return out
}

func TestRollupsOfKnownTimings(t *testing.T) {
	got := reports.Rollups{}
	for _, s := range scripted() {
		c := reports.Conversation{InboxID: s.inbox}
		for _, ev := range s.events {
			c.Add(ev.Entry)
		}
		for k, cs := range c.Rollups(rome, nil) {
			for name, v := range cs {
				if got[k] == nil {
					got[k] = reports.Counters{}
				}
				got[k][name] += v
			}
		}
	}
	tests := []struct {
		key  reports.Key
		want reports.Summary
	}{
		{reports.Key{Dim: reports.DimInbox, ID: "main", Day: "2026-12-07"}, wantInbox},
		{reports.Key{Dim: reports.DimAgent, ID: "alice", Day: "2026-12-07"}, plainHours(reports.Summary{
			Closed: reports.Closes{Agent: 1}, FirstResponse: timing(1, 40, 45, 45), FirstResponseFromAssignment: timing(1, 35, 45, 45),
			ReplyTime: timing(2, 80, 45, 180), TimeToClose: timing(1, 600, 900, 900),
		})},
		{reports.Key{Dim: reports.DimAgent, ID: "bob", Day: "2026-12-07"}, plainHours(reports.Summary{
			Closed: reports.Closes{Agent: 2}, Reopened: 1, FirstResponse: timing(2, 90, 90, 180), FirstResponseFromAssignment: timing(2, 85, 60, 180),
			ReplyTime: timing(2, 90, 90, 180), TimeToClose: timing(2, 750, 420, 1800),
		})},
	}
	for _, tt := range tests {
		t.Run(tt.key.Dim+"/"+tt.key.ID, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, reports.Summarize(got[tt.key])); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
	}
	if len(got) != 3 {
		t.Errorf("rollups %v, want the inbox's and two agents' of one day", keys(got))
	}
}

func keys(r reports.Rollups) []reports.Key {
	var out []reports.Key
	for k := range r {
		out = append(out, k)
	}
	return out
}

// Days are the account's: a reply at 00:30 in Rome is the next day there
// while still the day before in UTC.
func TestDaysInTheAccountZone(t *testing.T) {
	c := reports.Conversation{InboxID: "main"}
	late := time.Date(2026, 12, 7, 23, 50, 0, 0, rome)
	c.Add(reports.Entry{Seq: 1, Kind: reports.KindVisitor, At: late.UnixMilli()})
	c.Add(reports.Entry{Seq: 2, Kind: reports.KindAgent, Agent: "alice", At: late.Add(40 * time.Minute).UnixMilli()})
	got := map[string]reports.Summary{}
	for k, cs := range c.Rollups(rome, nil) {
		if k.Dim == reports.DimInbox {
			got[k.Day] = reports.Summarize(cs)
		}
	}
	want := map[string]reports.Summary{
		"2026-12-07": {New: reports.Volume{Chat: 1}},
		"2026-12-08": plainHours(reports.Summary{FirstResponse: timing(1, 2400, 2700, 2700), ReplyTime: timing(1, 2400, 2700, 2700)}),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("days (-want +got):\n%s", diff)
	}
}

// Histogram buckets: every duration lands in the bucket whose bounds hold
// it, so a quantile is never below the exact value nor a bucket above it.
func TestQuantileWithinTheBucket(t *testing.T) {
	for _, secs := range []int64{0, 14, 15, 59, 60, 61, 899, 3600, 86399, 604799, 604800, 2000000} {
		c := reports.Conversation{InboxID: "main"}
		c.Add(reports.Entry{Seq: 1, Kind: reports.KindVisitor, At: day0.UnixMilli()})
		c.Add(reports.Entry{Seq: 2, Kind: reports.KindAgent, At: day0.Add(time.Duration(secs) * time.Second).UnixMilli()})
		var s reports.Summary
		for k, cs := range c.Rollups(time.UTC, nil) {
			if k.Dim == reports.DimInbox && cs["frt_n"] == 1 {
				s = reports.Summarize(cs)
			}
		}
		med := *s.FirstResponse.Median
		last := reports.Bounds[len(reports.Bounds)-1]
		if secs >= last {
			if med != last {
				t.Errorf("%d s: median %d, want the last bound %d", secs, med, last)
			}
			continue
		}
		i := slices.Index(reports.Bounds, med)
		lower := int64(0)
		if i > 0 {
			lower = reports.Bounds[i-1]
		}
		if secs < lower || secs >= med {
			t.Errorf("%d s: median %d, want the bound of the bucket [%d, %d) holding it", secs, med, lower, med)
		}
	}
}

// memStore keeps states and rollups in memory; conflicts make the first
// save of every conversation fail once, as a concurrent writer would.
type memStore struct {
	mu       sync.Mutex
	states   map[string]reports.State
	rollups  reports.Rollups
	conflict map[string]bool
	saves    int
}

func newMemStore() *memStore {
	return &memStore{states: map[string]reports.State{}, rollups: reports.Rollups{}, conflict: map[string]bool{}}
}

func (m *memStore) LoadReportState(_ context.Context, cid string) (reports.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[cid], nil
}

func (m *memStore) SaveReportState(_ context.Context, cid string, s reports.State, delta reports.Rollups) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.states[cid].Version != s.Version {
		return reports.ErrConflict
	}
	if m.conflict[cid] {
		// Another event of the conversation lands first.
		m.conflict[cid] = false
		cur := m.states[cid]
		cur.Version++
		m.states[cid] = cur
		return reports.ErrConflict
	}
	m.saves++
	s.Version++
	m.states[cid] = s
	for k, c := range delta {
		if m.rollups[k] == nil {
			m.rollups[k] = reports.Counters{}
		}
		for name, v := range c {
			m.rollups[k][name] += v
			if m.rollups[k][name] == 0 {
				delete(m.rollups[k], name)
			}
		}
		if len(m.rollups[k]) == 0 {
			delete(m.rollups, k)
		}
	}
	return nil
}

func (m *memStore) ReportDays(_ context.Context, dim, id, from, to string) ([]reports.Day, error) {
	var out []reports.Day
	for k, c := range m.rollups {
		if k.Dim == dim && k.ID == id && k.Day >= from && k.Day <= to {
			out = append(out, reports.Day{Date: k.Day, Counters: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}

// Duplicated and out-of-order events give the rollups of the events in
// order, once each.
func TestRecordDuplicatesAndOrder(t *testing.T) {
	events := all(scripted())
	rng := rand.New(rand.NewPCG(14, 14))
	shuffled := append([]reports.Event(nil), events...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	reversed := make([]reports.Event, len(events))
	for i, e := range events {
		reversed[len(events)-1-i] = e
	}
	twice := append(append([]reports.Event(nil), events...), shuffled...)
	tests := []struct {
		name      string
		events    []reports.Event
		conflicts bool
		recorded  int
	}{
		{"in order", events, false, len(events)},
		{"shuffled", shuffled, false, len(events)},
		{"reversed", reversed, false, len(events)},
		{"every event twice", twice, false, len(events)},
		{"concurrent writers", shuffled, true, len(events)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newMemStore()
			if tt.conflicts {
				for _, s := range scripted() {
					st.conflict[s.cid] = true
				}
			}
			rec, err := reports.NewRecorder(st, rome, hoursOf{})
			if err != nil {
				t.Fatal(err)
			}
			recorded := 0
			for _, ev := range tt.events {
				ok, err := rec.Record(t.Context(), ev)
				if err != nil {
					t.Fatalf("record %+v: %v", ev, err)
				}
				if ok {
					recorded++
				}
			}
			if recorded != tt.recorded {
				t.Errorf("recorded %d events, want %d (duplicates skipped)", recorded, tt.recorded)
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
			if len(got.Days) != 1 || got.Days[0].Date != "2026-12-07" {
				t.Errorf("days %+v, want 2026-12-07 only", got.Days)
			}
		})
	}
}

func TestReportRefusesBadRanges(t *testing.T) {
	m := newMemStore()
	rd, err := reports.NewReader(m, m)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dim, id, from, to string }{
		{"no dimension", "", "main", "2026-12-01", "2026-12-02"},
		{"no id", reports.DimInbox, "", "2026-12-01", "2026-12-02"},
		{"not a date", reports.DimInbox, "main", "2026-12-01", "tomorrow"},
		{"backwards", reports.DimInbox, "main", "2026-12-02", "2026-12-01"},
		{"over a year", reports.DimAgent, "alice", "2025-01-01", "2026-01-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := rd.Report(t.Context(), tt.dim, tt.id, tt.from, tt.to); !errors.Is(err, chat.ErrInvalid) {
				t.Errorf("err = %v, want chat.ErrInvalid", err)
			}
		})
	}
	if _, err := rd.Report(t.Context(), reports.DimInbox, "main", "2025-12-08", "2026-12-08"); err != nil {
		t.Errorf("366 days: %v", err)
	}
}

// What Parse makes of the documented examples.
func TestParseDocumentedEvents(t *testing.T) {
	tests := []struct {
		file string
		want reports.Event
		ok   bool
	}{
		{"message.created.json", reports.Event{ConversationID: "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", InboxID: "main", ChannelID: "main",
			Entry: reports.Entry{Seq: 3, Kind: reports.KindAgent, Agent: "a11ce000-0000-4000-8000-000000000001", At: ms("2026-11-21T19:42:10.123Z")}}, true},
		{"message.created.note.json", reports.Event{}, false},
		{"conversation.created.json", reports.Event{}, false},
		{"agent.status.json", reports.Event{}, false},
		{"conversation.closed.inactivity.json", reports.Event{ConversationID: "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", InboxID: "main", ChannelID: "main",
			Entry: reports.Entry{Seq: 9, Kind: reports.KindClosed, Reason: "inactivity", At: ms("2026-11-21T19:42:10.123Z")}}, true},
		{"conversation.closed.json", reports.Event{ConversationID: "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", InboxID: "main", ChannelID: "main",
			Entry: reports.Entry{Seq: 7, Kind: reports.KindClosed, Reason: "agent", Survey: true, At: ms("2026-11-21T19:42:10.123Z")}}, true},
		{"conversation.rated.json", reports.Event{ConversationID: "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", InboxID: "main", ChannelID: "main",
			Entry: reports.Entry{Seq: 10, Kind: reports.KindRated, Score: 4, At: ms("2026-11-21T19:42:10.123Z")}}, true},
		{"message.created.bot.json", reports.Event{ConversationID: "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", InboxID: "main", ChannelID: "main",
			Entry: reports.Entry{Seq: 1, Kind: reports.KindBot, Channel: "chat", At: ms("2026-11-21T19:42:10.123Z")}}, true},
		{"conversation.handed_over.json", reports.Event{ConversationID: "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", InboxID: "main", ChannelID: "main",
			Entry: reports.Entry{Seq: 5, Kind: reports.KindHandedOver, At: ms("2026-11-21T19:42:10.123Z")}}, true},
		{"conversation.closed.bot.json", reports.Event{ConversationID: "8b0c8a52-8d1c-4f0e-9f59-0d3c3f1f6a10", InboxID: "main", ChannelID: "main",
			Entry: reports.Entry{Seq: 4, Kind: reports.KindClosed, Reason: "bot", At: ms("2026-11-21T19:42:10.123Z")}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var env struct {
				Source     string          `json:"source"`
				DetailType string          `json:"detail-type"`
				Detail     json.RawMessage `json:"detail"`
			}
			readJSON(t, "../../docs/events/"+tt.file, &env)
			got, ok, err := reports.Parse(env.Source, env.DetailType, env.Detail)
			if err != nil || ok != tt.ok {
				t.Fatalf("Parse = %v, %v; want %v", ok, err, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
	// The bot's later messages are no reply and count for nothing.
	later := `{"version":"1","conversationId":"c","inboxId":"main","seq":2,"occurredAt":"2026-11-21T19:42:10Z","visibility":"public",
		"message":{"kind":"text","channel":"chat","author":{"type":"bot","id":""}}}`
	if _, ok, err := reports.Parse("parley.chat", "message.created", []byte(later)); ok || err != nil {
		t.Errorf("Parse(the bot's second message) = %v, %v; want not counted", ok, err)
	}
	for _, bad := range []string{`{`, `{"version":"1"}`, `{"version":"1","conversationId":"c","inboxId":"main","seq":2,"occurredAt":"2026-11-21T19:42:10Z"}`} {
		if _, _, err := reports.Parse("parley.chat", "message.created", []byte(bad)); !errors.Is(err, reports.ErrMalformed) {
			t.Errorf("Parse(%s) = %v, want ErrMalformed", bad, err)
		}
	}
	for _, bad := range []string{`{"version":"1","conversationId":"c","inboxId":"main","seq":2,"occurredAt":"2026-11-21T19:42:10Z"}`,
		`{"version":"1","conversationId":"c","inboxId":"main","seq":2,"occurredAt":"2026-11-21T19:42:10Z","rating":{"score":6}}`} {
		if _, _, err := reports.Parse("parley.chat", "conversation.rated", []byte(bad)); !errors.Is(err, reports.ErrMalformed) {
			t.Errorf("Parse(rated %s) = %v, want ErrMalformed", bad, err)
		}
	}
}

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(fmt.Sprint(s, err))
	}
	return t.UnixMilli()
}
