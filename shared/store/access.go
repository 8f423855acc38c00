package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// AgentRecord implements access.Store: the access item, the membership
// items and the profile share the agent's partition and sort in that
// order, so one consistent Query reads them all.
func (s *Store) AgentRecord(ctx context.Context, agentID string) (access.Record, error) {
	items, err := s.agentItems(ctx, agentID, "ACCESS")
	if err != nil {
		return access.Record{}, err
	}
	var rec access.Record
	for _, it := range items {
		if getS(it, "sk") == "ACCESS" {
			rec.State = toAccess(it)
		}
	}
	if a, found := agentFromItems(items); found {
		rec.Profile = &a
	}
	return rec, nil
}

// SetAgentDisabled implements access.Store: the access item (in the TEAM
// index, so the team list shows it) and, in the same transaction, the
// conditions that keep the acting admin one (keepAdmin).
func (s *Store) SetAgentDisabled(ctx context.Context, agentID string, disabled bool, by access.Admin) error {
	v := "false"
	if disabled {
		v = "true"
	}
	txn := []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.table, Key: key(agentPK(agentID), "ACCESS"),
		UpdateExpression:          ptr("SET disabled = :v, gsi2pk = :team, gsi2sk = :sk"),
		ExpressionAttributeValues: item{":v": str(v), ":team": str(teamPK), ":sk": str(teamSK(agentID, "ACCESS"))},
	}}}
	// An admin never disables itself; enabling itself keeps it what it is.
	if by.ID != agentID {
		txn = append(txn, s.keepAdmin(by)...)
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: txn})
	if rs, ok := reasons(err); ok && slices.Contains(rs[1:], reasonConditionFailed) {
		return access.ErrNoLongerAdmin
	}
	if err != nil {
		return fmt.Errorf("set access of agent %s: %w", agentID, translate(err))
	}
	return nil
}

// keepAdmin are the condition checks of access.Admin: by is not disabled
// and, unless its token's admin group makes it an admin (ByGroup), its
// profile holds the role: granted, or through the group as of its last
// request.
func (s *Store) keepAdmin(by access.Admin) []types.TransactWriteItem {
	checks := []types.TransactWriteItem{{ConditionCheck: &types.ConditionCheck{
		TableName: &s.table, Key: key(agentPK(by.ID), "ACCESS"),
		ConditionExpression:       ptr("attribute_not_exists(disabled) OR disabled = :no"),
		ExpressionAttributeValues: item{":no": str("false")},
	}}}
	if !by.ByGroup {
		checks = append(checks, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.table, Key: key(agentPK(by.ID), profileSK),
			ConditionExpression:       ptr("#role = :admin OR adminGroup = :yes"),
			ExpressionAttributeNames:  map[string]string{"#role": "role"},
			ExpressionAttributeValues: item{":admin": str(string(chat.TeamAdmin)), ":yes": &types.AttributeValueMemberBOOL{Value: true}},
		}})
	}
	return checks
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
