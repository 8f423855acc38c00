package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// An agent's status lives in its own item, AGENT#<id> / PRESENCE, beside
// the profile (which PutAgent replaces whole) and the access state: the
// status it chose, its open inbox sockets as a string set of
// "<expiresAt>#<connectionId>" (added in the connection's own
// transaction, removed on $disconnect or when a push finds it gone), when
// its last socket closed (and when that socket had opened) and when it
// last signed out or was disabled.

const presenceSK = "PRESENCE"

// socketElement is a socket's entry in the set: when API Gateway closes it
// at the latest, and its id.
func socketElement(c chat.Connection) string {
	return strconv.FormatInt(c.ConnectedAt.Add(ConnectionTTL).Unix(), 10) + "#" + c.ID
}

// addSocket is the update SaveConnection adds to an agent's connection.
func (s *Store) addSocket(c chat.Connection) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       key(agentPK(c.Principal.ID), presenceSK),
		UpdateExpression:          ptr("ADD sockets :s"),
		ExpressionAttributeValues: item{":s": &types.AttributeValueMemberSS{Value: []string{socketElement(c)}}},
	}}
}

func toPresence(it item) chat.Presence {
	p := chat.Presence{Status: chat.AgentStatus(getS(it, "status")), LastClosedAt: getTime(it, "lastClosedAt"),
		LastClosedOpenedAt: getTime(it, "lastClosedOpenedAt"), LeftAt: getTime(it, "leftAt")}
	for _, e := range getList(it, "sockets") {
		exp, id, ok := strings.Cut(e, "#")
		n, err := strconv.ParseInt(exp, 10, 64)
		if ok && err == nil {
			expires := time.Unix(n, 0).UTC()
			p.Sockets = append(p.Sockets, chat.AgentSocket{ConnectionID: id, OpenedAt: expires.Add(-ConnectionTTL), ExpiresAt: expires})
		}
	}
	return p
}

// AgentPresence implements chat.Storer.
func (s *Store) AgentPresence(ctx context.Context, agentID string) (chat.Presence, error) {
	it, err := s.get(ctx, agentPK(agentID), presenceSK)
	if errors.Is(err, chat.ErrNotFound) {
		return chat.Presence{}, nil
	}
	if err != nil {
		return chat.Presence{}, fmt.Errorf("get presence of %s: %w", agentID, err)
	}
	return toPresence(it), nil
}

// AgentPresences implements chat.Storer: BatchGetItem, 100 keys a call.
func (s *Store) AgentPresences(ctx context.Context, agentIDs []string) (map[string]chat.Presence, error) {
	out := make(map[string]chat.Presence, len(agentIDs))
	seen := map[string]bool{}
	var keys []item
	for _, id := range agentIDs {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, key(agentPK(id), presenceSK))
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), 100)
		pending := map[string]types.KeysAndAttributes{s.table: {Keys: keys[:n]}}
		keys = keys[n:]
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == maxAttempts {
				return nil, errors.New("batch get presence: keys left unprocessed")
			}
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, fmt.Errorf("batch get presence: %w", translate(err))
			}
			for _, it := range res.Responses[s.table] {
				out[strings.TrimPrefix(getS(it, "pk"), "AGENT#")] = toPresence(it)
			}
			pending = res.UnprocessedKeys
			if len(pending) > 0 {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
				}
			}
		}
	}
	return out, nil
}

// SetAgentStatus implements chat.Storer.
func (s *Store) SetAgentStatus(ctx context.Context, agentID string, status chat.AgentStatus) (chat.Presence, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(agentPK(agentID), presenceSK),
		UpdateExpression:          ptr("SET #status = :s"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: item{":s": str(string(status))},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return chat.Presence{}, fmt.Errorf("set status of %s: %w", agentID, translate(err))
	}
	return toPresence(out.Attributes), nil
}

// SetAgentLeft implements chat.Storer.
func (s *Store) SetAgentLeft(ctx context.Context, agentID string, at time.Time) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(agentPK(agentID), presenceSK),
		UpdateExpression:          ptr("SET leftAt = :at"),
		ExpressionAttributeValues: item{":at": str(formatTime(at))},
	})
	if err != nil {
		return fmt.Errorf("agent %s left: %w", agentID, translate(err))
	}
	return nil
}

// AgentSocketClosed implements chat.Storer. Entries of sockets whose
// $disconnect was lost (past their expiry) go in a second update, when
// there are any.
func (s *Store) AgentSocketClosed(ctx context.Context, c chat.Connection, at time.Time) error {
	k := key(agentPK(c.Principal.ID), presenceSK)
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       k,
		UpdateExpression:          ptr("DELETE sockets :s SET lastClosedAt = :at, lastClosedOpenedAt = :opened"),
		ExpressionAttributeValues: item{":s": &types.AttributeValueMemberSS{Value: []string{socketElement(c)}}, ":at": str(formatTime(at)), ":opened": str(formatTime(c.ConnectedAt))},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return fmt.Errorf("close socket of %s: %w", c.Principal.ID, translate(err))
	}
	var stale []string
	for _, sock := range toPresence(out.Attributes).Sockets {
		if !sock.ExpiresAt.After(at) {
			stale = append(stale, strconv.FormatInt(sock.ExpiresAt.Unix(), 10)+"#"+sock.ConnectionID)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: k, UpdateExpression: ptr("DELETE sockets :s"),
		ExpressionAttributeValues: item{":s": &types.AttributeValueMemberSS{Value: stale}},
	})
	if err != nil {
		return fmt.Errorf("forget stale sockets of %s: %w", c.Principal.ID, translate(err))
	}
	return nil
}
