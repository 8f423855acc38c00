package availability_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/availability"
)

// schedule builds a schedule from its JSON settings, as a channel stores them.
func schedule(t testing.TB, settings string) *availability.Schedule {
	t.Helper()
	var s availability.Settings
	if err := json.Unmarshal([]byte(settings), &s); err != nil {
		t.Fatalf("settings %s: %v", settings, err)
	}
	sch, err := availability.New(s)
	if err != nil {
		t.Fatalf("settings %s: %v", settings, err)
	}
	return sch
}

// at reads an RFC 3339 instant; "" is the zero time (no transition).
func at(t testing.TB, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The schedules the tables below use.
const (
	// A split shift in Rome on weekdays; Christmas Eve has special hours,
	// Christmas is closed, and the office closes from New Year's Eve to
	// Epiphany (Thursday to the next Wednesday: across a weekend).
	rome = `{"mode":"hours","timeZone":"Europe/Rome",
		"week":{
			"mon":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"18:00"}],
			"tue":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"18:00"}],
			"wed":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"18:00"}],
			"thu":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"18:00"}],
			"fri":[{"start":"14:00","end":"18:00"},{"start":"09:00","end":"12:30"}]},
		"holidays":[
			{"date":"2026-12-25","name":"Christmas"},
			{"date":"2026-12-24","hours":[{"start":"09:00","end":"12:00"}]},
			{"date":"2026-12-31","endDate":"2027-01-06"}]}`

	// Intervals that touch: at noon, and across midnight (Monday until
	// 24:00, Tuesday from 00:00).
	touching = `{"mode":"hours","timeZone":"UTC",
		"week":{
			"mon":[{"start":"12:00","end":"13:00"},{"start":"09:00","end":"12:00"},{"start":"22:00","end":"24:00"}],
			"tue":[{"start":"00:00","end":"02:00"}]}}`

	// Open around the clock except on one holiday.
	allDay = `{"mode":"hours","timeZone":"Europe/Rome",
		"week":{
			"mon":[{"start":"00:00","end":"24:00"}],"tue":[{"start":"00:00","end":"24:00"}],
			"wed":[{"start":"00:00","end":"24:00"}],"thu":[{"start":"00:00","end":"24:00"}],
			"fri":[{"start":"00:00","end":"24:00"}],"sat":[{"start":"00:00","end":"24:00"}],
			"sun":[{"start":"00:00","end":"24:00"}]},
		"holidays":[{"date":"2026-12-25"}]}`

	// No opening hours in the week; one day with special hours.
	neverButOnce = `{"mode":"hours","timeZone":"Asia/Kolkata",
		"holidays":[{"date":"2026-01-01"},{"date":"2026-08-15","hours":[{"start":"10:00","end":"11:00"}]}]}`
	never = `{"mode":"hours","timeZone":"Asia/Kolkata","holidays":[{"date":"2026-01-01"}]}`

	kolkata = `{"mode":"hours","timeZone":"Asia/Kolkata",
		"week":{"mon":[{"start":"09:00","end":"17:30"}]}}`
)

// Every case checks Open at t and the next change after t; Next must be
// the instant Open flips.
func TestOpenAndNext(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		t        string
		open     bool
		next     string // "" when no change is scheduled
	}{
		{"before the morning shift", rome, "2026-12-14T08:59:59+01:00", false, "2026-12-14T09:00:00+01:00"},
		{"a second before opening, with nanoseconds", rome, "2026-12-14T08:59:59.999999999+01:00", false, "2026-12-14T09:00:00+01:00"},
		{"at the opening minute", rome, "2026-12-14T09:00:00+01:00", true, "2026-12-14T12:30:00+01:00"},
		{"at the end of the morning: lunch", rome, "2026-12-14T12:30:00+01:00", false, "2026-12-14T14:00:00+01:00"},
		{"afternoon shift, given in UTC", rome, "2026-12-14T16:00:00Z", true, "2026-12-14T18:00:00+01:00"},
		{"Friday evening: next is Monday", rome, "2026-12-18T18:00:00+01:00", false, "2026-12-21T09:00:00+01:00"},
		{"Friday's intervals given out of order", rome, "2026-12-18T10:00:00+01:00", true, "2026-12-18T12:30:00+01:00"},
		{"Christmas Eve's special hours", rome, "2026-12-24T10:00:00+01:00", true, "2026-12-24T12:00:00+01:00"},
		{"Christmas Eve afternoon is closed", rome, "2026-12-24T15:00:00+01:00", false, "2026-12-28T09:00:00+01:00"},
		{"holiday range starts after Wednesday", rome, "2026-12-30T18:00:00+01:00", false, "2027-01-07T09:00:00+01:00"},
		{"inside the holiday range, on a weekday", rome, "2027-01-04T10:00:00+01:00", false, "2027-01-07T09:00:00+01:00"},
		{"inside the holiday range, at the weekend", rome, "2027-01-02T10:00:00+01:00", false, "2027-01-07T09:00:00+01:00"},

		{"touching at noon: one period", touching, "2026-06-01T11:00:00Z", true, "2026-06-01T13:00:00Z"},
		{"at noon itself", touching, "2026-06-01T12:00:00Z", true, "2026-06-01T13:00:00Z"},
		{"24:00 then 00:00: open across midnight", touching, "2026-06-01T23:00:00Z", true, "2026-06-02T02:00:00Z"},
		{"before the evening", touching, "2026-06-01T21:59:00Z", false, "2026-06-01T22:00:00Z"},
		{"after the night shift", touching, "2026-06-02T02:00:00Z", false, "2026-06-08T09:00:00Z"},

		{"around the clock: next is the holiday", allDay, "2026-12-01T12:00:00+01:00", true, "2026-12-25T00:00:00+01:00"},
		{"on the holiday", allDay, "2026-12-25T12:00:00+01:00", false, "2026-12-26T00:00:00+01:00"},
		{"around the clock after the last holiday", allDay, "2026-12-26T00:00:00+01:00", true, ""},

		{"a week without hours: the special day", neverButOnce, "2026-01-01T12:00:00+05:30", false, "2026-08-15T10:00:00+05:30"},
		{"on the special day", neverButOnce, "2026-08-15T10:30:00+05:30", true, "2026-08-15T11:00:00+05:30"},
		{"after the special day: never again", neverButOnce, "2026-08-15T11:00:00+05:30", false, ""},
		{"a week without hours never opens", never, "2025-12-01T12:00:00Z", false, ""},

		{"half-hour offset: opens at 09:00 IST", kolkata, "2026-06-01T03:29:59Z", false, "2026-06-01T03:30:00Z"},
		{"half-hour offset: closes at 17:30 IST", kolkata, "2026-06-01T09:00:00Z", true, "2026-06-01T12:00:00Z"},

		{"always", `{"mode":"always"}`, "2026-06-01T03:00:00Z", true, ""},
		{"team: the schedule never closes", `{"mode":"team"}`, "2026-06-01T03:00:00Z", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedule(t, tt.settings)
			when := at(t, tt.t)
			if got := s.Open(when); got != tt.open {
				t.Errorf("Open(%s) = %v, want %v", tt.t, got, tt.open)
			}
			next, ok := s.Next(when)
			want := at(t, tt.next)
			if ok != !want.IsZero() || !next.Equal(want) {
				t.Fatalf("Next(%s) = %v, %v; want %v", tt.t, next, ok, tt.next)
			}
			if ok && s.Open(next) == tt.open {
				t.Errorf("Open(%s) = %v: no change at Next", next, tt.open)
			}
		})
	}
}

