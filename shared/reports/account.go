package reports

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// DimAccount is the whole account: every inbox's rollups added up when
// read. Adding them when written would make every counted event of the
// account update one item, a hot key whose transactions collide; reading
// costs one Query per inbox instead.
const DimAccount = "account"

// Inboxes lists the account's inboxes.
type Inboxes interface {
	InboxIDs(ctx context.Context) ([]string, error)
}

// accountReaders bounds the inboxes' Queries in flight at once.
const accountReaders = 8

// accountDays adds up every inbox's days from..to, day by day.
func (r *Reader) accountDays(ctx context.Context, from, to string) ([]Day, error) {
	ids, err := r.inboxes.InboxIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("inboxes: %w", err)
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		first error
		sum   = map[string]Counters{}
		slots = make(chan struct{}, accountReaders)
	)
	for _, id := range ids {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			days, err := r.st.ReportDays(ctx, DimInbox, id, from, to)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = fmt.Errorf("inbox %s: %w", id, err)
				}
				return
			}
			for _, d := range days {
				c := sum[d.Date]
				if c == nil {
					c = Counters{}
					sum[d.Date] = c
				}
				for name, v := range d.Counters {
					c[name] += v
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	out := make([]Day, 0, len(sum))
	for date, c := range sum {
		out = append(out, Day{Date: date, Counters: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}
