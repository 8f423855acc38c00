package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/access"
	"github.com/parleychat/parley/shared/chat"
)

// An agent's partition, AGENT#<id>, holds (in sort key order) its access
// state (ACCESS), one item per inbox it is a member of (MEMBER#<inbox>)
// and its profile (PROFILE): one Query reads all three (AgentRecord).
// Membership items are in GSI1 under MEMBERS#<inbox> (an inbox's members);
// profiles, memberships and a disabled agent's access item are in GSI2
// under TEAM (the whole team, one Query).
const (
	profileSK = "PROFILE"
	memberSK  = "MEMBER#"
	teamPK    = "TEAM"
)

func agentPK(id string) string        { return "AGENT#" + id }
func membersPK(inbox string) string   { return "MEMBERS#" + inbox }
func memberKey(inbox string) string   { return memberSK + inbox }
func teamSK(id, sk string) string     { return id + "#" + sk }
func isMember(it item) (string, bool) { return strings.CutPrefix(getS(it, "sk"), memberSK) }

func toDBAgent(a chat.Agent) item {
	it := key(agentPK(a.ID), profileSK)
	it["agentId"] = str(a.ID)
	it["displayName"] = str(a.DisplayName)
	putOpt(it, "email", a.Email)
	putOpt(it, "avatarUrl", a.AvatarURL)
	putOpt(it, "meetingsUrl", a.MeetingsURL)
	role := a.Granted
	if role == "" {
		role = chat.TeamAgent
	}
	it["role"] = str(string(role))
	if a.AdminGroup {
		it["adminGroup"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if a.Invited {
		it["invited"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	it["gsi2pk"], it["gsi2sk"] = str(teamPK), str(teamSK(a.ID, profileSK))
	return it
}

func memberItem(agentID, inbox string) item {
	it := key(agentPK(agentID), memberKey(inbox))
	it["agentId"], it["inboxId"] = str(agentID), str(inbox)
	it["gsi1pk"], it["gsi1sk"] = str(membersPK(inbox)), str(agentID)
	it["gsi2pk"], it["gsi2sk"] = str(teamPK), str(teamSK(agentID, memberKey(inbox)))
	return it
}

func toAgent(it item) chat.Agent {
	a := chat.Agent{
		ID: getS(it, "agentId"), DisplayName: getS(it, "displayName"), Email: getS(it, "email"),
		AvatarURL: getS(it, "avatarUrl"), MeetingsURL: getS(it, "meetingsUrl"),
		Granted: chat.TeamRole(getS(it, "role")), AdminGroup: getBool(it, "adminGroup"), Invited: getBool(it, "invited"),
		// A profile written before memberships were items of their own
		// lists them; membership items, when there are any, replace it.
		Inboxes: getList(it, "inboxes"),
	}
	if a.Granted == "" {
		a.Granted = chat.TeamAgent
	}
	a.Role = chat.RoleOf(a)
	return a
}

// agentFromItems assembles the profile of one agent's PROFILE and
// MEMBER# items; found is false without a profile.
func agentFromItems(items []item) (a chat.Agent, found bool) {
	var inboxes []string
	for _, it := range items {
		if inbox, ok := isMember(it); ok {
			inboxes = append(inboxes, inbox)
		} else if getS(it, "sk") == profileSK {
			a, found = toAgent(it), true
		}
	}
	if found && (len(inboxes) > 0 || !legacy(items)) {
		slices.Sort(inboxes)
		a.Inboxes = inboxes
	}
	if a.Inboxes == nil && found {
		a.Inboxes = []string{}
	}
	return a, found
}

// legacy tells whether the agent's profile is still one that listed its
// inboxes itself (written before membership items).
func legacy(items []item) bool {
	for _, it := range items {
		if getS(it, "sk") == profileSK {
			_, ok := it["inboxes"]
			return ok
		}
	}
	return false
}

// Agent implements chat.Storer: the profile with its memberships, one
// consistent Query.
func (s *Store) Agent(ctx context.Context, id string) (chat.Agent, error) {
	items, err := s.agentItems(ctx, id, memberSK)
	if err != nil {
		return chat.Agent{}, err
	}
	a, found := agentFromItems(items)
	if !found {
		return chat.Agent{}, fmt.Errorf("get agent %s: %w", id, chat.ErrNotFound)
	}
	return a, nil
}

// agentItems reads the agent's items from `from` up to its profile.
func (s *Store) agentItems(ctx context.Context, id, from string) ([]item, error) {
	var (
		all   []item
		start item
	)
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND sk BETWEEN :from AND :profile"),
			ExpressionAttributeValues: item{":pk": str(agentPK(id)), ":from": str(from), ":profile": str(profileSK)},
			ConsistentRead:            ptr(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("query agent %s: %w", id, translate(err))
		}
		all = append(all, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return all, nil
		}
		start = out.LastEvaluatedKey
	}
}

// EnsureAgent implements chat.Storer: a new agent's profile and its
// memberships in one transaction. An invited agent's first sign-in finds
// its profile (the invitation's id is the identity provider's sub) and
// clears the invitation mark; a profile that still lists its inboxes
// itself is moved to membership items.
func (s *Store) EnsureAgent(ctx context.Context, a chat.Agent) (chat.Agent, error) {
	items, err := s.agentItems(ctx, a.ID, memberSK)
	if err != nil {
		return chat.Agent{}, err
	}
	if got, found := agentFromItems(items); found {
		return s.signedIn(ctx, got, legacy(items))
	}
	if a.Granted == "" {
		a.Granted = chat.TeamAgent
	}
	a.Inboxes = slices.Compact(slices.Sorted(slices.Values(a.Inboxes)))
	if a.Inboxes == nil {
		a.Inboxes = []string{}
	}
	if err := s.createAgent(ctx, a, nil); err != nil {
		if errors.Is(err, chat.ErrConflict) {
			// Created concurrently by another request of the same agent.
			return s.Agent(ctx, a.ID)
		}
		return chat.Agent{}, err
	}
	a.Role = chat.RoleOf(a)
	return a, nil
}

// signedIn clears an invitation mark and rewrites a profile that lists
// its inboxes as membership items; both happen once.
func (s *Store) signedIn(ctx context.Context, a chat.Agent, listsInboxes bool) (chat.Agent, error) {
	if !a.Invited && !listsInboxes {
		return a, nil
	}
	update := "REMOVE invited"
	if listsInboxes {
		update = "SET gsi2pk = :team, gsi2sk = :sk REMOVE invited, inboxes, gsi1pk, gsi1sk"
	}
	txn := []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.table, Key: key(agentPK(a.ID), profileSK), UpdateExpression: &update,
		ConditionExpression:       ptr("attribute_exists(pk)"),
		ExpressionAttributeValues: nil,
	}}}
	if listsInboxes {
		txn[0].Update.ExpressionAttributeValues = item{":team": str(teamPK), ":sk": str(teamSK(a.ID, profileSK))}
		for _, inbox := range a.Inboxes {
			txn = append(txn, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: memberItem(a.ID, inbox)}})
		}
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: txn}); err != nil {
		return chat.Agent{}, fmt.Errorf("first sign-in of agent %s: %w", a.ID, translate(err))
	}
	a.Invited = false
	return a, nil
}