// Intervals are wall-clock times of the channel's zone. A boundary the
// clock skips takes effect when the clock jumps; one it shows twice takes
// effect the first time, and the interval is not repeated.
func TestDaylightSaving(t *testing.T) {
	rome := func(sun string) string {
		return `{"mode":"hours","timeZone":"Europe/Rome","week":{"sun":` + sun + `}}`
	}
	sydney := func(sun string) string {
		return `{"mode":"hours","timeZone":"Australia/Sydney","week":{"sun":` + sun + `}}`
	}
	santiago := func(week string) string {
		return `{"mode":"hours","timeZone":"America/Santiago","week":` + week + `}`
	}
	lordHowe := `{"mode":"hours","timeZone":"Australia/Lord_Howe","week":{"sun":[{"start":"02:00","end":"02:15"},{"start":"02:15","end":"03:00"}]}}`

	tests := []struct {
		name     string
		settings string
		t        string
		open     bool
		next     string
	}{
		// Rome springs forward on 2026-03-29: 02:00 CET (01:00Z) becomes 03:00 CEST.
		{"Rome spring: an interval inside the skipped hour never opens", rome(`[{"start":"02:00","end":"02:30"}]`),
			"2026-03-28T12:00:00+01:00", false, "2026-04-05T02:00:00+02:00"},
		{"Rome spring: an end in the skipped hour is the jump", rome(`[{"start":"01:30","end":"02:30"}]`),
			"2026-03-29T01:30:00+01:00", true, "2026-03-29T03:00:00+02:00"},
		{"Rome spring: a start in the skipped hour is the jump", rome(`[{"start":"02:30","end":"04:00"}]`),
			"2026-03-29T01:59:59+01:00", false, "2026-03-29T03:00:00+02:00"},
		{"Rome spring: open from the jump", rome(`[{"start":"02:30","end":"04:00"}]`),
			"2026-03-29T03:00:00+02:00", true, "2026-03-29T04:00:00+02:00"},
		{"Rome spring: intervals around the gap join", rome(`[{"start":"01:00","end":"02:00"},{"start":"02:30","end":"05:00"}]`),
			"2026-03-29T01:59:00+01:00", true, "2026-03-29T05:00:00+02:00"},

		// Rome falls back on 2026-10-25: 03:00 CEST (01:00Z) becomes 02:00 CET.
		{"Rome fall: a start in the repeated hour is its first time", rome(`[{"start":"02:30","end":"03:30"}]`),
			"2026-10-25T00:00:00Z", false, "2026-10-25T02:30:00+02:00"},
		{"Rome fall: open through the repeat, two real hours", rome(`[{"start":"02:30","end":"03:30"}]`),
			"2026-10-25T02:30:00+02:00", true, "2026-10-25T03:30:00+01:00"},
		{"Rome fall: the second 02:15 is inside", rome(`[{"start":"02:30","end":"03:30"}]`),
			"2026-10-25T02:15:00+01:00", true, "2026-10-25T03:30:00+01:00"},
		{"Rome fall: an end in the repeated hour is its first time", rome(`[{"start":"01:00","end":"02:30"}]`),
			"2026-10-25T02:00:00+02:00", true, "2026-10-25T02:30:00+02:00"},
		{"Rome fall: the second 02:15 does not reopen a closed interval", rome(`[{"start":"01:00","end":"02:30"}]`),
			"2026-10-25T02:15:00+01:00", false, "2026-11-01T01:00:00+01:00"},

		// Sydney falls back on 2026-04-05 (03:00 AEDT becomes 02:00 AEST) and
		// springs forward on 2026-10-04 (02:00 AEST becomes 03:00 AEDT).
		{"Sydney fall: opens the first 02:30", sydney(`[{"start":"02:30","end":"03:30"}]`),
			"2026-04-05T02:00:00+11:00", false, "2026-04-05T02:30:00+11:00"},
		{"Sydney fall: the second 02:45 is inside", sydney(`[{"start":"02:30","end":"03:30"}]`),
			"2026-04-05T02:45:00+10:00", true, "2026-04-05T03:30:00+10:00"},
		{"Sydney spring: the skipped hour never opens", sydney(`[{"start":"02:00","end":"03:00"}]`),
			"2026-10-03T12:00:00+10:00", false, "2026-10-11T02:00:00+11:00"},
		{"Sydney spring: closes at the jump", sydney(`[{"start":"01:00","end":"02:30"}]`),
			"2026-10-04T01:00:00+10:00", true, "2026-10-04T03:00:00+11:00"},

		// Santiago changes at midnight. On 2026-09-06 the clock goes from
		// Saturday 24:00 to Sunday 01:00; on 2026-04-05 it turns back from
		// Saturday 24:00 to Saturday 23:00, so Saturday's last hour repeats.
		{"Santiago spring: Sunday without 00:00 opens at 01:00", santiago(`{"sun":[{"start":"00:00","end":"08:00"}]}`),
			"2026-09-05T12:00:00-04:00", false, "2026-09-06T01:00:00-03:00"},
		{"Santiago spring: Saturday 24:00 and Sunday 00:00 join across the gap",
			santiago(`{"sat":[{"start":"22:00","end":"24:00"}],"sun":[{"start":"00:00","end":"08:00"}]}`),
			"2026-09-05T23:00:00-04:00", true, "2026-09-06T08:00:00-03:00"},
		{"Santiago spring: Sunday's skipped 00:00-01:00 never opens",
			santiago(`{"sat":[{"start":"22:00","end":"24:00"}],"sun":[{"start":"00:00","end":"01:00"}]}`),
			"2026-09-05T23:00:00-04:00", true, "2026-09-06T01:00:00-03:00"},
		{"Santiago fall: Saturday until 24:00 takes the repeated hour", santiago(`{"sat":[{"start":"22:00","end":"24:00"}]}`),
			"2026-04-04T23:30:00-03:00", true, "2026-04-05T00:00:00-04:00"},
		{"Santiago fall: the repeated 23:30 is still Saturday", santiago(`{"sat":[{"start":"22:00","end":"24:00"}]}`),
			"2026-04-04T23:30:00-04:00", true, "2026-04-05T00:00:00-04:00"},
		{"Santiago fall: Sunday starts when the clock first shows Sunday", santiago(`{"sun":[{"start":"00:00","end":"01:00"}]}`),
			"2026-04-04T23:30:00-04:00", false, "2026-04-05T00:00:00-04:00"},
		{"Santiago fall: Saturday 24:00 and Sunday 00:00 join",
			santiago(`{"sat":[{"start":"22:00","end":"24:00"}],"sun":[{"start":"00:00","end":"01:00"}]}`),
			"2026-04-04T23:30:00-04:00", true, "2026-04-05T01:00:00-04:00"},

		// St. John's turned its clock back at 00:01 until 2011: on
		// 2010-11-07 it showed Sunday 00:00 for a minute, then Saturday
		// 23:01 again. Sunday has started: the repeated minutes are Sunday's.
		{"St. John's: a repeated Saturday minute after Sunday began is Sunday's",
			`{"mode":"hours","timeZone":"America/St_Johns","week":{"sun":[{"start":"00:00","end":"01:00"}]}}`,
			"2010-11-06T23:30:00-03:30", true, "2010-11-07T01:00:00-03:30"},
		{"St. John's: Saturday until 24:00 ends at the first midnight",
			`{"mode":"hours","timeZone":"America/St_Johns","week":{"sat":[{"start":"22:00","end":"24:00"}]}}`,
			"2010-11-06T23:30:00-03:30", false, "2010-11-13T22:00:00-03:30"},

		// Lord Howe moves its clock by half an hour: 02:00 becomes 02:30 on
		// 2026-10-04.
		{"Lord Howe: a half-hour gap", lordHowe,
			"2026-10-04T01:59:00+10:30", false, "2026-10-04T02:30:00+11:00"},
		{"Lord Howe: open after the gap", lordHowe,
			"2026-10-04T02:30:00+11:00", true, "2026-10-04T03:00:00+11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedule(t, tt.settings)
			when := at(t, tt.t)
			if got := s.Open(when); got != tt.open {
				t.Errorf("Open(%s) = %v, want %v", tt.t, got, tt.open)
			}
			next, ok := s.Next(when)
			want := at(t, tt.next)
			if ok != !want.IsZero() || !next.Equal(want) {
				t.Fatalf("Next(%s) = %v, %v; want %v", tt.t, next, ok, tt.next)
			}
			if s.Open(next) == tt.open {
				t.Errorf("Open(%s) = %v: no change at Next", next, tt.open)
			}
		})
	}
}

