// Package reports computes the daily rollups of docs/reports.md from the
// domain events: volumes, first response, reply and close times per day
// (in the account's time zone), per inbox and per agent, as fixed
// histograms that any date range adds up to medians and p90s.
//
// A conversation's events are kept as its entries (one per seq); its
// contribution to the rollups is a pure function of them (Conversation.
// Rollups), so an event seen twice changes nothing and a late event
// changes the contribution to what it would have been in order: the
// consumer stores what it added and applies the difference. Each entry
// keeps how it was counted (Counted: its day's offset, its times' business
// hours), so a later change of the account's zone or of the channel's
// hours leaves what was counted as it was.
package reports

import (
	"sort"
	"strconv"
	"time"

	"github.com/parleychat/parley/shared/availability"
	"github.com/parleychat/parley/shared/chat"
)

// Kinds of entries: the parts of the seq stream the metrics read.
const (
	KindVisitor  = "v" // a visitor's message (seq 1: the conversation's creation)
	KindAgent    = "a" // an agent's public reply
	KindAssigned = "s" // an assignment change (Agent "" when unassigned)
	KindClosed   = "x" // the conversation closed (Reason)
	KindReopened = "r" // a closed conversation reopened
	// KindBot is the bot's first message: a chatflow's bot started the
	// conversation (seq 1) and has it until a handover or a person's
	// hand.
	KindBot = "b"
	// KindHandedOver: the bot handed the conversation to the team.
	KindHandedOver = "h"
)

// Entry is one event of a conversation, reduced to what the metrics need.
type Entry struct {
	Seq  int64  `json:"q"`
	Kind string `json:"k"`
	// At is the event's time in Unix milliseconds.
	At int64 `json:"t"`
	// Agent is the replying agent (KindAgent) or the assignee
	// (KindAssigned).
	Agent string `json:"a,omitempty"`
	// Channel is the creating message's channel, chat or email (seq 1).
	Channel string `json:"c,omitempty"`
	// Reason is why it closed, agent, inactivity or bot (KindClosed).
	Reason string `json:"r,omitempty"`
	// Survey is set on a close that asked for a rating (KindClosed);
	// Score is the rating given (KindRated, csat.go).
	Survey bool `json:"y,omitempty"`
	Score  int  `json:"s,omitempty"`
	// Counted is how the entry was counted, set when it first was and
	// kept after; nil when it was not counted yet (or was counted before
	// this was kept, and is counted again at the next event).
	Counted *Counted `json:"n,omitempty"`
}

// Counted is how an entry was counted: with the account's zone and the
// channel's hours in force then. Its counters keep them when a later
// event computes the conversation again, so a change of the zone or of
// the hours applies to what is counted from then on; the backfill
// (Recorder.Recompute) counts the entries it reads again on purpose.
type Counted struct {
	// Offset is the account's zone's offset from UTC at the entry's
	// time, in seconds: what makes the entry's day.
	Offset int `json:"z,omitempty"`
	// Open are the business-hours durations of the times the entry ends,
	// in milliseconds: [wall, open], or [wall] when the open time was the
	// wall-clock one. The wall-clock duration names the time measured: a
	// late event that moves its start makes another, measured with the
	// hours in force when it comes.
	Open [][]int64 `json:"o,omitempty"`
}

// open is the business-hours duration counted for the time of wall
// milliseconds, if there is one.
func (n *Counted) open(wall int64) (time.Duration, bool) {
	if n == nil {
		return 0, false
	}
	for _, s := range n.Open {
		switch {
		case len(s) == 1 && s[0] == wall:
			return time.Duration(wall) * time.Millisecond, true
		case len(s) == 2 && s[0] == wall:
			return time.Duration(s[1]) * time.Millisecond, true
		}
	}
	return 0, false
}

// keep records that the time of wall milliseconds counted open of
// business hours, once.
func (n *Counted) keep(wall int64, open time.Duration) {
	if _, ok := n.open(wall); ok {
		return
	}
	if o := open.Milliseconds(); o != wall {
		n.Open = append(n.Open, []int64{wall, o})
		return
	}
	n.Open = append(n.Open, []int64{wall})
}

