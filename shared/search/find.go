package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Source reads posting lists. The store implements it with one Query per
// Page and one BatchGetItem per Contains, on the search table.
type Source interface {
	// Page returns up to limit keys of list older than before (all keys
	// when before is empty), newest first, and whether older keys remain.
	// An empty page has none remaining.
	Page(ctx context.Context, list string, before Key, limit int) (keys []Key, more bool, err error)
	// Contains returns which of keys (at most ProbeBatch) are in list.
	Contains(ctx context.Context, list string, keys []Key) ([]Key, error)
}

// How much one search reads, at most: the first page of every list of a
// conjunction, then up to maxRounds pages of its sparsest list, each
// checked against the others (ProbeBatch keys per list and round).
const (
	pageSize   = 100
	ProbeBatch = 100
	maxRounds  = 5
)

// Request is one page of a search.
type Request struct {
	Query Query
	// Inboxes are the caller's inboxes: the only ones read.
	Inboxes []string
	// Before is the cursor of the page (Result.Next); empty for the first.
	Before Key
	Limit  int
}

// Hit is a document that matches every word of the query.
type Hit struct {
	Key            Key
	InboxID        string
	ConversationID string
	// Seq is the matching message; 0 when the contact card matched.
	Seq int64
	At  time.Time
}

// Result is one page of hits, newest first, at most Limit, one per
// conversation: its newest match in the page (a later page may show the
// conversation again for an older match).
type Result struct {
	Hits []Hit
	// Next is the cursor of the next page, empty when the index was read
	// to its oldest entry. Next can come with fewer than Limit hits: the
	// search stopped at its read budget, and every match newer than Next
	// is in this page.
	Next Key
}

