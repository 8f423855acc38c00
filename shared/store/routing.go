package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/routing"
)

// Routing keeps, per inbox:
//
//	ROUTE#<inbox>  LOAD#<agent>        load: the agent's open conversations in the inbox
//	ROUTE#<inbox>  TURN                turn (a counter) and lastAgentId: the round-robin turn
//	QUEUE#<inbox>  <since>#<cid>       a conversation waiting for an agent, since <since>
//
// The load counters follow the conversations themselves: every write of a
// conversation (Append, CreateConversation) that changes who holds it
// open moves the counts in the same transaction, so that, for every inbox
// and agent, load = the number of the inbox's open conversations assigned
// to the agent. Events (late, twice, out of order) never touch them.

func routePK(inbox string) string { return "ROUTE#" + inbox }
func queuePK(inbox string) string { return "QUEUE#" + inbox }
func loadSK(agent string) string  { return "LOAD#" + agent }

const turnSK = "TURN"

var _ routing.Store = (*Store)(nil)

// holder is the agent whose load a conversation counts towards; "" when it
// counts towards none (closed or unassigned).
func holder(c chat.Conversation) string {
	if c.Status != chat.StatusOpen {
		return ""
	}
	return c.AssigneeID
}

// routed is what a conversation's write adds for routing, and where in the
// transaction its conditions are.
type routed struct {
	items []types.TransactWriteItem
	// full and turn are the indexes, within items, of the claim's
	// capacity and turn conditions; -1 without a claim.
	full, turn int
}

// routingWrites are the load changes of moving a conversation from cur to
// next and, for an automatic assignment, its claim.
func (s *Store) routingWrites(cur, next chat.Conversation, claim *chat.Claim) routed {
	r := routed{full: -1, turn: -1}
	before, after := holder(cur), holder(next)
	if before == after {
		return r
	}
	inbox := next.InboxID
	if before != "" {
		r.items = append(r.items, s.loadUpdate(inbox, before, -1, 0))
	}
	if after != "" {
		capacity := 0
		if claim != nil {
			capacity, r.full = claim.Capacity, len(r.items)
		}
		r.items = append(r.items, s.loadUpdate(inbox, after, 1, capacity))
	}
	if claim != nil && after != "" {
		r.turn = len(r.items)
		r.items = append(r.items, s.turnUpdate(inbox, claim.Turn, after))
		if claim.Queued != "" {
			r.items = append(r.items, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: key(queuePK(inbox), claim.Queued)}})
		}
	}
	return r
}

// refusal translates a cancelled transaction whose routing items start at
// offset: chat.ErrFull or chat.ErrTurnTaken; nil for other reasons.
func (r routed) refusal(rs []string, offset int) error {
	switch {
	case r.full >= 0 && reasonAt(rs, offset+r.full) == reasonConditionFailed:
		return chat.ErrFull
	case r.turn >= 0 && reasonAt(rs, offset+r.turn) == reasonConditionFailed:
		return chat.ErrTurnTaken
	}
	return nil
}

// loadUpdate adds delta to an agent's load; with capacity > 0, only while
// the load is below it.
func (s *Store) loadUpdate(inbox, agent string, delta, capacity int) types.TransactWriteItem {
	u := &types.Update{
		TableName: &s.table, Key: key(routePK(inbox), loadSK(agent)),
		UpdateExpression:          ptr("ADD #load :d SET agentId = :agent"),
		ExpressionAttributeNames:  map[string]string{"#load": "load"},
		ExpressionAttributeValues: item{":d": num(int64(delta)), ":agent": str(agent)},
	}
	if capacity > 0 {
		u.ConditionExpression = ptr("attribute_not_exists(#load) OR #load < :cap")
		u.ExpressionAttributeValues[":cap"] = num(int64(capacity))
	}
	return types.TransactWriteItem{Update: u}
}

// turnUpdate moves the inbox's turn from seen to the next, to agent.
func (s *Store) turnUpdate(inbox string, seen int64, agent string) types.TransactWriteItem {
	u := &types.Update{
		TableName: &s.table, Key: key(routePK(inbox), turnSK),
		UpdateExpression:          ptr("SET turn = :next, lastAgentId = :agent"),
		ExpressionAttributeValues: item{":next": num(seen + 1), ":agent": str(agent)},
	}
	if seen == 0 {
		u.ConditionExpression = ptr("attribute_not_exists(turn)")
	} else {
		u.ConditionExpression = ptr("turn = :seen")
		u.ExpressionAttributeValues[":seen"] = num(seen)
	}
	return types.TransactWriteItem{Update: u}
}

