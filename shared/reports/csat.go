package reports

import "strconv"

// KindRated is an entry of the visitor's answer to the satisfaction
// survey (Score); a later one replaces it.
const KindRated = "c"

// Counters of the satisfaction survey (docs/reports.md, "Satisfaction").
const (
	// CSATAsked counts conversations whose close asked for a rating, once
	// each (reopened and closed again, still one).
	CSATAsked = "csat_asked"
	// CSATResponses counts rated conversations, once each whatever the
	// number of answers; CSATSum adds their scores (for the average).
	CSATResponses = "csat_n"
	CSATSum       = "csat_sum"
)

// CSATScoreName is the counter of rated conversations whose current score
// is score (1..5).
func CSATScoreName(score int) string { return "csat_s" + strconv.Itoa(score) }

// csat adds the conversation's satisfaction numbers to r. They count on
// the day of the first close that asked, for the inbox and the assignee
// at that close, so a day's response rate compares answers with the
// conversations asked that day and is never above 100%. A rating counts
// once, with its latest score: an answer that replaces another moves the
// conversation from one score to the other. A rating with no asking close
// among the entries (that close's event not recorded yet) counts on its
// own day, and moves to the close's when that arrives.
func (c Conversation) csat(r Rollups, counted []*Counted) {
	var (
		assignee, askedBy string
		// asked and rated are the indexes of the first asking close and
		// of the latest rating, -1 until one.
		asked, rated = -1, -1
	)
	for i, e := range c.Entries {
		switch e.Kind {
		case KindAssigned:
			assignee = e.Agent
		case KindClosed:
			if e.Survey && asked < 0 {
				asked, askedBy = i, assignee
			}
		case KindRated:
			if e.Score >= 1 && e.Score <= 5 {
				rated = i
				if asked < 0 {
					askedBy = assignee
				}
			}
		}
	}
	at := asked
	if at < 0 {
		if rated < 0 {
			return
		}
		at = rated
	}
	var score int
	if rated >= 0 {
		score = c.Entries[rated].Score
	}
	keys := []Key{{DimInbox, c.InboxID, c.day(at, counted)}}
	if askedBy != "" {
		keys = append(keys, Key{DimAgent, askedBy, keys[0].Day})
	}
	for _, k := range keys {
		if asked >= 0 {
			r.add(k, CSATAsked, 1)
		}
		if score > 0 {
			r.add(k, CSATResponses, 1)
			r.add(k, CSATSum, int64(score))
			r.add(k, CSATScoreName(score), 1)
		}
	}
}

// CSAT summarises the survey over a range.
type CSAT struct {
	// Asked is the conversations whose close asked for a rating;
	// Responses those rated.
	Asked     int64 `json:"asked"`
	Responses int64 `json:"responses"`
	// ResponseRate is Responses / Asked, absent when none was asked.
	ResponseRate *float64 `json:"responseRate,omitempty"`
	// Average is the mean score, absent without responses.
	Average *float64 `json:"average,omitempty"`
	// Distribution is the number of responses per score, 1 to 5.
	Distribution [5]int64 `json:"distribution"`
}

func csatSummary(c Counters) CSAT {
	out := CSAT{Asked: c[CSATAsked], Responses: c[CSATResponses]}
	for s := 1; s <= 5; s++ {
		out.Distribution[s-1] = c[CSATScoreName(s)]
	}
	if out.Asked > 0 {
		rate := float64(out.Responses) / float64(out.Asked)
		out.ResponseRate = &rate
	}
	if out.Responses > 0 {
		avg := float64(c[CSATSum]) / float64(out.Responses)
		out.Average = &avg
	}
	return out
}
