package availability

import (
	"sort"
	"time"
)

// span is an opening interval of a local day, in minutes since midnight:
// [start, end), 0 <= start < end <= 1440.
type span struct {
	start, end int
}

// holiday covers the local days first..last (days since 1970-01-01); hours
// nil closes them, otherwise the days open during hours instead of the week.
type holiday struct {
	first, last int64
	hours       []span
}

// Schedule answers when a channel is available. It is immutable and safe
// for concurrent use. Open, Next and OpenDuration describe the schedule
// alone: in Team mode it never closes and the team's state decides
// (Status).
type Schedule struct {
	mode     Mode
	loc      *time.Location
	week     [7][]span // by time.Weekday; sorted, touching intervals joined
	full     bool      // every day of the week open 00:00-24:00
	empty    bool      // no interval on any day of the week
	holidays []holiday // sorted by first, disjoint
}

// Mode is the schedule's mode: the caller reads the team's state only for Team.
func (s *Schedule) Mode() Mode { return s.mode }

// Location is the channel's time zone (UTC when it has none).
func (s *Schedule) Location() *time.Location { return s.loc }

// Status is what the widget's config carries: whether the team is available
// now, and when that answer changes next (zero when no change is scheduled:
// always, team status, or business hours that never change again).
type Status struct {
	Available  bool      `json:"available"`
	NextChange time.Time `json:"nextChange,omitzero"`
}

// Status answers at t; teamAvailable (at least one member of the inbox is
// available) counts only in Team mode, where no change is scheduled.
func (s *Schedule) Status(t time.Time, teamAvailable bool) Status {
	if s.mode == Team {
		return Status{Available: teamAvailable}
	}
	next, _ := s.Next(t)
	return Status{Available: s.Open(t), NextChange: next}
}

// Open reports whether t is inside opening hours. Always and Team
// schedules are open at every instant.
func (s *Schedule) Open(t time.Time) bool {
	if s.mode != Hours {
		return true
	}
	sec := t.Unix()
	z := zoneCursor{loc: s.loc}
	day := z.dayOf(sec)
	for _, sp := range s.spans(day) {
		if sec < z.instant(day*secondsPerDay+int64(sp.start)*60) {
			return false
		}
		if sec < z.instant(day*secondsPerDay+int64(sp.end)*60) {
			return true
		}
	}
	return false
}

// Next returns the first instant after t at which Open changes its answer,
// and false when it never changes again (always, team, a week without
// opening hours after the last holiday, or open around the clock).
func (s *Schedule) Next(t time.Time) (time.Time, bool) {
	if s.mode != Hours {
		return time.Time{}, false
	}
	sec := t.Unix()
	w := s.walk(sec)
	for {
		p, ok := w.next()
		if !ok {
			return time.Time{}, false
		}
		if p.end <= sec {
			continue
		}
		if p.start > sec {
			return time.Unix(p.start, 0).In(s.loc), true
		}
		if p.end == forever {
			return time.Time{}, false
		}
		return time.Unix(p.end, 0).In(s.loc), true
	}
}

// OpenDuration returns how much of [from, to) lies inside opening hours:
// the business-hours time between two instants. It walks open periods, not
// minutes, so a 90-day range costs about 90 day lookups.
func (s *Schedule) OpenDuration(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if s.mode != Hours {
		return to.Sub(from)
	}
	var total time.Duration
	w := s.walk(from.Unix())
	for {
		p, ok := w.next()
		if !ok {
			return total
		}
		start := time.Unix(p.start, 0)
		if !start.Before(to) {
			return total
		}
		if start.Before(from) {
			start = from
		}
		end := to
		if p.end != forever && time.Unix(p.end, 0).Before(to) {
			end = time.Unix(p.end, 0)
		}
		if end.After(start) {
			total += end.Sub(start)
		}
	}
}

// spans returns a day's opening intervals: a holiday's, else the week's.
func (s *Schedule) spans(day int64) []span {
	if i, in := s.holidayAt(day); in {
		return s.holidays[i].hours
	}
	return s.week[weekday(day)]
}

// holidayAt returns the index of the holiday covering day (in true), or of
// the first holiday after it (len when none).
func (s *Schedule) holidayAt(day int64) (int, bool) {
	i := sort.Search(len(s.holidays), func(i int) bool { return s.holidays[i].last >= day })
	return i, i < len(s.holidays) && s.holidays[i].first <= day
}

// period is an open stretch of instants [start, end); end may be forever.
type period struct {
	start, end int64
}

// walker yields a schedule's open periods in order, from the local day of
// an instant on, joining periods that touch (across midnight too). It
// skips closed holidays and, in a week with no hours or open around the
// clock, whole runs of days at once, so it ends or moves on after a few
// steps whatever the schedule.
type walker struct {
	s     *Schedule
	z     zoneCursor
	day   int64    // the next local day to read
	done  bool     // no open period after the days read
	queue []period // read, not yet yielded
}

func (s *Schedule) walk(sec int64) *walker {
	w := &walker{s: s, z: zoneCursor{loc: s.loc}}
	w.day = w.z.dayOf(sec)
	return w
}

// next yields the next open period, joined with every one that touches it.
func (w *walker) next() (period, bool) {
	p, ok := w.raw()
	if !ok {
		return period{}, false
	}
	for p.end != forever {
		q, ok := w.peek()
		if !ok || q.start != p.end {
			break
		}
		w.queue = w.queue[1:]
		p.end = q.end
	}
	return p, true
}

func (w *walker) raw() (period, bool) {
	p, ok := w.peek()
	if ok {
		w.queue = w.queue[1:]
	}
	return p, ok
}

func (w *walker) peek() (period, bool) {
	for len(w.queue) == 0 {
		if w.done {
			return period{}, false
		}
		w.read()
	}
	return w.queue[0], true
}

// read reads the next day, or run of days, into the queue.
func (w *walker) read() {
	s, day := w.s, w.day
	i, in := s.holidayAt(day)
	switch {
	case in && s.holidays[i].hours == nil:
		w.day = s.holidays[i].last + 1
	case in:
		w.add(day, s.holidays[i].hours)
		w.day = day + 1
	case s.empty:
		// Nothing opens until a holiday with special hours.
		for i < len(s.holidays) && s.holidays[i].hours == nil {
			i++
		}
		if i == len(s.holidays) {
			w.done = true
			return
		}
		w.day = s.holidays[i].first
	case s.full:
		// Open without a break until the next holiday, or for ever.
		start := w.z.instant(day * secondsPerDay)
		if i == len(s.holidays) {
			w.push(period{start, forever})
			w.done = true
			return
		}
		w.day = s.holidays[i].first
		w.push(period{start, w.z.instant(w.day * secondsPerDay)})
	default:
		w.add(day, s.week[weekday(day)])
		w.day = day + 1
	}
}

func (w *walker) add(day int64, spans []span) {
	for _, sp := range spans {
		w.push(period{
			w.z.instant(day*secondsPerDay + int64(sp.start)*60),
			w.z.instant(day*secondsPerDay + int64(sp.end)*60),
		})
	}
}

// push queues a period, dropping one a clock change left empty (an
// interval inside the skipped hour).
func (w *walker) push(p period) {
	if p.end > p.start {
		w.queue = append(w.queue, p)
	}
}