func TestOpenDuration(t *testing.T) {
	h := time.Hour
	romeSunday := func(sun string) string {
		return `{"mode":"hours","timeZone":"Europe/Rome","week":{"sun":` + sun + `}}`
	}
	tests := []struct {
		name     string
		settings string
		from, to string
		want     time.Duration
	}{
		{"a working week of split shifts", rome, "2026-12-14T00:00:00+01:00", "2026-12-21T00:00:00+01:00", 37*h + 30*time.Minute},
		{"across lunch", rome, "2026-12-14T10:00:00+01:00", "2026-12-14T15:00:00+01:00", 3*h + 30*time.Minute},
		{"over the holidays", rome, "2026-12-21T00:00:00+01:00", "2027-01-11T00:00:00+01:00", 63 * h},
		{"inside lunch", rome, "2026-12-14T12:40:00+01:00", "2026-12-14T13:50:00+01:00", 0},
		{"sub-second edges at an opening", rome, "2026-12-14T08:59:59.5+01:00", "2026-12-14T09:00:00.5+01:00", 500 * time.Millisecond},
		{"sub-second edges at a closing", rome, "2026-12-14T12:29:59.75+01:00", "2026-12-14T12:30:00.5+01:00", 250 * time.Millisecond},
		{"to before from", rome, "2026-12-14T15:00:00+01:00", "2026-12-14T10:00:00+01:00", 0},
		{"the spring-forward day has 23 hours", romeSunday(`[{"start":"00:00","end":"24:00"}]`), "2026-03-28T00:00:00+01:00", "2026-03-31T00:00:00+02:00", 23 * h},
		{"the fall-back day has 25 hours", romeSunday(`[{"start":"00:00","end":"24:00"}]`), "2026-10-24T00:00:00+02:00", "2026-10-27T00:00:00+01:00", 25 * h},
		{"01:00-04:00 on the spring-forward day", romeSunday(`[{"start":"01:00","end":"04:00"}]`), "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 2 * h},
		{"01:00-04:00 on the fall-back day", romeSunday(`[{"start":"01:00","end":"04:00"}]`), "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 4 * h},
		{"around the clock for 90 days is elapsed time less the holiday", allDay, "2026-10-01T00:00:00+02:00", "2026-12-30T00:00:00+01:00", 90*24*h + h - 24*h},
		{"a week without hours", never, "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z", 0},
		{"always", `{"mode":"always"}`, "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z", 90 * 24 * h},
		{"team status counts every instant", `{"mode":"team"}`, "2026-01-01T00:00:00Z", "2026-01-01T05:00:00Z", 5 * h},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedule(t, tt.settings)
			if got := s.OpenDuration(at(t, tt.from), at(t, tt.to)); got != tt.want {
				t.Errorf("OpenDuration(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		t        string
		team     bool
		want     availability.Status
	}{
		{"business hours, open", rome, "2026-12-14T10:00:00+01:00", false,
			availability.Status{Available: true, NextChange: at(t, "2026-12-14T12:30:00+01:00")}},
		{"business hours ignore the team", rome, "2026-12-14T13:00:00+01:00", true,
			availability.Status{Available: false, NextChange: at(t, "2026-12-14T14:00:00+01:00")}},
		{"team available", `{"mode":"team"}`, "2026-12-14T13:00:00Z", true, availability.Status{Available: true}},
		{"team away", `{"mode":"team"}`, "2026-12-14T13:00:00Z", false, availability.Status{Available: false}},
		{"always", `{"mode":"always"}`, "2026-12-14T13:00:00Z", false, availability.Status{Available: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schedule(t, tt.settings).Status(at(t, tt.t), tt.team)
			if got.Available != tt.want.Available || !got.NextChange.Equal(tt.want.NextChange) {
				t.Errorf("Status = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The widget's config carries the status; no next change, no field.
func TestStatusJSON(t *testing.T) {
	tests := []struct {
		status availability.Status
		want   string
	}{
		{availability.Status{Available: true, NextChange: at(t, "2026-12-14T12:30:00+01:00")},
			`{"available":true,"nextChange":"2026-12-14T12:30:00+01:00"}`},
		{availability.Status{Available: false}, `{"available":false}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.status)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("got %s, want %s", b, tt.want)
		}
	}
}
