package availability_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/availability"
)

// zones with daylight saving north and south, at midnight, by half an
// hour, and without it.
var propertyZones = []string{
	"Europe/Rome", "Australia/Sydney", "America/Santiago", "Australia/Lord_Howe",
	"America/Havana", "America/St_Johns", "Asia/Kolkata", "UTC",
}

// For random schedules and instants around clock changes: Open keeps its
// answer at every minute from t up to Next(t) and flips exactly there;
// both agree with a reference that reads the rules off the wall clock
// minute by minute; OpenDuration equals the open minutes.
func TestTransitionsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	for i := range 400 {
		m := randomModel(t, rng)
		s, err := availability.New(m.settings())
		if err != nil {
			t.Fatalf("case %d: %v\n%+v", i, err, m.settings())
		}
		from := m.windowStart
		to := from.Add(48 * time.Hour)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d (%s, %+v): %s", i, m.loc, m.settings(), fmt.Sprintf(format, args...))
		}

		// Follow the transitions through the window.
		open := s.Open(from)
		var openTime time.Duration
		for cur := from; cur.Before(to); {
			next, ok := s.Next(cur)
			end := to
			if ok {
				if !next.After(cur) {
					fail("Next(%v) = %v, not after it", cur, next)
				}
				if next.Unix()%60 != 0 || next.Nanosecond() != 0 {
					fail("Next(%v) = %v, not on a minute", cur, next)
				}
				end = next
			}
			// Every minute in between, and the last second before Next.
			for u := cur.Truncate(time.Minute).Add(time.Minute); u.Before(end) && !u.After(to); u = u.Add(time.Minute) {
				if s.Open(u) != open {
					fail("Open(%v) = %v between %v and Next %v", u, !open, cur, end)
				}
				if m.open(u) != open {
					fail("the reference says %v at %v, Open says %v", !open, u, open)
				}
			}
			if last := end.Add(-time.Second); ok && last.After(cur) && s.Open(last) != open {
				fail("Open(%v) = %v a second before Next %v", last, !open, end)
			}
			if open {
				if end.After(to) {
					openTime += to.Sub(cur)
				} else {
					openTime += end.Sub(cur)
				}
			}
			if !ok {
				// No change ever: check a sample far ahead.
				for range 20 {
					u := to.Add(time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
					if s.Open(u) != open {
						fail("Next(%v) reports no change, but Open(%v) = %v", cur, u, !open)
					}
				}
				break
			}
			if s.Open(end) == open {
				fail("Open(%v) = %v: no change at Next(%v)", end, open, cur)
			}
			if end.Before(to) && m.open(end) == open {
				fail("the reference has no change at Next %v", end)
			}
			cur, open = end, !open
		}
		if got := s.OpenDuration(from, to); got != openTime {
			fail("OpenDuration(%v, %v) = %v, want %v", from, to, got, openTime)
		}
		mid := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from)))))
		if a, b := s.OpenDuration(from, mid), s.OpenDuration(mid, to); a+b != openTime {
			fail("OpenDuration split at %v: %v + %v, want %v", mid, a, b, openTime)
		}
	}
}

// model is a random schedule in the test's own terms, with a reference
// answer computed from the rules in docs/availability.md.
type model struct {
	loc         *time.Location
	week        [7][][2]int // minutes, by time.Weekday
	holidays    []modelHoliday
	windowStart time.Time
	walls       map[[2]int64]time.Time // wall's answers
}

type modelHoliday struct {
	first, last int64 // days since 1970-01-01
	hours       [][2]int
	special     bool
}

func randomModel(t *testing.T, rng *rand.Rand) *model {
	name := propertyZones[rng.IntN(len(propertyZones))]
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	m := &model{loc: loc, walls: map[[2]int64]time.Time{}}
	// A window around a clock change of 2026, of 2041 (past the zone
	// files' explicit transitions, where the zone's rule takes over), or of
	// 2010 (St. John's turned back across midnight).
	year := []int{2010, 2026, 2041}[rng.IntN(3)]
	changes := clockChanges(loc, year)
	anchor := time.Date(year, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, loc)
	if len(changes) > 0 {
		anchor = changes[rng.IntN(len(changes))]
	}
	m.windowStart = anchor.Add(-time.Duration(rng.Int64N(int64(40 * time.Hour))))

	switch rng.IntN(10) {
	case 0: // around the clock
		for d := range m.week {
			m.week[d] = [][2]int{{0, 1440}}
		}
	case 1: // no hours
	default:
		for d := range m.week {
			m.week[d] = randomIntervals(rng)
		}
	}
	day := daysOf(m.windowStart.In(loc))
	for range rng.IntN(4) {
		first := day - 3 + rng.Int64N(8)
		h := modelHoliday{first: first, last: first + rng.Int64N(3)}
		if rng.IntN(2) == 0 {
			h.special = true
			h.hours = randomIntervals(rng)
			if len(h.hours) == 0 {
				h.hours = [][2]int{{0, 1440}}
			}
		}
		if !slices.ContainsFunc(m.holidays, func(o modelHoliday) bool { return h.first <= o.last && o.first <= h.last }) {
			m.holidays = append(m.holidays, h)
		}
	}
	return m
}