// Loads implements routing.Store: the inbox's turn and its agents' loads,
// one consistent Query.
func (s *Store) Loads(ctx context.Context, inboxID string) (routing.Turn, map[string]int, error) {
	var (
		turn  routing.Turn
		loads = map[string]int{}
		start item
	)
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk"),
			ExpressionAttributeValues: item{":pk": str(routePK(inboxID))},
			ConsistentRead:            ptr(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return routing.Turn{}, nil, fmt.Errorf("loads of %s: %w", inboxID, translate(err))
		}
		for _, it := range out.Items {
			sk := getS(it, "sk")
			if agent, ok := strings.CutPrefix(sk, "LOAD#"); ok {
				loads[agent] = int(getN(it, "load"))
			} else if sk == turnSK {
				turn = routing.Turn{N: getN(it, "turn"), Last: getS(it, "lastAgentId")}
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return turn, loads, nil
		}
		start = out.LastEvaluatedKey
	}
}

// queueSK orders an inbox's queue by waiting time, oldest first.
func queueSK(since, conversationID string) string { return since + "#" + conversationID }

// Enqueue implements routing.Store: the entry is put only while the
// conversation waits (open, unassigned, of that inbox), checked in the same
// transaction, so a late or repeated event queues nothing.
func (s *Store) Enqueue(ctx context.Context, w routing.Waiting) (bool, error) {
	entry := key(queuePK(w.InboxID), queueSK(formatTime(w.Since), w.ConversationID))
	entry["conversationId"] = str(w.ConversationID)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{
			TableName: &s.table, Key: key(convPK(w.ConversationID), metaSK),
			ConditionExpression:       ptr("#status = :open AND attribute_not_exists(assigneeId) AND inboxId = :inbox"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: item{":open": str(string(chat.StatusOpen)), ":inbox": str(w.InboxID)},
		}},
		{Put: &types.Put{TableName: &s.table, Item: entry}},
	}})
	if rs, ok := reasons(err); ok && reasonAt(rs, 0) == reasonConditionFailed {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue %s: %w", w.ConversationID, translate(err))
	}
	return true, nil
}

// Queue implements routing.Store: the oldest waiting entries first, one
// consistent Query.
func (s *Store) Queue(ctx context.Context, inboxID string, limit int) ([]routing.Entry, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(queuePK(inboxID))},
		ConsistentRead:            ptr(true),
		Limit:                     ptr(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("queue of %s: %w", inboxID, translate(err))
	}
	entries := make([]routing.Entry, 0, len(out.Items))
	for _, it := range out.Items {
		entries = append(entries, routing.Entry{Key: getS(it, "sk"), ConversationID: getS(it, "conversationId")})
	}
	return entries, nil
}

// Dequeue implements routing.Store.
func (s *Store) Dequeue(ctx context.Context, inboxID string, e routing.Entry) error {
	if _, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		s.table: {{DeleteRequest: &types.DeleteRequest{Key: key(queuePK(inboxID), e.Key)}}},
	}}); err != nil {
		return fmt.Errorf("dequeue %s: %w", e.ConversationID, translate(err))
	}
	return nil
}

// Candidates implements routing.Store: the profiles, access and presence
// items of the members, one BatchGetItem per 33 of them.
func (s *Store) Candidates(ctx context.Context, agentIDs []string) ([]routing.Candidate, error) {
	byID := map[string]*routing.Candidate{}
	var keys []item
	for _, id := range agentIDs {
		if byID[id] != nil {
			continue
		}
		byID[id] = &routing.Candidate{}
		keys = append(keys, key(agentPK(id), profileSK), key(agentPK(id), "ACCESS"), key(agentPK(id), presenceSK))
	}
	for len(keys) > 0 {
		n := min(len(keys), 99)
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys[:n], ConsistentRead: ptr(true)}}
		for attempt := 0; len(req) > 0; attempt++ {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("read candidates: %w", translate(err))
			}
			for _, it := range out.Responses[s.table] {
				id, _ := strings.CutPrefix(getS(it, "pk"), "AGENT#")
				c := byID[id]
				switch getS(it, "sk") {
				case profileSK:
					c.Agent, c.Found = toAgent(it), true
				case "ACCESS":
					c.Disabled = toAccess(it).Disabled
				case presenceSK:
					c.Presence = toPresence(it)
				}
			}
			if len(out.UnprocessedKeys) == 0 {
				break
			}
			if attempt+1 == maxAttempts {
				return nil, errors.New("read candidates: keys still unprocessed")
			}
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
			req = out.UnprocessedKeys
		}
		keys = keys[n:]
	}
	out := make([]routing.Candidate, 0, len(byID))
	for _, id := range agentIDs {
		if c := byID[id]; c != nil && c.Found {
			out = append(out, *c)
			byID[id] = nil
		}
	}
	return out, nil
}

// Routing implements routing.Inboxes: the routing an admin set on the
// inbox; an inbox never stored (the first one before it is seeded) routes
// by hand.
func (s *Store) Routing(ctx context.Context, inboxID string) (routing.Settings, error) {
	in, err := s.Inbox(ctx, inboxID)
	if errors.Is(err, chat.ErrNotFound) {
		return routing.Settings{Mode: routing.Manual}, nil
	}
	if err != nil {
		return routing.Settings{}, err
	}
	return routing.Settings{Mode: routing.Mode(in.Routing.Mode), Capacity: in.Routing.Capacity}, nil
}
