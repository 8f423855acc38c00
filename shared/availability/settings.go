package availability

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Mode says what decides whether a chat channel's team is available.
type Mode string

const (
	// Always: available at every instant.
	Always Mode = "always"
	// Hours: available inside the business hours of the week, in the
	// channel's time zone, except on holidays.
	Hours Mode = "hours"
	// Team: available when at least one member of the inbox is available;
	// the caller reads the team's state and passes it to Status.
	Team Mode = "team"
)

// Settings is a channel's availability as it is stored and sent, e.g.
//
//	{"mode":"hours","timeZone":"Europe/Rome",
//	 "week":{"mon":[{"start":"09:00","end":"12:30"},{"start":"14:00","end":"18:00"}]},
//	 "holidays":[{"date":"2026-12-25"},{"date":"2026-12-24","hours":[{"start":"09:00","end":"12:00"}]}]}
//
// Every field is kept as given, so a stored value survives a mode change
// (switching to always and back keeps the week). New checks it.
type Settings struct {
	Mode     Mode      `json:"mode"`
	TimeZone string    `json:"timeZone,omitempty"`
	Week     Week      `json:"week,omitzero"`
	Holidays []Holiday `json:"holidays,omitempty"`
}

// Week holds the opening intervals of each weekday, in local wall-clock
// time. A day without intervals is closed.
type Week struct {
	Mon []Interval `json:"mon,omitempty"`
	Tue []Interval `json:"tue,omitempty"`
	Wed []Interval `json:"wed,omitempty"`
	Thu []Interval `json:"thu,omitempty"`
	Fri []Interval `json:"fri,omitempty"`
	Sat []Interval `json:"sat,omitempty"`
	Sun []Interval `json:"sun,omitempty"`
}

// Interval is an opening interval of one local day: from Start up to, not
// including, End. Both are "HH:MM"; End may be "24:00" (the end of the day).
type Interval struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Holiday closes whole local days: Date, or Date through EndDate
// (inclusive), both "YYYY-MM-DD". With Hours, the days are not closed but
// open during those intervals instead of the week's (special hours, e.g.
// Dec 24 09:00-12:00). Name is the admin's label.
type Holiday struct {
	Date    string     `json:"date"`
	EndDate string     `json:"endDate,omitempty"`
	Name    string     `json:"name,omitempty"`
	Hours   []Interval `json:"hours,omitempty"`
}

// Limits on what a channel stores, so a setting stays a small item.
const (
	MaxIntervals   = 12  // per day
	MaxHolidays    = 500 // entries
	MaxHolidayDays = 366 // days one entry may span
	MaxNameLength  = 100 // characters of a holiday's name
)

// ErrInvalid is what every validation error is (errors.Is).
var ErrInvalid = errors.New("invalid availability settings")

// FieldError is one problem, named by the field's path in the JSON shape
// (week.mon[1].end, holidays[0].date), so a form can show it beside the field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// ValidationError lists every problem New found, in the order of the fields.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Error()
	}
	return "availability: " + strings.Join(msgs, "; ")
}

func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// weekdays pairs each JSON day with its time.Weekday, in the order a form
// shows them (Monday first).
var weekdays = [7]struct {
	name string
	day  time.Weekday
	get  func(*Week) []Interval
}{
	{"mon", time.Monday, func(w *Week) []Interval { return w.Mon }},
	{"tue", time.Tuesday, func(w *Week) []Interval { return w.Tue }},
	{"wed", time.Wednesday, func(w *Week) []Interval { return w.Wed }},
	{"thu", time.Thursday, func(w *Week) []Interval { return w.Thu }},
	{"fri", time.Friday, func(w *Week) []Interval { return w.Fri }},
	{"sat", time.Saturday, func(w *Week) []Interval { return w.Sat }},
	{"sun", time.Sunday, func(w *Week) []Interval { return w.Sun }},
}

// New checks the settings and returns the schedule they describe. Every
// field is checked, whatever the mode, because the stored week and holidays
// come back when the admin switches to business hours again. The error is a
// *ValidationError naming each bad field.
func New(s Settings) (*Schedule, error) {
	var v validator
	sch := &Schedule{mode: s.Mode, loc: time.UTC}

	switch s.Mode {
	case Always, Hours, Team:
	case "":
		v.add("mode", "is required")
	default:
		v.add("mode", "must be always, hours or team")
	}

	switch s.TimeZone {
	case "":
		if s.Mode == Hours {
			v.add("timeZone", "is required for business hours")
		}
	case "Local":
		// The machine's own zone: UTC on Lambda, whatever the admin meant.
		v.add("timeZone", "is not a known time zone")
	default:
		loc, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			v.add("timeZone", "is not a known time zone")
		} else {
			sch.loc = loc
		}
	}

	full, empty := true, true
	for _, wd := range weekdays {
		spans := v.intervals("week."+wd.name, wd.get(&s.Week))
		sch.week[wd.day] = spans
		full = full && len(spans) == 1 && spans[0] == span{0, minutesPerDay}
		empty = empty && len(spans) == 0
	}
	sch.full, sch.empty = full, empty

	sch.holidays = v.holidays(s.Holidays)

	if len(v.errs) > 0 {
		return nil, &ValidationError{Fields: v.errs}
	}
	return sch, nil
}

