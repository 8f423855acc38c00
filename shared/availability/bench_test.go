package availability_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/availability"
)

// The benchmarks ask the Rome schedule (split shifts, special hours,
// holidays over a weekend) about instants spread over 90 days, every 97
// minutes, across the week and the holidays.
func benchInstants(b *testing.B) []time.Time {
	b.Helper()
	start := at(b, "2026-10-20T00:00:00+02:00")
	var out []time.Time
	for t := start; t.Before(start.Add(90 * 24 * time.Hour)); t = t.Add(97 * time.Minute) {
		out = append(out, t)
	}
	return out
}

func BenchmarkOpen(b *testing.B) {
	s, ts := schedule(b, rome), benchInstants(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Open(ts[i%len(ts)])
	}
}

func BenchmarkNext(b *testing.B) {
	s, ts := schedule(b, rome), benchInstants(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Next(ts[i%len(ts)])
	}
}

func BenchmarkOpenDuration90Days(b *testing.B) {
	s := schedule(b, rome)
	from := at(b, "2026-10-20T08:17:00+02:00")
	to := from.Add(90 * 24 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		s.OpenDuration(from, to)
	}
}

// New includes loading the time zone, as a config request does once per
// cache miss.
func BenchmarkNew(b *testing.B) {
	var settings availability.Settings
	if err := json.Unmarshal([]byte(rome), &settings); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := availability.New(settings); err != nil {
			b.Fatal(err)
		}
	}
}
