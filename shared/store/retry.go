package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Cancellation reason codes of TransactWriteItems that mean "another writer
// got there first": the write may succeed on a fresh read.
const (
	reasonConditionFailed = "ConditionalCheckFailed"
	reasonConflict        = "TransactionConflict"
)

// reasons returns, for a cancelled transaction, the reason code of each
// item ("None" or "" for items that did not fail). Real DynamoDB names
// every failing item; minidyn names the first.
func reasons(err error) ([]string, bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	out := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		if r.Code != nil {
			out[i] = *r.Code
		}
	}
	return out, true
}

func reasonAt(rs []string, i int) string {
	if i < 0 || i >= len(rs) {
		return ""
	}
	return rs[i]
}

// anyConflict tells whether some item was cancelled because another
// transaction was writing it at the same moment.
func anyConflict(rs []string) bool {
	for _, r := range rs {
		if r == reasonConflict {
			return true
		}
	}
	return false
}

// backoff waits before retry attempt+1: a random time up to 10 ms << attempt,
// at most 160 ms ("full jitter"), so racing writers do not collide again in
// lockstep and a message of a burst is not kept waiting long.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(10*time.Millisecond) << min(attempt, 4)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