type validator struct {
	errs []FieldError
}

func (v *validator) add(field, msg string) {
	v.errs = append(v.errs, FieldError{Field: field, Message: msg})
}

// intervals checks one day's intervals and returns them sorted, with
// touching ones joined (09:00-12:00 and 12:00-13:00 are one open period).
func (v *validator) intervals(field string, in []Interval) []span {
	if len(in) > MaxIntervals {
		v.add(field, fmt.Sprintf("has more than %d intervals", MaxIntervals))
		return nil
	}
	type indexed struct {
		span
		i int
	}
	var ok []indexed
	for i, iv := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		start, okStart := parseClock(iv.Start, false)
		if !okStart {
			v.add(f+".start", "is not a time of day (HH:MM, 00:00 to 23:59)")
		}
		end, okEnd := parseClock(iv.End, true)
		if !okEnd {
			v.add(f+".end", "is not a time of day (HH:MM, 00:00 to 24:00)")
		}
		if !okStart || !okEnd {
			continue
		}
		switch {
		case end == 0:
			v.add(f+".end", "must be after the start (midnight at the end of the day is 24:00)")
			continue
		case end <= start:
			v.add(f+".end", "must be after the start")
			continue
		}
		ok = append(ok, indexed{span{start, end}, i})
	}
	slices.SortFunc(ok, func(a, b indexed) int { return cmp.Compare(a.start, b.start) })
	var out []span
	for k, iv := range ok {
		if k > 0 && iv.start < ok[k-1].end {
			a, b := ok[k-1].i, iv.i
			v.add(fmt.Sprintf("%s[%d]", field, max(a, b)), fmt.Sprintf("overlaps %s[%d]", field, min(a, b)))
			continue
		}
		if n := len(out); n > 0 && out[n-1].end == iv.start {
			out[n-1].end = iv.end
			continue
		}
		out = append(out, iv.span)
	}
	return out
}

func (v *validator) holidays(in []Holiday) []holiday {
	if len(in) > MaxHolidays {
		v.add("holidays", fmt.Sprintf("has more than %d entries", MaxHolidays))
		return nil
	}
	type indexed struct {
		holiday
		i int
	}
	var ok []indexed
	for i, h := range in {
		f := fmt.Sprintf("holidays[%d]", i)
		good := true
		first, okDate := parseDate(h.Date)
		if !okDate {
			v.add(f+".date", "is not a date (YYYY-MM-DD)")
			good = false
		}
		last := first
		if h.EndDate != "" {
			var okEnd bool
			last, okEnd = parseDate(h.EndDate)
			switch {
			case !okEnd:
				v.add(f+".endDate", "is not a date (YYYY-MM-DD)")
				good = false
			case okDate && last < first:
				v.add(f+".endDate", "is before the date")
				good = false
			case okDate && last-first >= MaxHolidayDays:
				v.add(f+".endDate", fmt.Sprintf("makes the holiday longer than %d days", MaxHolidayDays))
				good = false
			}
		}
		if utf8.RuneCountInString(h.Name) > MaxNameLength {
			v.add(f+".name", fmt.Sprintf("is longer than %d characters", MaxNameLength))
		}
		hours := v.intervals(f+".hours", h.Hours)
		if good {
			ok = append(ok, indexed{holiday{first: first, last: last, hours: hours}, i})
		}
	}
	slices.SortFunc(ok, func(a, b indexed) int { return cmp.Compare(a.first, b.first) })
	var out []holiday
	for k, h := range ok {
		if k > 0 && h.first <= ok[k-1].last {
			a, b := ok[k-1].i, h.i
			v.add(fmt.Sprintf("holidays[%d].date", max(a, b)), fmt.Sprintf("overlaps holidays[%d]", min(a, b)))
			continue
		}
		out = append(out, h.holiday)
	}
	return out
}

const minutesPerDay = 24 * 60

// parseClock reads "HH:MM" as minutes since midnight. Only an end may be
// "24:00".
func parseClock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' || !digits(s[:2]) || !digits(s[3:]) {
		return 0, false
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	mins := h*60 + m
	switch {
	case m > 59:
		return 0, false
	case end:
		return mins, mins <= minutesPerDay
	default:
		return mins, mins < minutesPerDay
	}
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDate reads "YYYY-MM-DD" as days since 1970-01-01.
func parseDate(s string) (int64, bool) {
	if len(s) != 10 {
		return 0, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	y, m, d := t.Date()
	return daysFromCivil(y, m, d), true
}
