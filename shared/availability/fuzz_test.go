package availability_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/availability"
)

// fieldPath is every field name a validation error may carry.
var fieldPath = regexp.MustCompile(`^(mode|timeZone|` +
	`week\.(mon|tue|wed|thu|fri|sat|sun)(\[\d+\](\.(start|end))?)?|` +
	`holidays(\[\d+\](\.(date|endDate|name)|\.hours(\[\d+\](\.(start|end))?)?)?)?)$`)

// FuzzSettings: whatever an admin (or anyone) sends, New never panics;
// a refusal names known fields; accepted settings survive a JSON round
// trip unchanged in meaning, and their schedule keeps Next's promise: Open
// flips exactly there and not a second before.
func FuzzSettings(f *testing.F) {
	for _, seed := range []string{
		`{"mode":"always"}`,
		`{"mode":"team","timeZone":"Australia/Sydney"}`,
		rome, touching, allDay, neverButOnce, never, kolkata,
		`{"mode":"hours","timeZone":"Europe/Rome","week":{"sun":[{"start":"01:30","end":"02:30"},{"start":"02:30","end":"24:00"}]}}`,
		`{"mode":"hours","timeZone":"America/Santiago","week":{"sat":[{"start":"22:00","end":"24:00"}],"sun":[{"start":"00:00","end":"01:00"}]}}`,
		`{"mode":"hours","timeZone":"UTC","holidays":[{"date":"9999-12-31","hours":[{"start":"00:00","end":"24:00"}]}]}`,
		`{"mode":"hours","timeZone":"UTC","holidays":[{"date":"0001-01-01","endDate":"0001-12-31"}]}`,
		`{"mode":"hours","timeZone":"Local","week":{"mon":[{"start":"24:00","end":"00:00"}]}}`,
		`{"mode":"hours","timeZone":"Europe/Rome","week":{"mon":[{"start":"09:00","end":"12:30"},{"start":"12:00","end":"13:00"}]}}`,
		`{"mode":"hours","holidays":[{"date":"2026-12-31","endDate":"2026-12-01","name":"x","hours":[{"start":"9","end":"8"}]}]}`,
		`{"mode":"","week":{"mon":null},"holidays":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s availability.Settings
		if json.Unmarshal(data, &s) != nil {
			return
		}
		sch, err := availability.New(s)
		if err != nil {
			var verr *availability.ValidationError
			if !errors.Is(err, availability.ErrInvalid) || !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("New error %v: not a validation error with fields", err)
			}
			for _, fe := range verr.Fields {
				if !fieldPath.MatchString(fe.Field) || fe.Message == "" {
					t.Fatalf("field error %q: %q", fe.Field, fe.Message)
				}
			}
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var again availability.Settings
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatal(err)
		}
		sch2, err := availability.New(again)
		if err != nil {
			t.Fatalf("settings %s no longer valid after a round trip: %v", b, err)
		}

		instants := []time.Time{
			time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC),
			time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC),
			time.Date(2026, 6, 1, 12, 0, 0, 500, time.UTC),
		}
		for _, h := range s.Holidays {
			if d, err := time.Parse(time.DateOnly, h.Date); err == nil {
				instants = append(instants, d.Add(-13*time.Hour))
			}
		}
		for _, at := range instants {
			open := sch.Open(at)
			next, ok := sch.Next(at)
			next2, ok2 := sch2.Next(at)
			if sch2.Open(at) != open || ok2 != ok || !next2.Equal(next) {
				t.Fatalf("round trip changed the answer at %v", at)
			}
			if ok {
				if !next.After(at) || sch.Open(next) == open {
					t.Fatalf("Next(%v) = %v, Open there %v, before %v", at, next, sch.Open(next), open)
				}
				if last := next.Add(-time.Second); last.After(at) && sch.Open(last) != open {
					t.Fatalf("Open(%v) = %v a second before Next %v", last, !open, next)
				}
			}
			week := 7 * 24 * time.Hour
			if d := sch.OpenDuration(at, at.Add(week)); d < 0 || d > week {
				t.Fatalf("OpenDuration over a week = %v", d)
			}
		}
	})
}