// createAgent puts a new profile with its memberships; ErrConflict when
// the profile exists. extra joins the same transaction: the conditions
// that the inviting admin still is one (access.ErrNoLongerAdmin).
func (s *Store) createAgent(ctx context.Context, a chat.Agent, extra []types.TransactWriteItem) error {
	txn := []types.TransactWriteItem{s.newPut(toDBAgent(a))}
	for _, inbox := range a.Inboxes {
		txn = append(txn, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: memberItem(a.ID, inbox)}})
	}
	txn = append(txn, extra...)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: txn})
	if rs, ok := reasons(err); ok {
		switch {
		case reasonAt(rs, 0) == reasonConditionFailed:
			return fmt.Errorf("create agent %s: %w", a.ID, chat.ErrConflict)
		case slices.Contains(rs[len(txn)-len(extra):], reasonConditionFailed):
			return access.ErrNoLongerAdmin
		}
	}
	if err != nil {
		return fmt.Errorf("create agent %s: %w", a.ID, translate(err))
	}
	return nil
}

// UpdateProfile implements chat.Storer: the fields an agent edits, and
// nothing else of the profile (its role and memberships are an admin's).
func (s *Store) UpdateProfile(ctx context.Context, a chat.Agent) error {
	set := []string{"displayName = :name"}
	vals := item{":name": str(a.DisplayName)}
	var remove []string
	for attr, v := range map[string]string{"avatarUrl": a.AvatarURL, "meetingsUrl": a.MeetingsURL} {
		if v == "" {
			remove = append(remove, attr)
			continue
		}
		set = append(set, attr+" = :"+attr)
		vals[":"+attr] = str(v)
	}
	slices.Sort(remove)
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(agentPK(a.ID), profileSK), UpdateExpression: &expr,
		ConditionExpression: ptr("attribute_exists(pk)"), ExpressionAttributeValues: vals,
	})
	if errors.Is(translate(err), chat.ErrConflict) {
		return fmt.Errorf("update agent %s: %w", a.ID, chat.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("update agent %s: %w", a.ID, translate(err))
	}
	return nil
}

