package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/chat"
)

func agentPK(id string) string      { return "AGENT#" + id }
func membersPK(inbox string) string { return "MEMBERS#" + inbox }

func toDBAgent(a chat.Agent) item {
	it := key(agentPK(a.ID), "PROFILE")
	it["agentId"] = str(a.ID)
	it["displayName"] = str(a.DisplayName)
	putOpt(it, "email", a.Email)
	putOpt(it, "avatarUrl", a.AvatarURL)
	putOpt(it, "meetingsUrl", a.MeetingsURL)
	it["inboxes"] = strList(a.Inboxes)
	// Every agent belongs to one inbox for now; GSI1 lists its members.
	if len(a.Inboxes) > 0 {
		it["gsi1pk"] = str(membersPK(a.Inboxes[0]))
		it["gsi1sk"] = str(a.ID)
	}
	return it
}

func toAgent(it item) chat.Agent {
	return chat.Agent{
		ID: getS(it, "agentId"), DisplayName: getS(it, "displayName"), Email: getS(it, "email"),
		AvatarURL: getS(it, "avatarUrl"), MeetingsURL: getS(it, "meetingsUrl"), Inboxes: getList(it, "inboxes"),
	}
}

// Agent implements chat.Storer.
func (s *Store) Agent(ctx context.Context, id string) (chat.Agent, error) {
	it, err := s.get(ctx, agentPK(id), "PROFILE")
	if err != nil {
		return chat.Agent{}, fmt.Errorf("get agent %s: %w", id, err)
	}
	return toAgent(it), nil
}

// EnsureAgent implements chat.Storer.
func (s *Store) EnsureAgent(ctx context.Context, a chat.Agent) (chat.Agent, error) {
	got, err := s.Agent(ctx, a.ID)
	if !errors.Is(err, chat.ErrNotFound) {
		return got, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: toDBAgent(a), ConditionExpression: ptr("attribute_not_exists(pk)"),
	})
	if err != nil {
		if errors.Is(translate(err), chat.ErrConflict) {
			// Created concurrently by another request of the same agent.
			return s.Agent(ctx, a.ID)
		}
		return chat.Agent{}, fmt.Errorf("create agent %s: %w", a.ID, translate(err))
	}
	return a, nil
}

// PutAgent implements chat.Storer.
func (s *Store) PutAgent(ctx context.Context, a chat.Agent) error {
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: toDBAgent(a)}); err != nil {
		return fmt.Errorf("put agent %s: %w", a.ID, translate(err))
	}
	return nil
}

// RenameAgent implements chat.Storer.
func (s *Store) RenameAgent(ctx context.Context, id, from, to string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(agentPK(id), "PROFILE"),
		UpdateExpression:          ptr("SET displayName = :to"),
		ConditionExpression:       ptr("displayName = :from"),
		ExpressionAttributeValues: item{":to": str(to), ":from": str(from)},
	})
	if err != nil {
		return fmt.Errorf("rename agent %s: %w", id, translate(err))
	}
	return nil
}

// Agents implements chat.Storer.
func (s *Store) Agents(ctx context.Context, inboxID string) ([]chat.Agent, error) {
	agents := []chat.Agent{}
	var start item
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			IndexName:                 ptr("GSI1"),
			KeyConditionExpression:    ptr("gsi1pk = :pk"),
			ExpressionAttributeValues: item{":pk": str(membersPK(inboxID))},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("list agents of %s: %w", inboxID, translate(err))
		}
		for _, it := range out.Items {
			agents = append(agents, toAgent(it))
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	slices.SortFunc(agents, func(a, b chat.Agent) int { return cmp.Compare(a.DisplayName, b.DisplayName) })
	return agents, nil
}
