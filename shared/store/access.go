package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/chat"
)

// An agent's access state is its own item, AGENT#<id> / ACCESS, so profile
// writes (PutAgent replaces the profile item) never touch it.

var _ access.Store = (*Store)(nil)

// AgentAccess implements access.Store: one consistent GetItem; an agent
// without the item was never disabled nor signed out.
func (s *Store) AgentAccess(ctx context.Context, agentID string) (access.State, error) {
	it, err := s.get(ctx, agentPK(agentID), "ACCESS")
	if errors.Is(err, chat.ErrNotFound) {
		return access.State{}, nil
	}
	if err != nil {
		return access.State{}, fmt.Errorf("get access of agent %s: %w", agentID, err)
	}
	return toAccess(it), nil
}

func toAccess(it item) access.State {
	st := access.State{Disabled: getS(it, "disabled") == "true"}
	if n := getN(it, "signedOutAt"); n > 0 {
		st.SignedOutAt = time.Unix(n, 0).UTC()
	}
	return st
}

// AgentRecord implements access.Store: the access item and the profile
// share the agent's partition, so one consistent Query reads both.
func (s *Store) AgentRecord(ctx context.Context, agentID string) (access.Record, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk AND sk BETWEEN :access AND :profile"),
		ExpressionAttributeValues: item{":pk": str(agentPK(agentID)), ":access": str("ACCESS"), ":profile": str("PROFILE")},
		ConsistentRead:            ptr(true),
	})
	if err != nil {
		return access.Record{}, fmt.Errorf("query agent %s: %w", agentID, translate(err))
	}
	var rec access.Record
	for _, it := range out.Items {
		switch getS(it, "sk") {
		case "ACCESS":
			rec.State = toAccess(it)
		case "PROFILE":
			a := toAgent(it)
			rec.Profile = &a
		}
	}
	return rec, nil
}

// SetAgentDisabled implements access.Store.
func (s *Store) SetAgentDisabled(ctx context.Context, agentID string, disabled bool) error {
	v := "false"
	if disabled {
		v = "true"
	}
	return s.updateAccess(ctx, agentID, &dynamodb.UpdateItemInput{
		UpdateExpression: ptr("SET disabled = :v"), ExpressionAttributeValues: item{":v": str(v)},
	})
}

// SetAgentSignedOut implements access.Store: the mark only moves forward
// (a later mark already stored is kept).
func (s *Store) SetAgentSignedOut(ctx context.Context, agentID string, at time.Time) error {
	return s.updateAccess(ctx, agentID, &dynamodb.UpdateItemInput{
		UpdateExpression:          ptr("SET signedOutAt = :t"),
		ConditionExpression:       ptr("attribute_not_exists(signedOutAt) OR signedOutAt < :t"),
		ExpressionAttributeValues: item{":t": num(at.Unix())},
	})
}

func (s *Store) updateAccess(ctx context.Context, agentID string, in *dynamodb.UpdateItemInput) error {
	in.TableName, in.Key = &s.table, key(agentPK(agentID), "ACCESS")
	if _, err := s.db.UpdateItem(ctx, in); err != nil && !errors.Is(translate(err), chat.ErrConflict) {
		return fmt.Errorf("update access of agent %s: %w", agentID, translate(err))
	}
	return nil
}

// AgentConnections implements access.Store: the agent's sockets among an
// inbox's listeners (one Query of the inbox's listener partition).
func (s *Store) AgentConnections(ctx context.Context, inboxID, agentID string) ([]string, error) {
	var (
		ids   []string
		start item
	)
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :conn)"),
			FilterExpression:          ptr("principalId = :agent"),
			ExpressionAttributeValues: item{":pk": str(inboxPK(inboxID)), ":conn": str("CONN#"), ":agent": str(agentID)},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("query connections of agent %s: %w", agentID, translate(err))
		}
		for _, it := range out.Items {
			ids = append(ids, getS(it, "connectionId"))
		}
		if len(out.LastEvaluatedKey) == 0 {
			return ids, nil
		}
		start = out.LastEvaluatedKey
	}
}
