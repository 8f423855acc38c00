package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/savedreplies"
)

// Saved replies, by owner ("shared", or "agent#<id>"):
//
//	REPLIES#<owner>   REPLY#<id>   a saved reply
//	REPLIES#<owner>   COUNT        how many the owner has (n), bounded in the write
var _ savedreplies.Store = (*Store)(nil)

func repliesPK(owner string) string { return "REPLIES#" + owner }

func replyItem(owner string, r savedreplies.Reply) item {
	it := key(repliesPK(owner), "REPLY#"+r.ID)
	it["id"] = str(r.ID)
	it["scope"] = str(string(r.Scope))
	it["title"] = str(r.Title)
	it["body"] = str(r.Body)
	putOpt(it, "category", r.Category)
	it["updatedAt"] = str(formatTime(r.UpdatedAt))
	return it
}

// SavedReplies implements savedreplies.Store.
func (s *Store) SavedReplies(ctx context.Context, owner string) ([]savedreplies.Reply, error) {
	var (
		out   []savedreplies.Reply
		start item
	)
	for {
		page, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :reply)"),
			ExpressionAttributeValues: item{":pk": str(repliesPK(owner)), ":reply": str("REPLY#")},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("saved replies of %s: %w", owner, translate(err))
		}
		for _, it := range page.Items {
			out = append(out, savedreplies.Reply{
				ID: getS(it, "id"), Scope: savedreplies.Scope(getS(it, "scope")), Title: getS(it, "title"),
				Body: getS(it, "body"), Category: getS(it, "category"), UpdatedAt: getTime(it, "updatedAt"),
			})
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = page.LastEvaluatedKey
	}
}

func (s *Store) replyCount(owner string, delta int, max int) types.TransactWriteItem {
	u := &types.Update{
		TableName:                 &s.table,
		Key:                       key(repliesPK(owner), "COUNT"),
		UpdateExpression:          ptr("SET n = if_not_exists(n, :zero) + :d"),
		ExpressionAttributeValues: item{":zero": num(0), ":d": num(int64(delta))},
	}
	if delta > 0 {
		u.ConditionExpression = ptr("attribute_not_exists(n) OR n < :max")
		u.ExpressionAttributeValues[":max"] = num(int64(max))
	}
	return types.TransactWriteItem{Update: u}
}

// CreateSavedReply implements savedreplies.Store: the reply and the
// owner's count in one transaction, the count bounded by max.
func (s *Store) CreateSavedReply(ctx context.Context, owner string, r savedreplies.Reply, max int) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		s.replyCount(owner, 1, max),
		s.newPut(replyItem(owner, r)),
	}})
	if err != nil {
		if rs, ok := reasons(err); ok && reasonAt(rs, 0) == reasonConditionFailed {
			return fmt.Errorf("save reply of %s: %w", owner, savedreplies.ErrFull)
		}
		return fmt.Errorf("save reply of %s: %w", owner, translate(err))
	}
	return nil
}

// UpdateSavedReply implements savedreplies.Store.
func (s *Store) UpdateSavedReply(ctx context.Context, owner string, r savedreplies.Reply) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: replyItem(owner, r), ConditionExpression: ptr("attribute_exists(pk)"),
	})
	if err != nil {
		if errors.Is(translate(err), chat.ErrConflict) { // the condition: no such reply
			return fmt.Errorf("update reply %s of %s: %w", r.ID, owner, chat.ErrNotFound)
		}
		return fmt.Errorf("update reply %s of %s: %w", r.ID, owner, translate(err))
	}
	return nil
}

// DeleteSavedReply implements savedreplies.Store: the reply and the
// owner's count in one transaction.
func (s *Store) DeleteSavedReply(ctx context.Context, owner, id string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: &s.table, Key: key(repliesPK(owner), "REPLY#"+id), ConditionExpression: ptr("attribute_exists(pk)")}},
		s.replyCount(owner, -1, 0),
	}})
	if err != nil {
		if rs, ok := reasons(err); ok && reasonAt(rs, 0) == reasonConditionFailed {
			return fmt.Errorf("delete reply %s of %s: %w", id, owner, chat.ErrNotFound)
		}
		return fmt.Errorf("delete reply %s of %s: %w", id, owner, translate(err))
	}
	return nil
}