// randomIntervals gives up to 3 sorted intervals, with boundaries drawn
// often from the hours clocks change in, sometimes touching.
func randomIntervals(rng *rand.Rand) [][2]int {
	special := []int{0, 30, 60, 90, 120, 135, 150, 180, 210, 1380, 1410, 1440}
	n := rng.IntN(4)
	var pts []int
	for len(pts) < 2*n {
		p := rng.IntN(1441)
		if rng.IntN(2) == 0 {
			p = special[rng.IntN(len(special))]
		}
		if !slices.Contains(pts, p) {
			pts = append(pts, p)
		}
	}
	slices.Sort(pts)
	var out [][2]int
	for i := 0; i < len(pts); i += 2 {
		start := pts[i]
		if len(out) > 0 && rng.IntN(3) == 0 {
			start = out[len(out)-1][1] // touching the previous one
		}
		out = append(out, [2]int{start, pts[i+1]})
	}
	return out
}

func (m *model) settings() availability.Settings {
	ivs := func(in [][2]int) []availability.Interval {
		var out []availability.Interval
		for _, iv := range in {
			out = append(out, availability.Interval{Start: clock(iv[0]), End: clock(iv[1])})
		}
		return out
	}
	s := availability.Settings{Mode: availability.Hours, TimeZone: m.loc.String(), Week: availability.Week{
		Mon: ivs(m.week[time.Monday]), Tue: ivs(m.week[time.Tuesday]), Wed: ivs(m.week[time.Wednesday]),
		Thu: ivs(m.week[time.Thursday]), Fri: ivs(m.week[time.Friday]), Sat: ivs(m.week[time.Saturday]),
		Sun: ivs(m.week[time.Sunday]),
	}}
	for _, h := range m.holidays {
		hol := availability.Holiday{Date: date(h.first), Hours: ivs(h.hours)}
		if h.last != h.first {
			hol.EndDate = date(h.last)
		}
		s.Holidays = append(s.Holidays, hol)
	}
	return s
}

// open is the reference: an instant belongs to the last local day that
// has started (the clock has shown its 00:00 or later), and is open when
// one of that day's intervals has started and not ended, where a time of
// day starts the first time the wall clock shows it or a later time.
func (m *model) open(u time.Time) bool {
	day := daysOf(u.In(m.loc))
	if !m.wall(day+1, 0).After(u) {
		day++
	}
	hours := m.week[time.Unix(day*86400, 0).UTC().Weekday()]
	for _, h := range m.holidays {
		if h.first <= day && day <= h.last {
			hours = h.hours
		}
	}
	for _, iv := range hours {
		if !m.wall(day, iv[0]).After(u) && m.wall(day, iv[1]).After(u) {
			return true
		}
	}
	return false
}

// wall returns the first instant at which the clock shows the given day
// and minute or later, by trying every offset the zone uses around it.
func (m *model) wall(day int64, minute int) time.Time {
	local := day*86400 + int64(minute)*60
	key := [2]int64{day, int64(minute)}
	if t, ok := m.walls[key]; ok {
		return t
	}
	var first int64
	found := false
	for k := int64(-17); k <= 17; k++ {
		_, off := time.Unix(local+k*3600, 0).In(m.loc).Zone()
		cand := local - int64(off)
		if _, o := time.Unix(cand, 0).In(m.loc).Zone(); o == off && (!found || cand < first) {
			first, found = cand, true
		}
	}
	if !found {
		// The clock skips that reading: the first minute it shows a later one.
		for sec := local - 17*3600; ; sec += 60 {
			_, off := time.Unix(sec, 0).In(m.loc).Zone()
			if sec+int64(off) >= local {
				first = sec
				break
			}
		}
	}
	m.walls[key] = time.Unix(first, 0)
	return m.walls[key]
}

func daysOf(t time.Time) int64 {
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func date(day int64) string { return time.Unix(day*86400, 0).UTC().Format(time.DateOnly) }

func clock(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

var changesCache = map[string][]time.Time{}

// clockChanges lists the instants a zone changes its offset in a year.
func clockChanges(loc *time.Location, year int) []time.Time {
	key := fmt.Sprint(loc, year)
	if c, ok := changesCache[key]; ok {
		return c
	}
	var out []time.Time
	t := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	_, prev := t.Zone()
	for ; t.Year() == year; t = t.Add(15 * time.Minute) {
		if _, off := t.Zone(); off != prev {
			out = append(out, t)
			prev = off
		}
	}
	changesCache[key] = out
	return out
}
