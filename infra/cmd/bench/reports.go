package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/infra/localcloud/oidc"
	"github.com/parleychat/parley/shared/reports"
	"github.com/parleychat/parley/shared/store"
)

// reportDays and reportInboxes size the reports run: a 90-day range of
// inboxes whose every day holds every counter (the largest a day's item
// gets), and an agent's the same.
const (
	reportDays    = 90
	reportInboxes = 10
)

// reportReads measures what a 90-day report reads (Query calls, items,
// bytes, through the reader over a counting client) and how long the
// route takes through the local cloud, for an inbox, an agent and the
// whole account.
func (b *bench) reportReads(ctx context.Context, rounds int) error {
	fmt.Printf("\n## Reports: a %d-day range, every counter on every day, %d inboxes\n\n", reportDays, reportInboxes)
	admin, err := b.agent("alice")
	if err != nil {
		return err
	}
	aliceSub, err := oidc.DemoSub("alice")
	if err != nil {
		return err
	}
	db := b.dynamo()
	table := b.tableName("ChatTable")
	to := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, 1-reportDays)
	full := fullDay()
	write := func(dim, id string) error {
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			it := map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "REPORT#" + dim + "#" + id},
				"sk": &types.AttributeValueMemberS{Value: "DAY#" + d.Format(time.DateOnly)},
			}
			for name, v := range full {
				it[name] = &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
			}
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
				return err
			}
		}
		return nil
	}
	var inboxes []string
	for i := range reportInboxes {
		var in struct{ ID string }
		if err := admin.Call(ctx, http.MethodPost, "/agent/settings/inboxes", map[string]string{"name": fmt.Sprintf("Reports bench %d", i)}, &in); err != nil {
			return err
		}
		inboxes = append(inboxes, in.ID)
		if err := write(reports.DimInbox, in.ID); err != nil {
			return err
		}
	}
	if err := write(reports.DimAgent, aliceSub); err != nil {
		return err
	}

	counting := &queryMeter{DB: db}
	st := store.New(counting, table, nil)
	rd, err := reports.NewReader(st, st)
	if err != nil {
		return err
	}
	f, t := from.Format(time.DateOnly), to.Format(time.DateOnly)
	cases := []struct {
		name, dim, id string
		q             url.Values
	}{
		{"an inbox", reports.DimInbox, inboxes[0], url.Values{"inboxId": {inboxes[0]}}},
		{"an agent", reports.DimAgent, aliceSub, url.Values{"agentId": {aliceSub}}},
		{"the account", reports.DimAccount, "", url.Values{}},
	}
	for _, c := range cases {
		counting.reset()
		r, err := rd.Report(ctx, c.dim, c.id, f, t)
		if err != nil {
			return err
		}
		calls, items, bytes := counting.totals()
		c.q.Set("from", f)
		c.q.Set("to", t)
		var times []time.Duration
		for range rounds {
			start := time.Now()
			if err := admin.Call(ctx, http.MethodGet, "/agent/reports?"+c.q.Encode(), nil, nil); err != nil {
				return err
			}
			times = append(times, time.Since(start))
		}
		fmt.Printf("  %-12s %3d Query calls, %4d items, %6.1f KB read (%d days with numbers); GET /agent/reports p50 %s p95 %s (%d rounds)\n",
			c.name, calls, items, float64(bytes)/1024, len(r.Days), pct(times, 50), pct(times, 95), rounds)
	}
	return nil
}

// fullDay is a day's item with every counter of docs/reports.md.
func fullDay() reports.Counters {
	c := reports.Counters{}
	for _, name := range reports.Counts {
		c[name] = 120
	}
	for _, m := range []string{reports.FirstResponse, reports.FirstResponseFromAssignment, reports.ReplyTime, reports.TimeToClose} {
		for _, p := range []string{m, reports.Business(m)} {
			c[p+"_n"] = 1000
			c[p+"_ms"] = 123_456_789
			for i := range reports.Buckets {
				c[reports.BucketName(p, i)] = 37
			}
		}
	}
	return c
}

// queryMeter counts the Query calls, items and item bytes (names and
// values, as DynamoDB sizes an item) the store makes.
type queryMeter struct {
	store.DB
	mu                  sync.Mutex
	calls, items, bytes int
}

func (q *queryMeter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := q.DB.Query(ctx, in, o...)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if err == nil {
		q.items += len(out.Items)
		for _, it := range out.Items {
			for name, v := range it {
				q.bytes += len(name)
				switch v := v.(type) {
				case *types.AttributeValueMemberS:
					q.bytes += len(v.Value)
				case *types.AttributeValueMemberN:
					q.bytes += len(v.Value)
				}
			}
		}
	}
	return out, err
}

func (q *queryMeter) reset() {
	q.mu.Lock()
	q.calls, q.items, q.bytes = 0, 0, 0
	q.mu.Unlock()
}

func (q *queryMeter) totals() (calls, items, bytes int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.calls, q.items, q.bytes
}
