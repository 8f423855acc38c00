package availability

import (
	"math"
	"time"
)

// Instants are Unix seconds; local wall-clock readings are "local seconds",
// the same count as if the zone were UTC (day*86400 + minute*60).

const (
	secondsPerDay = 86400
	// forever stands for "no end" (an open period that never closes).
	forever = math.MaxInt64
	// Zone offsets stay within ±15 h (Kiribati's +14 h; some historical
	// local mean times a little over 15 h): a wall-clock reading happens
	// within this much of the same reading taken as UTC.
	maxOffset = 16 * 3600
)

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil).
func daysFromCivil(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= time.February {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era--
	}
	yoe := yy - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// weekday of a day counted from 1970-01-01, a Thursday.
func weekday(day int64) time.Weekday {
	w := (day + int64(time.Thursday)) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// zonePeriod is a stretch of time with one UTC offset.
type zonePeriod struct {
	start, end int64 // instants; math.MinInt64 and forever when unbounded
	offset     int64 // seconds east of UTC
}

// zoneCursor turns wall-clock readings into instants, caching the zone
// periods it has looked up, as a walk over consecutive days asks about
// readings close to each other.
type zoneCursor struct {
	loc     *time.Location
	periods []zonePeriod // consecutive; periods[0] starts at or before the last reading asked minus maxOffset
}

func (z *zoneCursor) periodAt(sec int64) zonePeriod {
	t := time.Unix(sec, 0).In(z.loc)
	_, off := t.Zone()
	p := zonePeriod{start: math.MinInt64, end: forever, offset: int64(off)}
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		p.start = start.Unix()
	}
	if !end.IsZero() {
		p.end = end.Unix()
	}
	return p
}

// instant returns the first instant at which the zone's wall clock reads
// local or later. For a reading the clock skips (spring forward) that is
// the instant of the jump; for a reading it shows twice (fall back), the
// first time. The map is monotonic: later readings never give earlier
// instants, so intervals keep their order and touching ones still touch.
func (z *zoneCursor) instant(local int64) int64 {
	lo := local - maxOffset
	if len(z.periods) == 0 || z.periods[0].start > lo {
		z.periods = append(z.periods[:0], z.periodAt(lo))
	}
	// Periods ending before lo cannot hold the answer now or for any later
	// reading.
	for len(z.periods) > 1 && z.periods[0].end <= lo {
		z.periods = z.periods[1:]
	}
	for i := 0; ; i++ {
		if i == len(z.periods) {
			z.periods = append(z.periods, z.periodAt(z.periods[i-1].end))
		}
		p := z.periods[i]
		// The clock reads p.start+offset up to p.end+offset during p: the
		// first period whose readings pass local holds the answer.
		if p.end == forever || p.end+p.offset > local {
			return max(p.start, local-p.offset)
		}
	}
}

// dayOf returns the local day an instant belongs to: the last day whose
// start (instant(day 00:00)) is at or before it. That is the date the clock
// shows, except where the clock turns back across midnight after showing
// the new date: the repeated minutes stay in the day that started.
func (z *zoneCursor) dayOf(sec int64) int64 {
	y, m, d := time.Unix(sec, 0).In(z.loc).Date()
	day := daysFromCivil(y, m, d)
	for z.instant((day+1)*secondsPerDay) <= sec {
		day++
	}
	return day
}
