package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/team"
)

var _ team.Store = (*Store)(nil)

// Team implements team.Store: the TEAM index holds every profile, every
// membership and the access item of every agent ever disabled, grouped
// by agent: one Query (paged past 1 MB).
func (s *Store) Team(ctx context.Context) ([]team.Record, error) {
	items, err := s.teamItems(ctx)
	if err != nil {
		return nil, err
	}
	var out []team.Record
	for _, its := range byAgent(items) {
		if r, ok := toRecord(its); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func toRecord(items []item) (team.Record, bool) {
	a, found := agentFromItems(items)
	r := team.Record{Agent: a}
	for _, it := range items {
		if getS(it, "sk") == "ACCESS" {
			r.Disabled = toAccess(it).Disabled
		}
	}
	return r, found
}

// TeamMember implements team.Store: the agent's partition, one consistent
// Query.
func (s *Store) TeamMember(ctx context.Context, agentID string) (team.Record, error) {
	items, err := s.agentItems(ctx, agentID, "ACCESS")
	if err != nil {
		return team.Record{}, err
	}
	r, found := toRecord(items)
	if !found {
		return team.Record{}, fmt.Errorf("get agent %s: %w", agentID, chat.ErrNotFound)
	}
	return r, nil
}

// CreateInvited implements team.Store.
func (s *Store) CreateInvited(ctx context.Context, a chat.Agent, keep access.Admin) error {
	return s.createAgent(ctx, a, s.keepAdmin(keep))
}

// UpdateMember implements team.Store: the profile's role, the admins'
// conditions and the membership items added and removed, in one
// transaction; memberships past DynamoDB's 100 items a transaction
// follow in more (as SetMemberships writes them), once the first has
// committed the role and its conditions.
func (s *Store) UpdateMember(ctx context.Context, agentID string, role chat.TeamRole, add, remove []string, keep []access.Admin) error {
	txn := []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.table, Key: key(agentPK(agentID), profileSK),
		UpdateExpression:          ptr("SET #role = :role"),
		ConditionExpression:       ptr("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#role": "role"},
		ExpressionAttributeValues: item{":role": str(string(role))},
	}}}
	for _, k := range keep {
		txn = append(txn, s.keepAdmin(k)...)
	}
	checks := len(txn)
	memberships := membershipWrites(agentID, add, remove, s.table)
	n := min(len(memberships), maxTransactItems-checks)
	txn = append(txn, memberships[:n]...)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: txn})
	if rs, ok := reasons(err); ok {
		switch {
		case reasonAt(rs, 0) == reasonConditionFailed:
			return fmt.Errorf("update agent %s: %w", agentID, chat.ErrNotFound)
		case slices.Contains(rs[1:min(checks, len(rs))], reasonConditionFailed):
			return access.ErrNoLongerAdmin
		}
	}
	if err != nil {
		return fmt.Errorf("update agent %s: %w", agentID, translate(err))
	}
	for chunk := range slices.Chunk(memberships[n:], maxTransactItems) {
		if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: chunk}); err != nil {
			return fmt.Errorf("update memberships of agent %s: %w", agentID, translate(err))
		}
	}
	return nil
}

func membershipWrites(agentID string, add, remove []string, table string) []types.TransactWriteItem {
	var out []types.TransactWriteItem
	for _, inbox := range add {
		out = append(out, types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: memberItem(agentID, inbox)}})
	}
	for _, inbox := range remove {
		out = append(out, types.TransactWriteItem{Delete: &types.Delete{TableName: &table, Key: key(agentPK(agentID), memberKey(inbox))}})
	}
	return out
}

// maxTransactItems is DynamoDB's limit of items per transaction.
const maxTransactItems = 100

// SetMemberships implements team.Store: the agents added to and removed
// from one inbox, in transactions of up to 100 of them.
func (s *Store) SetMemberships(ctx context.Context, inboxID string, add, remove []string) error {
	var writes []types.TransactWriteItem
	for _, id := range add {
		writes = append(writes, membershipWrites(id, []string{inboxID}, nil, s.table)...)
	}
	for _, id := range remove {
		writes = append(writes, membershipWrites(id, nil, []string{inboxID}, s.table)...)
	}
	for chunk := range slices.Chunk(writes, maxTransactItems) {
		if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: chunk}); err != nil {
			return fmt.Errorf("set members of inbox %s: %w", inboxID, translate(err))
		}
	}
	return nil
}

// InboxMembers returns the ids of an inbox's members: one Query of GSI1.
func (s *Store) InboxMembers(ctx context.Context, inboxID string) ([]string, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 ptr("GSI1"),
		KeyConditionExpression:    ptr("gsi1pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(membersPK(inboxID))},
	})
	if err != nil {
		return nil, fmt.Errorf("members of %s: %w", inboxID, err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, getS(it, "agentId"))
	}
	return ids, nil
}
