package store

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/reports"
)

// Reports keep (docs/reports.md):
//
//	RCONV#<cid>          REPORT       the conversation's entries, how each was counted, and what
//	                                  they added to the rollups (deflated JSON), version; kept as
//	                                  long as the conversation
//	REPORT#<dim>#<id>    DAY#<date>   one day's counters of an inbox or agent, one number attribute each
//
// The state and the counters it changes are written in one transaction,
// conditional on the state's version, so an event counts once whatever
// runs beside it.
//
// The state is written at every event, and a write costs a unit per KB
// (two in a transaction): as JSON it passes 1 KB after about ten events,
// deflated it stays under it for most conversations (a quarter of the
// size). States written before, as the JSON strings conv and added, are
// read as they are and rewritten deflated at their next event.

const (
	reportStateSK = "REPORT"
	// maxReportUpdates is what one transaction holds beside the state.
	maxReportUpdates = 99
)

func reportStatePK(cid string) string     { return "RCONV#" + cid }
func reportPK(dim, id string) string      { return "REPORT#" + dim + "#" + id }
func reportDaySK(date string) string      { return "DAY#" + date }
func reportDate(sk string) (string, bool) { return strings.CutPrefix(sk, "DAY#") }

var _ reports.Store = (*Store)(nil)

// addedRollup is one rollup of a state's Added, as stored.
type addedRollup struct {
	Dim      string           `json:"d"`
	ID       string           `json:"i"`
	Day      string           `json:"y"`
	Counters reports.Counters `json:"c"`
}

// storedState is what the state item's attribute state holds, deflated.
type storedState struct {
	Conversation reports.Conversation `json:"c"`
	Added        []addedRollup        `json:"a"`
}

// maxStateBytes bounds what a stored state may inflate to: a state's JSON
// is about 200 KB at reports.MaxEntries (more only when its events are
// spread over years of days), so more is not a state this store wrote.
const maxStateBytes = 1 << 20

func encodeState(st reports.State) ([]byte, error) {
	stored := storedState{Conversation: st.Conversation, Added: make([]addedRollup, 0, len(st.Added))}
	for k, c := range st.Added {
		stored.Added = append(stored.Added, addedRollup{Dim: k.Dim, ID: k.ID, Day: k.Day, Counters: c})
	}
	raw, err := json.Marshal(stored)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// A new flate writer allocates and clears some 800 KB of tables (its
// hash chains and window): milliseconds of CPU, more than the rest of the
// reports consumer's invocation, at every event. Writers and readers are
// therefore reused; Reset makes each one as good as new.
var (
	deflaters = sync.Pool{New: func() any {
		w, err := flate.NewWriter(nil, flate.BestCompression)
		if err != nil {
			// Only an invalid level fails, and the level is a constant.
			panic(err)
		}
		return w
	}}
	inflaters = sync.Pool{New: func() any { return flate.NewReader(nil) }}
)

// decodeState reads a stored state item: deflated, or the JSON strings
// of before.
func decodeState(it item) (reports.State, error) {
	var stored storedState
	if b, ok := it["state"].(*types.AttributeValueMemberB); ok {
		r := inflaters.Get().(io.ReadCloser)
		if err := r.(flate.Resetter).Reset(bytes.NewReader(b.Value), nil); err != nil {
			return reports.State{}, err
		}
		raw, err := io.ReadAll(io.LimitReader(r, maxStateBytes))
		inflaters.Put(r)
		if err != nil {
			return reports.State{}, err
		}
		if err := json.Unmarshal(raw, &stored); err != nil {
			return reports.State{}, err
		}
	} else {
		if err := json.Unmarshal([]byte(getS(it, "conv")), &stored.Conversation); err != nil {
			return reports.State{}, err
		}
		if err := json.Unmarshal([]byte(getS(it, "added")), &stored.Added); err != nil {
			return reports.State{}, err
		}
	}
	st := reports.State{Conversation: stored.Conversation, Added: reports.Rollups{}, Version: getN(it, "version")}
	for _, a := range stored.Added {
		st.Added[reports.Key{Dim: a.Dim, ID: a.ID, Day: a.Day}] = a.Counters
	}
	return st, nil
}

// LoadReportState implements reports.Store with one consistent GetItem.
func (s *Store) LoadReportState(ctx context.Context, cid string) (reports.State, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(reportStatePK(cid), reportStateSK), ConsistentRead: ptr(true)})
	if err != nil {
		return reports.State{}, fmt.Errorf("report state of %s: %w", cid, translate(err))
	}
	if len(out.Item) == 0 {
		return reports.State{Added: reports.Rollups{}}, nil
	}
	st, err := decodeState(out.Item)
	if err != nil {
		return reports.State{}, fmt.Errorf("report state of %s: %w", cid, err)
	}
	return st, nil
}