// Find runs one page of a search: in each inbox, the query's contact
// prefixes against contact cards and its message terms against messages,
// in parallel; then the hits of all of them merged newest first.
func Find(ctx context.Context, src Source, r Request) (Result, error) {
	if r.Limit < 1 || r.Limit > MaxLimit {
		return Result{}, fmt.Errorf("%w: limit must be 1 to %d", ErrInvalid, MaxLimit)
	}
	if r.Before != "" {
		if _, err := ParseKey(string(r.Before)); err != nil {
			return Result{}, err
		}
	}
	if len(r.Query.Words) == 0 {
		return Result{}, fmt.Errorf("%w: the query has no words", ErrInvalid)
	}
	var conjs []conjunction
	for _, inbox := range r.Inboxes {
		if !validID(inbox) {
			return Result{}, fmt.Errorf("%w: inbox %q", ErrInvalid, inbox)
		}
		c := conjunction{inbox: inbox}
		for _, p := range r.Query.Prefixes() {
			c.lists = append(c.lists, NameList(inbox, p))
		}
		conjs = append(conjs, c)
		if terms := r.Query.Terms(); len(terms) > 0 {
			c := conjunction{inbox: inbox}
			for _, t := range terms {
				c.lists = append(c.lists, TermList(inbox, t))
			}
			conjs = append(conjs, c)
		}
	}
	outs := make([]outcome, len(conjs))
	err := parallel(ctx, len(conjs), func(ctx context.Context, i int) error {
		var err error
		outs[i], err = conjs[i].run(ctx, src, r.Before, r.Limit)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	return merge(outs, r.Limit)
}

// conjunction is the posting lists whose common documents match.
type conjunction struct {
	inbox string
	lists []string
}

// outcome is what a conjunction found: every match with a key at or above
// floor (and below the request's before) is in hits, newest first. An
// empty floor: the lists were read to the end.
type outcome struct {
	inbox string
	hits  []Key
	floor Key
}

type page struct {
	keys []Key
	more bool
}

func (p page) last() Key { return p.keys[len(p.keys)-1] }

// run finds the matches of c older than before, until they are in want
// conversations. It reads the first page of every list, takes the
// sparsest one (the one that reaches furthest back) as the driver, and
// checks the driver's keys against the other lists: from their first
// pages where those reach the key, by probing otherwise. Then it moves the
// driver on by pages, up to maxRounds, and stops there with what it has:
// the cost of a query is bounded, and the caller can continue from the
// floor.
func (c conjunction) run(ctx context.Context, src Source, before Key, want int) (outcome, error) {
	size := pageSize
	if len(c.lists) == 1 {
		size = want // nothing to intersect: the first page is likely the answer
	}
	pages := make([]page, len(c.lists))
	err := parallel(ctx, len(c.lists), func(ctx context.Context, i int) error {
		keys, more, err := src.Page(ctx, c.lists[i], before, size)
		pages[i] = page{keys, more && len(keys) > 0}
		return err
	})
	if err != nil {
		return outcome{}, err
	}
	out := outcome{inbox: c.inbox}
	conversations := make(map[string]bool)
	for _, p := range pages {
		if len(p.keys) == 0 {
			return out, nil
		}
	}
	d := driver(pages)
	known := make([]map[Key]bool, len(pages))
	for i, p := range pages {
		known[i] = make(map[Key]bool, len(p.keys))
		for _, k := range p.keys {
			known[i][k] = true
		}
	}
	first, drv := pages, pages[d] // the first pages stay; the driver moves on
	for round := 1; ; round++ {
		present, err := c.probe(ctx, src, first, d, drv.keys)
		if err != nil {
			return outcome{}, err
		}
	candidates:
		for _, k := range drv.keys {
			for i := range first {
				if i == d {
					continue
				}
				in := known[i][k]
				if !covers(first[i], k) {
					in = present[i][k]
				}
				if !in {
					continue candidates
				}
			}
			out.hits = append(out.hits, k)
			conversations[k.conversation()] = true
			if len(conversations) == want {
				out.floor = k
				return out, nil
			}
		}
		if !drv.more {
			return out, nil
		}
		if round == maxRounds {
			out.floor = drv.last()
			return out, nil
		}
		next, more, err := src.Page(ctx, c.lists[d], drv.last(), pageSize)
		if err != nil {
			return outcome{}, err
		}
		if len(next) == 0 {
			return out, nil
		}
		drv = page{next, more}
	}
}

// covers tells whether a list's first page says for sure whether k is in
// the list: the page reaches back to k, or holds the whole list.
func covers(p page, k Key) bool { return !p.more || k >= p.last() }

// driver picks the list to walk: a list read to its end with the fewest
// keys, else the one whose first page reaches furthest back (the
// sparsest, so the fewest keys are checked against the others).
func driver(pages []page) int {
	best := 0
	for i, p := range pages {
		b := pages[best]
		switch {
		case !p.more && (b.more || len(p.keys) < len(b.keys)):
			best = i
		case p.more && b.more && p.last() < b.last():
			best = i
		}
	}
	return best
}

// probe asks every list but the driver about the driver's keys its first
// page does not cover, all lists at once.
func (c conjunction) probe(ctx context.Context, src Source, first []page, d int, keys []Key) ([]map[Key]bool, error) {
	present := make([]map[Key]bool, len(first))
	ask := make([][]Key, len(first))
	for i := range first {
		if i == d {
			continue
		}
		for _, k := range keys {
			if !covers(first[i], k) {
				ask[i] = append(ask[i], k)
			}
		}
	}
	err := parallel(ctx, len(first), func(ctx context.Context, i int) error {
		for batch := range slices.Chunk(ask[i], ProbeBatch) {
			found, err := src.Contains(ctx, c.lists[i], batch)
			if err != nil {
				return err
			}
			if present[i] == nil {
				present[i] = make(map[Key]bool, len(found))
			}
			for _, k := range found {
				present[i][k] = true
			}
		}
		return nil
	})
	return present, err
}

// merge puts the conjunctions' hits together, newest first, one per
// conversation: only hits at or above the highest floor are certain to be
// complete, so the page ends there at the latest.
func merge(outs []outcome, limit int) (Result, error) {
	var floor Key
	for _, o := range outs {
		floor = max(floor, o.floor)
	}
	var hits []Hit
	for _, o := range outs {
		for _, k := range o.hits {
			if k < floor {
				break
			}
			at, cid, seq, ok := k.parts()
			if !ok {
				return Result{}, fmt.Errorf("index key %q in inbox %q is malformed", k, o.inbox)
			}
			hits = append(hits, Hit{Key: k, InboxID: o.inbox, ConversationID: cid, Seq: seq, At: at})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int { return cmp.Compare(b.Key, a.Key) })
	res := Result{Next: floor}
	seen := make(map[string]bool)
	for i, h := range hits {
		if seen[h.ConversationID] {
			continue
		}
		if len(res.Hits) == limit {
			res.Next = hits[i-1].Key // the next page starts after what this one read
			break
		}
		seen[h.ConversationID] = true
		res.Hits = append(res.Hits, h)
	}
	return res, nil
}

// parallel runs f for 0..n-1 at once and returns the first error; the
// calls still running are cancelled.
func parallel(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	if n == 1 {
		return f(ctx, 0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for i := range n {
		wg.Go(func() {
			if err := f(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	return first
}