func (e Entry) time() time.Time { return time.UnixMilli(e.At) }

// Conversation is what the consumer keeps of one conversation.
type Conversation struct {
	InboxID string `json:"i"`
	// ChannelID is the chat channel whose business hours the
	// business-hours times follow.
	ChannelID string  `json:"h,omitempty"`
	Entries   []Entry `json:"e"`
}

// Add inserts e in seq order. It reports false when an entry of the same
// seq is already there: a duplicate event.
func (c *Conversation) Add(e Entry) bool {
	i := sort.Search(len(c.Entries), func(i int) bool { return c.Entries[i].Seq >= e.Seq })
	if i < len(c.Entries) && c.Entries[i].Seq == e.Seq {
		return false
	}
	c.Entries = append(c.Entries, Entry{})
	copy(c.Entries[i+1:], c.Entries[i:])
	c.Entries[i] = e
	return true
}

// Dimensions of a rollup.
const (
	DimInbox = "inbox"
	DimAgent = "agent"
)

// Key names one rollup: a day (YYYY-MM-DD in the account's zone) of an
// inbox or an agent.
type Key struct {
	Dim, ID, Day string
}

// Counters are a rollup's numbers by name (docs/reports.md): counts, and
// per time metric its count (_n), sum in milliseconds (_ms) and histogram
// buckets (_b00 … _b27).
type Counters map[string]int64

// Rollups are counters by rollup.
type Rollups map[Key]Counters

func (r Rollups) add(k Key, name string, v int64) {
	c := r[k]
	if c == nil {
		c = Counters{}
		r[k] = c
	}
	c[name] += v
}

// Names of the counts.
const (
	NewChat          = "new_chat"
	NewEmail         = "new_email"
	ClosedAgent      = "closed_agent"
	ClosedInactivity = "closed_inactivity"
	ClosedBot        = "closed_bot"
	Missed           = "missed"
	Reopened         = "reopened"
	// The chatflows' bot, per inbox: conversations it started, handed to
	// the team, ended itself (an end step), and those whose visitor left
	// it (closed for inactivity before a handover or a person's hand).
	BotStarted    = "bot_started"
	BotHandedOver = "bot_handed_over"
	BotResolved   = "bot_resolved"
	BotAbandoned  = "bot_abandoned"
)

// Counts lists every count (the time metrics and the survey aside).
var Counts = []string{NewChat, NewEmail, ClosedAgent, ClosedInactivity, ClosedBot, Missed, Reopened,
	BotStarted, BotHandedOver, BotResolved, BotAbandoned}

// Time metrics, the prefixes of their counters. Each has a business-hours
// variant (Business).
const (
	FirstResponse = "frt"
	// FirstResponseFromAssignment is the first response measured from
	// the assignment in effect at the reply when that came after the
	// visitor's first message (from the message otherwise).
	FirstResponseFromAssignment = "fra"
	ReplyTime                   = "rt"
	TimeToClose                 = "ttc"
)

// Business is the counters' prefix of metric m's business-hours variant:
// only the time inside the channel's opening hours counts.
func Business(m string) string { return m + "b" }

// Bounds are the upper bounds of the histogram buckets, in seconds: bucket
// i holds durations in [Bounds[i-1], Bounds[i]) (bucket 0 from zero), and
// a last bucket holds what is a week or longer. A quantile read from the
// histogram is the upper bound of its bucket, so it is at most one bucket
// above the exact value: 15 s up to a minute, then 20-50%.
var Bounds = []int64{
	15, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800,
	2700, 3600, 5400, 7200, 10800, 14400, 21600, 28800, 43200, 86400,
	172800, 345600, 604800,
}

// Buckets is the number of histogram buckets (the last one unbounded).
var Buckets = len(Bounds) + 1

// bucket is the index of the bucket holding d.
func bucket(d time.Duration) int {
	s := int64(d / time.Second)
	return sort.Search(len(Bounds), func(i int) bool { return s < Bounds[i] })
}

