package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/chat"
)

// MaxDays is the longest range one report reads.
const MaxDays = 366

// Timing summarises one time metric over a range, in seconds. Median and
// P90 are the upper bounds of the buckets the quantiles fall in (Bounds);
// in the last, unbounded bucket they are its lower bound, a week. All are
// absent when nothing was measured.
type Timing struct {
	Count   int64    `json:"count"`
	Average *float64 `json:"averageSeconds,omitempty"`
	Median  *int64   `json:"medianSeconds,omitempty"`
	P90     *int64   `json:"p90Seconds,omitempty"`
}

// Summary is what a range (or a day) of one dimension adds up to.
type Summary struct {
	New                         Volume `json:"new"`
	Closed                      Closes `json:"closed"`
	Missed                      int64  `json:"missed"`
	Reopened                    int64  `json:"reopened"`
	Bot                         Bot    `json:"bot"`
	FirstResponse               Timing `json:"firstResponse"`
	FirstResponseFromAssignment Timing `json:"firstResponseFromAssignment"`
	ReplyTime                   Timing `json:"replyTime"`
	TimeToClose                 Timing `json:"timeToClose"`
	// BusinessHours are the same times counting only the channels'
	// opening hours.
	BusinessHours Times `json:"businessHours"`
	CSAT          CSAT  `json:"csat"`
}

// Times are the time metrics of one kind of clock.
type Times struct {
	FirstResponse               Timing `json:"firstResponse"`
	FirstResponseFromAssignment Timing `json:"firstResponseFromAssignment"`
	ReplyTime                   Timing `json:"replyTime"`
	TimeToClose                 Timing `json:"timeToClose"`
}

// Volume is the new conversations by channel.
type Volume struct {
	Chat  int64 `json:"chat"`
	Email int64 `json:"email"`
}

// Closes are the closes by reason.
type Closes struct {
	Agent      int64 `json:"agent"`
	Inactivity int64 `json:"inactivity"`
	Bot        int64 `json:"bot"`
}

// Bot is what the chatflows' bot did with the conversations it started:
// handed them to the team, ended them itself (Resolved), or saw its
// visitor leave (Abandoned: closed for inactivity before a handover or a
// person's hand). The rest were taken over by an agent or are still open.
type Bot struct {
	Started    int64 `json:"started"`
	HandedOver int64 `json:"handedOver"`
	Resolved   int64 `json:"resolved"`
	Abandoned  int64 `json:"abandoned"`
}

// DaySummary is one day of a report.
type DaySummary struct {
	Date string `json:"date"`
	Summary
}

// Report is a range's summary and its days (only days with numbers).
type Report struct {
	Dimension string       `json:"dimension"`
	ID        string       `json:"id"`
	From      string       `json:"from"`
	To        string       `json:"to"`
	Total     Summary      `json:"total"`
	Days      []DaySummary `json:"days"`
}

// Summarize adds counters up.
func Summarize(cs ...Counters) Summary {
	sum := Counters{}
	for _, c := range cs {
		for k, v := range c {
			sum[k] += v
		}
	}
	return Summary{
		New:                         Volume{Chat: sum[NewChat], Email: sum[NewEmail]},
		Closed:                      Closes{Agent: sum[ClosedAgent], Inactivity: sum[ClosedInactivity], Bot: sum[ClosedBot]},
		Missed:                      sum[Missed],
		Reopened:                    sum[Reopened],
		Bot:                         Bot{Started: sum[BotStarted], HandedOver: sum[BotHandedOver], Resolved: sum[BotResolved], Abandoned: sum[BotAbandoned]},
		FirstResponse:               timing(sum, FirstResponse),
		FirstResponseFromAssignment: timing(sum, FirstResponseFromAssignment),
		ReplyTime:                   timing(sum, ReplyTime),
		TimeToClose:                 timing(sum, TimeToClose),
		BusinessHours: Times{
			FirstResponse:               timing(sum, Business(FirstResponse)),
			FirstResponseFromAssignment: timing(sum, Business(FirstResponseFromAssignment)),
			ReplyTime:                   timing(sum, Business(ReplyTime)),
			TimeToClose:                 timing(sum, Business(TimeToClose)),
		},
		CSAT: csatSummary(sum),
	}
}

func timing(c Counters, m string) Timing {
	n := c[m+"_n"]
	if n <= 0 {
		return Timing{}
	}
	avg := float64(c[m+"_ms"]) / float64(n) / 1000
	med, p90 := quantile(c, m, n, 50), quantile(c, m, n, 90)
	return Timing{Count: n, Average: &avg, Median: &med, P90: &p90}
}

// quantile is the bound of the bucket holding the sample of rank
// ceil(n*pct/100).
func quantile(c Counters, m string, n, pct int64) int64 {
	rank := (n*pct + 99) / 100
	var seen int64
	for i, bound := range Bounds {
		seen += c[BucketName(m, i)]
		if seen >= rank {
			return bound
		}
	}
	// The last, unbounded bucket: a week or more.
	return Bounds[len(Bounds)-1]
}

// invalid is a request that cannot be answered as asked; the message says
// what to fix.
func invalid(msg string) error { return &chat.Error{Kind: chat.ErrInvalid, Message: msg} }

// Reader answers reports from the rollups.
type Reader struct {
	st      Store
	inboxes Inboxes
}

// NewReader returns a reader over st; inboxes lists the inboxes an
// account-wide report adds up.
func NewReader(st Store, inboxes Inboxes) (*Reader, error) {
	if st == nil || inboxes == nil {
		return nil, errors.New("reports: the reader needs its store and the inboxes")
	}
	return &Reader{st: st, inboxes: inboxes}, nil
}

// Report reads the days from..to (YYYY-MM-DD, inclusive, at most MaxDays)
// of an inbox (dim DimInbox), an agent (DimAgent) or every inbox
// (DimAccount, id empty).
func (r *Reader) Report(ctx context.Context, dim, id, from, to string) (Report, error) {
	if (dim == DimAccount) != (id == "") || dim != DimInbox && dim != DimAgent && dim != DimAccount {
		return Report{}, invalid("name an inbox (inboxId) or an agent (agentId), or neither for the whole account")
	}
	f, errF := time.Parse(time.DateOnly, from)
	t, errT := time.Parse(time.DateOnly, to)
	switch {
	case errF != nil || errT != nil:
		return Report{}, invalid("from and to are dates (YYYY-MM-DD)")
	case t.Before(f):
		return Report{}, invalid("to is before from")
	case t.Sub(f) >= MaxDays*24*time.Hour:
		return Report{}, invalid(fmt.Sprintf("a report covers at most %d days", MaxDays))
	}
	var (
		days []Day
		err  error
	)
	if dim == DimAccount {
		days, err = r.accountDays(ctx, from, to)
	} else {
		days, err = r.st.ReportDays(ctx, dim, id, from, to)
	}
	if err != nil {
		return Report{}, fmt.Errorf("reports: read %s %s: %w", dim, id, err)
	}
	out := Report{Dimension: dim, ID: id, From: from, To: to, Days: []DaySummary{}}
	all := make([]Counters, 0, len(days))
	for _, d := range days {
		all = append(all, d.Counters)
		out.Days = append(out.Days, DaySummary{Date: d.Date, Summary: Summarize(d.Counters)})
	}
	out.Total = Summarize(all...)
	return out, nil
}
