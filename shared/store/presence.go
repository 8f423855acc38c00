package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// presenceDepth is how many of a visitor's newest conversations get its
// online flag: the inbox shows the dot on live threads, and a visitor has
// at most one or two of those. Going offline clears a deeper window
// (offlineDepth), so a conversation that slipped out of the newest few
// while the visitor was online does not keep a green dot; a new
// conversation is created with the flag already set.
const (
	presenceDepth = 3
	offlineDepth  = 10
)

func getBool(it item, attr string) bool {
	v, ok := it[attr].(*types.AttributeValueMemberBOOL)
	return ok && v.Value
}

// PresenceTurn implements chat.Storer: an atomic counter on the visitor's
// PRESENCE item.
func (s *Store) PresenceTurn(ctx context.Context, visitorID string) (int64, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(visitorPK(visitorID), "PRESENCE"),
		UpdateExpression:          ptr("ADD turn :one"),
		ExpressionAttributeValues: item{":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("presence turn of %s: %w", visitorID, translate(err))
	}
	return getN(out.Attributes, "turn"), nil
}

// SetVisitorOnline implements chat.Storer: one Query for the visitor's
// newest conversations and an update per conversation, conditional on no
// later turn having set its flag (presenceTurn). Only a flag that changed
// is reported, so a second tab pushes nothing.
func (s *Store) SetVisitorOnline(ctx context.Context, visitorID string, online bool, turn int64) ([]chat.Conversation, error) {
	depth := presenceDepth
	if !online {
		depth = offlineDepth
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :conv)"),
		ExpressionAttributeValues: item{":pk": str(visitorPK(visitorID)), ":conv": str("CONV#")},
		ScanIndexForward:          ptr(false),
		Limit:                     ptr(int32(depth)),
	})
	if err != nil {
		return nil, fmt.Errorf("query conversations of visitor %s: %w", visitorID, translate(err))
	}
	var changed []chat.Conversation
	for _, it := range out.Items {
		cid := getS(it, "conversationId")
		res, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       key(convPK(cid), metaSK),
			UpdateExpression:          ptr("SET visitorOnline = :on, presenceTurn = :turn"),
			ConditionExpression:       ptr("attribute_exists(pk) AND (attribute_not_exists(presenceTurn) OR presenceTurn < :turn)"),
			ExpressionAttributeValues: item{":on": &types.AttributeValueMemberBOOL{Value: online}, ":turn": num(turn)},
			ReturnValues:              types.ReturnValueAllOld,
		})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			continue // a later turn decided already
		}
		if err != nil {
			return changed, fmt.Errorf("set presence of %s: %w", cid, translate(err))
		}
		if _, had := res.Attributes["visitorOnline"]; had && getBool(res.Attributes, "visitorOnline") == online {
			continue
		}
		c := toConversation(res.Attributes)
		c.VisitorOnline, c.PresenceTurn = online, turn
		changed = append(changed, c)
	}
	return changed, nil
}

// SetAssigneeProfile implements chat.Storer: the agent's open conversations
// come from the owner index (one Query per shard); each is updated only
// while the agent still owns it.
func (s *Store) SetAssigneeProfile(ctx context.Context, inboxID string, a chat.Agent) ([]chat.Conversation, error) {
	var changed []chat.Conversation
	for sh := range Shards {
		var start item
		for {
			out, err := s.db.Query(ctx, &dynamodb.QueryInput{
				TableName:                 &s.table,
				IndexName:                 ptr("GSI2"),
				KeyConditionExpression:    ptr("gsi2pk = :pk"),
				ExpressionAttributeValues: item{":pk": str(ownerPK(inboxID, chat.StatusOpen, a.ID, sh))},
				ExclusiveStartKey:         start,
			})
			if err != nil {
				return changed, fmt.Errorf("query conversations of agent %s: %w", a.ID, translate(err))
			}
			for _, it := range out.Items {
				c, err := s.setAssignee(ctx, getS(it, "conversationId"), a)
				if errors.Is(err, chat.ErrConflict) {
					continue
				}
				if err != nil {
					return changed, err
				}
				changed = append(changed, c)
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	return changed, nil
}

func (s *Store) setAssignee(ctx context.Context, cid string, a chat.Agent) (chat.Conversation, error) {
	in := &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(convPK(cid), metaSK),
		UpdateExpression:          ptr("SET assigneeName = :name REMOVE assigneeAvatarUrl"),
		ConditionExpression:       ptr("assigneeId = :aid"),
		ExpressionAttributeValues: item{":name": str(a.DisplayName), ":aid": str(a.ID)},
		ReturnValues:              types.ReturnValueAllNew,
	}
	if a.AvatarURL != "" {
		in.UpdateExpression = ptr("SET assigneeName = :name, assigneeAvatarUrl = :avatar")
		in.ExpressionAttributeValues[":avatar"] = str(a.AvatarURL)
	}
	res, err := s.db.UpdateItem(ctx, in)
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("set assignee of %s: %w", cid, translate(err))
	}
	return toConversation(res.Attributes), nil
}