// RenameAgent implements chat.Storer.
func (s *Store) RenameAgent(ctx context.Context, id, from, to string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(agentPK(id), profileSK),
		UpdateExpression:          ptr("SET displayName = :to"),
		ConditionExpression:       ptr("displayName = :from"),
		ExpressionAttributeValues: item{":to": str(to), ":from": str(from)},
	})
	if err != nil {
		return fmt.Errorf("rename agent %s: %w", id, translate(err))
	}
	return nil
}

// SetAdminGroup implements chat.Storer.
func (s *Store) SetAdminGroup(ctx context.Context, agentID string, in bool) error {
	expr := "SET adminGroup = :in"
	vals := item{":in": &types.AttributeValueMemberBOOL{Value: true}}
	if !in {
		expr, vals = "REMOVE adminGroup", nil
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(agentPK(agentID), profileSK), UpdateExpression: &expr,
		ConditionExpression: ptr("attribute_exists(pk)"), ExpressionAttributeValues: vals,
	})
	if err != nil && !errors.Is(translate(err), chat.ErrConflict) {
		return fmt.Errorf("admin group of agent %s: %w", agentID, translate(err))
	}
	return nil
}

// teamItems reads the TEAM index: every agent's profile, memberships and,
// when it was ever disabled, access item, ordered by agent.
func (s *Store) teamItems(ctx context.Context) ([]item, error) {
	var (
		all   []item
		start item
	)
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			IndexName:                 ptr("GSI2"),
			KeyConditionExpression:    ptr("gsi2pk = :team"),
			ExpressionAttributeValues: item{":team": str(teamPK)},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("query the team: %w", translate(err))
		}
		all = append(all, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return all, nil
		}
		start = out.LastEvaluatedKey
	}
}

// byAgent groups the team's items by agent, in the index's order.
func byAgent(items []item) [][]item {
	var (
		out  [][]item
		last string
	)
	for _, it := range items {
		id, _, _ := strings.Cut(getS(it, "gsi2sk"), "#")
		if id != last || len(out) == 0 {
			out = append(out, nil)
			last = id
		}
		out[len(out)-1] = append(out[len(out)-1], it)
	}
	return out
}

// Agents implements chat.Storer: the whole team in one Query, by display
// name.
func (s *Store) Agents(ctx context.Context) ([]chat.Agent, error) {
	items, err := s.teamItems(ctx)
	if err != nil {
		return nil, err
	}
	agents := []chat.Agent{}
	for _, its := range byAgent(items) {
		if a, ok := agentFromItems(its); ok {
			agents = append(agents, a)
		}
	}
	slices.SortStableFunc(agents, func(a, b chat.Agent) int { return cmp.Compare(a.DisplayName, b.DisplayName) })
	return agents, nil
}