// BucketName is the counter of bucket i of metric m.
func BucketName(m string, i int) string {
	if i < 10 {
		return m + "_b0" + strconv.Itoa(i)
	}
	return m + "_b" + strconv.Itoa(i)
}

// sample adds one measured duration of metric m to k's rollup.
func (r Rollups) sample(k Key, m string, d time.Duration) {
	if d < 0 {
		d = 0
	}
	r.add(k, m+"_n", 1)
	r.add(k, m+"_ms", d.Milliseconds())
	r.add(k, BucketName(m, bucket(d)), 1)
}

// segment is the part of a conversation between its creation or a reopen
// and the next close: each is measured on its own, so a reopening starts
// a new first response instead of inflating the first. In a conversation
// the bot started, the team's segment starts when the bot hands over or a
// person takes part (assignment, reply): the bot's time counts nowhere.
type segment struct {
	started    bool
	start      time.Time
	firstAsked time.Time // first visitor message, zero until one
	answered   bool      // an agent replied in this segment
	waiting    time.Time // oldest visitor message not yet answered
}

// closeName is the counter of a close by reason.
func closeName(reason string) string {
	switch reason {
	case chat.CloseReasonInactivity:
		return ClosedInactivity
	case chat.CloseReasonBot:
		return ClosedBot
	}
	return ClosedAgent
}

// Rollups is the conversation's contribution to the daily rollups, days
// taken in loc, business-hours times by hours (nil: the channel has no
// opening hours, and they equal the wall-clock times). Every measured
// time counts on the day it ends (the reply, the close), so a past day's
// numbers do not wait for later events. An entry already counted keeps
// its day and the business hours of its times (Entry.Counted): loc and
// hours apply to the rest.
func (c Conversation) Rollups(loc *time.Location, hours *availability.Schedule) Rollups {
	r, _ := c.count(loc, hours)
	return r
}