// SaveReportState implements reports.Store: one transaction of the state's
// conditional put and an ADD of the delta to each rollup it changes (the
// conditional put alone when none changes).
func (s *Store) SaveReportState(ctx context.Context, cid string, st reports.State, delta reports.Rollups) error {
	if len(delta) > maxReportUpdates {
		return fmt.Errorf("report state of %s: %d rollups change at once, more than %d", cid, len(delta), maxReportUpdates)
	}
	enc, err := encodeState(st)
	if err != nil {
		return fmt.Errorf("report state of %s: %w", cid, err)
	}
	state := key(reportStatePK(cid), reportStateSK)
	state["state"] = &types.AttributeValueMemberB{Value: enc}
	// No expiry: what the state added is what a backfill subtracts when
	// it recomputes the conversation (docs/reports.md, "Backfill").
	state["version"] = num(st.Version + 1)
	put := &types.Put{TableName: &s.table, Item: state, ConditionExpression: ptr("attribute_not_exists(pk)")}
	if st.Version > 0 {
		put.ConditionExpression = ptr("version = :v")
		put.ExpressionAttributeValues = item{":v": num(st.Version)}
	}
	if len(delta) == 0 {
		// Most events change no counter (a visitor's message while it
		// waits, an assignment): the state alone, at half a transaction's
		// write units.
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: state,
			ConditionExpression: put.ConditionExpression, ExpressionAttributeValues: put.ExpressionAttributeValues})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return fmt.Errorf("report state of %s: %w", cid, reports.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("report state of %s: %w", cid, translate(err))
		}
		return nil
	}
	items := []types.TransactWriteItem{{Put: put}}
	for k, c := range delta {
		items = append(items, s.rollupUpdate(k, c))
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if rs, ok := reasons(err); ok && (reasonAt(rs, 0) == reasonConditionFailed || anyConflict(rs)) {
		return fmt.Errorf("report state of %s: %w", cid, reports.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("report state of %s: %w", cid, translate(err))
	}
	return nil
}

// rollupUpdate adds c to one day's counters.
func (s *Store) rollupUpdate(k reports.Key, c reports.Counters) types.TransactWriteItem {
	names, values := map[string]string{}, item{}
	adds := make([]string, 0, len(c))
	i := 0
	for name, v := range c {
		n, val := "#c"+strconv.Itoa(i), ":c"+strconv.Itoa(i)
		names[n], values[val] = name, num(v)
		adds = append(adds, n+" "+val)
		i++
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.table, Key: key(reportPK(k.Dim, k.ID), reportDaySK(k.Day)),
		UpdateExpression:         ptr("ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}
}

// ReportDays implements reports.Store: one Query of the dimension's
// partition between the two days (a page holds about a year of days).
func (s *Store) ReportDays(ctx context.Context, dim, id, from, to string) ([]reports.Day, error) {
	var (
		days  []reports.Day
		start item
	)
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND sk BETWEEN :from AND :to"),
			ExpressionAttributeValues: item{":pk": str(reportPK(dim, id)), ":from": str(reportDaySK(from)), ":to": str(reportDaySK(to))},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("report days of %s %s: %w", dim, id, translate(err))
		}
		for _, it := range out.Items {
			date, ok := reportDate(getS(it, "sk"))
			if !ok {
				continue
			}
			c := reports.Counters{}
			for name, v := range it {
				if n, isNum := v.(*types.AttributeValueMemberN); isNum {
					c[name], _ = strconv.ParseInt(n.Value, 10, 64)
				}
			}
			days = append(days, reports.Day{Date: date, Counters: c})
		}
		if len(out.LastEvaluatedKey) == 0 {
			return days, nil
		}
		start = out.LastEvaluatedKey
	}
}
