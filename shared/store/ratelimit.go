package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// Rate limit counters are fixed windows, one item per key and window:
// RATE#<key> / W#<window start>, expiring (TTL) a minute after the window.
// A counter is raised by one under the condition that it is below the
// limit, so a refused request writes nothing.

func quotaKey(q chat.Quota) item {
	return key("RATE#"+q.Key, "W#"+strconv.FormatInt(q.Start.Unix(), 10))
}

func quotaUpdate(table string, q chat.Quota) *types.Update {
	return &types.Update{
		TableName:                 &table,
		Key:                       quotaKey(q),
		UpdateExpression:          ptr("ADD hits :one SET expiresAt = :exp"),
		ConditionExpression:       ptr("attribute_not_exists(hits) OR hits < :limit"),
		ExpressionAttributeValues: item{":one": num(1), ":limit": num(int64(q.Limit)), ":exp": num(q.End.Add(time.Minute).Unix())},
	}
}

// quotaItem is the transaction item that counts a write against q.
func (s *Store) quotaItem(q chat.Quota) types.TransactWriteItem {
	return types.TransactWriteItem{Update: quotaUpdate(s.table, q)}
}

func (s *Store) rateLimited(q chat.Quota) error {
	return &chat.RateLimitError{RetryAfter: q.RetryAfter()}
}

// Hit counts one request against q: one UpdateItem, refused with a
// *chat.RateLimitError when the window's count has reached the limit.
func (s *Store) Hit(ctx context.Context, q chat.Quota) error {
	in := quotaUpdate(s.table, q)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: in.TableName, Key: in.Key, UpdateExpression: in.UpdateExpression,
		ConditionExpression: in.ConditionExpression, ExpressionAttributeValues: in.ExpressionAttributeValues,
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return s.rateLimited(q)
		}
		return fmt.Errorf("count %s: %w", q.Key, translate(err))
	}
	return nil
}