// count is Rollups, and how each entry was counted: what the entries keep
// when the contribution is stored.
func (c Conversation) count(loc *time.Location, hours *availability.Schedule) (Rollups, []*Counted) {
	r := Rollups{}
	counted := make([]*Counted, len(c.Entries))
	for i, e := range c.Entries {
		n := &Counted{}
		if e.Counted != nil {
			n.Offset = e.Counted.Offset
		} else {
			_, n.Offset = e.time().In(loc).Zone()
		}
		counted[i] = n
	}
	// cur is the entry being read: every counter counts on its day, and
	// every time measured ends at it.
	var cur int
	measure := func(k Key, m string, from, to time.Time) {
		wall := to.Sub(from)
		r.sample(k, m, wall)
		open, ok := counted[cur].open(wall.Milliseconds())
		if !ok {
			open, ok = c.Entries[cur].Counted.open(wall.Milliseconds())
		}
		if !ok {
			open = wall
			if hours != nil {
				open = hours.OpenDuration(from, to)
			}
		}
		counted[cur].keep(wall.Milliseconds(), open)
		r.sample(k, Business(m), open)
	}
	day := func() string { return c.day(cur, counted) }
	inbox := func() Key { return Key{DimInbox, c.InboxID, day()} }
	agent := func(id string) (Key, bool) { return Key{DimAgent, id, day()}, id != "" }
	var (
		seg      segment
		assignee string
		// assignedAt is when the conversation went to its assignee.
		assignedAt time.Time
		// withBot: the bot has the conversation (it started it, and
		// neither handed it over nor saw a person's hand yet); asked:
		// the visitor wrote to it meanwhile.
		withBot, asked bool
	)
	// team starts the team's segment of a bot conversation at t.
	team := func(t time.Time) {
		withBot = false
		seg = segment{started: true, start: t}
	}
	// opened counts the conversation as new, by its channel.
	opened := func(e Entry) {
		name := NewChat
		if e.Channel == chat.ChannelEmail {
			name = NewEmail
		}
		r.add(inbox(), name, 1)
	}
	for i, e := range c.Entries {
		cur = i
		t := e.time()
		switch e.Kind {
		case KindBot:
			opened(e)
			r.add(inbox(), BotStarted, 1)
			withBot = true
		case KindHandedOver:
			if !withBot {
				continue
			}
			r.add(inbox(), BotHandedOver, 1)
			team(t)
			// The visitor's answers to the bot are the question the team
			// now has: it waits from the handover. A visitor who said
			// nothing yet waits from their first message after it.
			if asked {
				seg.firstAsked, seg.waiting = t, t
			}
		case KindVisitor:
			if e.Seq == 1 {
				opened(e)
				seg = segment{started: true, start: t}
			}
			if withBot {
				asked = true
				continue
			}
			if seg.firstAsked.IsZero() {
				seg.firstAsked = t
			}
			if seg.waiting.IsZero() {
				seg.waiting = t
			}
		case KindAgent:
			if withBot {
				team(t)
			}
			k, byAgent := agent(e.Agent)
			if !seg.waiting.IsZero() {
				measure(inbox(), ReplyTime, seg.waiting, t)
				if byAgent {
					measure(k, ReplyTime, seg.waiting, t)
				}
				seg.waiting = time.Time{}
			}
			if !seg.answered && !seg.firstAsked.IsZero() {
				measure(inbox(), FirstResponse, seg.firstAsked, t)
				if byAgent {
					measure(k, FirstResponse, seg.firstAsked, t)
				}
				// From the assignment, or from the question when it was
				// assigned before; not measured when nobody was assigned.
				if assignee != "" {
					from := seg.firstAsked
					if assignedAt.After(from) {
						from = assignedAt
					}
					measure(inbox(), FirstResponseFromAssignment, from, t)
					if byAgent {
						measure(k, FirstResponseFromAssignment, from, t)
					}
				}
			}
			seg.answered = true
		case KindAssigned:
			if withBot {
				team(t)
			}
			assignee, assignedAt = e.Agent, t
		case KindClosed:
			if e.Reason == chat.CloseReasonBot && !withBot {
				// The bot closes only a conversation it has. Before chat
				// knew that, a bot whose away branch ended after its
				// handover stored a close in a conversation that stayed
				// with the team: it closed nothing.
				continue
			}
			name := closeName(e.Reason)
			r.add(inbox(), name, 1)
			k, byAgent := agent(assignee)
			if byAgent {
				r.add(k, name, 1)
			}
			if withBot {
				// No person took part: nothing was missed, no time is the
				// team's. The bot ended it, or its visitor left it.
				switch e.Reason {
				case chat.CloseReasonBot:
					r.add(inbox(), BotResolved, 1)
				case chat.CloseReasonInactivity:
					r.add(inbox(), BotAbandoned, 1)
				}
				withBot = false
			}
			if seg.started {
				measure(inbox(), TimeToClose, seg.start, t)
				if byAgent {
					measure(k, TimeToClose, seg.start, t)
				}
				if !seg.answered {
					r.add(inbox(), Missed, 1)
				}
			}
			seg = segment{}
		case KindReopened:
			r.add(inbox(), Reopened, 1)
			if k, ok := agent(assignee); ok {
				r.add(k, Reopened, 1)
			}
			seg = segment{started: true, start: t}
		}
	}
	c.csat(r, counted)
	return r, counted
}

// day is the day of entry i, as counted.
func (c Conversation) day(i int, counted []*Counted) string {
	return time.UnixMilli(c.Entries[i].At).UTC().Add(time.Duration(counted[i].Offset) * time.Second).Format(time.DateOnly)
}

// Diff is what turns the rollups from old into next: next minus old,
// without the counters that do not change.
func Diff(old, next Rollups) Rollups {
	d := Rollups{}
	for k, c := range next {
		for name, v := range c {
			if v != old[k][name] {
				d.add(k, name, v-old[k][name])
			}
		}
	}
	for k, c := range old {
		for name, v := range c {
			if _, ok := next[k][name]; !ok && v != 0 {
				d.add(k, name, -v)
			}
		}
	}
	return d
}
