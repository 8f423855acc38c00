package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// home is the partition of the listener item made at connect time: the
// visitor's tabs or the agent's inboxes.
func homes(c chat.Connection) []string {
	if c.Principal.Role == chat.RoleVisitor {
		return []string{visitorPK(c.Principal.ID)}
	}
	out := make([]string, 0, len(c.Inboxes))
	for _, in := range c.Inboxes {
		out = append(out, inboxPK(in))
	}
	return out
}

func (s *Store) listenerItem(pk, connectionID string, p chat.Principal, expiresAt int64) item {
	it := key(pk, listenerSK(connectionID))
	it["connectionId"] = str(connectionID)
	it["role"] = str(string(p.Role))
	it["principalId"] = str(p.ID)
	putOpt(it, "name", p.Name)
	putOpt(it, "avatarUrl", p.AvatarURL)
	putOpt(it, "channelId", p.ChannelID)
	if len(p.Inboxes) > 0 {
		// An agent's memberships travel with its listener items, so the
		// conversation's own read tells what the sender may reach.
		it["inboxes"] = strList(p.Inboxes)
	}
	it["expiresAt"] = num(expiresAt)
	return it
}

// ConsumeTicket implements chat.Storer: a conditional put, so a ticket
// works once.
func (s *Store) ConsumeTicket(ctx context.Context, id string, expiresAt time.Time) error {
	it := key("TICKET#"+id, "TICKET")
	it["expiresAt"] = num(expiresAt.Add(ticketGrace).Unix())
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: it, ConditionExpression: ptr("attribute_not_exists(pk)"),
	})
	if err != nil {
		return fmt.Errorf("consume ticket %s: %w", id, translate(err))
	}
	return nil
}

// SaveConnection implements chat.Storer: the connection item, its home
// listener items and, for an agent, its entry among the agent's sockets
// (its presence), in one transaction.
func (s *Store) SaveConnection(ctx context.Context, c chat.Connection) error {
	exp := c.ConnectedAt.Add(ConnectionTTL).Unix()
	hs := homes(c)
	conn := s.listenerItem(connPK(c.ID), c.ID, c.Principal, exp)
	conn["sk"] = str("CONN")
	if len(hs) > 0 {
		conn["subs"] = &types.AttributeValueMemberSS{Value: hs}
	}
	conn["connectedAt"] = str(formatTime(c.ConnectedAt))
	putOpt(conn, "browser", c.Device.Browser)
	putOpt(conn, "os", c.Device.OS)
	putOpt(conn, "country", c.Device.Country)
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: conn}}}
	for _, pk := range hs {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: s.listenerItem(pk, c.ID, c.Principal, exp)}})
	}
	if c.Principal.Role == chat.RoleAgent {
		items = append(items, s.addSocket(c))
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return fmt.Errorf("save connection %s: %w", c.ID, translate(err))
	}
	return nil
}

// Connection implements chat.Storer.
func (s *Store) Connection(ctx context.Context, id string) (chat.Connection, error) {
	it, err := s.get(ctx, connPK(id), "CONN")
	if err == nil && expired(it, s.now().Unix()) {
		err = chat.ErrNotFound
	}
	if err != nil {
		return chat.Connection{}, fmt.Errorf("get connection %s: %w", id, err)
	}
	return toConnection(id, it), nil
}

// toConnection reads a connection item.
func toConnection(id string, it item) chat.Connection {
	l := toListener(it)
	c := chat.Connection{ID: id, Principal: l.Principal, ConnectedAt: getTime(it, "connectedAt"),
		Device: chat.Device{Browser: getS(it, "browser"), OS: getS(it, "os"), Country: getS(it, "country")}}
	for _, pk := range getList(it, "subs") {
		if in, ok := strings.CutPrefix(pk, "INBOX#"); ok {
			c.Inboxes = append(c.Inboxes, in)
		}
	}
	return c
}

// DeleteConnection implements chat.Storer: the connection item lists every
// partition it has a listener item in, so all go in one batch. It answers
// the connection it deleted, read on the way (the zero Connection when
// there was none or it had expired), so that its caller need not read it
// first.
func (s *Store) DeleteConnection(ctx context.Context, id string) (chat.Connection, error) {
	it, err := s.deleteConnection(ctx, id, "")
	if err != nil || it == nil || expired(it, s.now().Unix()) {
		return chat.Connection{}, err
	}
	return toConnection(id, it), nil
}

// viaPK is the partition of the listener items of a listener set.
func viaPK(via chat.Via) string {
	switch via.Kind {
	case chat.ViaConversation:
		return convPK(via.ID)
	case chat.ViaVisitor:
		return visitorPK(via.ID)
	case chat.ViaInbox:
		return inboxPK(via.ID)
	}
	return ""
}

// DeleteConnectionVia is DeleteConnection for a connection a push found
// gone through the listener set via: that listener item is deleted even
// when the connection item is gone already (TTL, a lost subscription).
func (s *Store) DeleteConnectionVia(ctx context.Context, id string, via chat.Via) error {
	pk := viaPK(via)
	if pk == "" || via.ID == "" {
		return fmt.Errorf("delete connection %s: unknown listener set %q", id, via.Kind)
	}
	_, err := s.deleteConnection(ctx, id, pk)
	return err
}

// deleteConnection deletes the connection item and its listener items
// (and, with viaPK, that partition's even when the item is gone), and
// answers the item as it was read, nil when there was none.
func (s *Store) deleteConnection(ctx context.Context, id, viaPK string) (item, error) {
	it, err := s.get(ctx, connPK(id), "CONN")
	if err != nil && !errors.Is(err, chat.ErrNotFound) {
		return nil, fmt.Errorf("delete connection %s: %w", id, err)
	}
	if err != nil && viaPK == "" {
		return nil, nil
	}
	seen := map[string]bool{}
	reqs := []types.WriteRequest{{DeleteRequest: &types.DeleteRequest{Key: key(connPK(id), "CONN")}}}
	pks := getList(it, "subs")
	if viaPK != "" {
		pks = append(pks, viaPK)
	}
	for _, pk := range pks {
		if seen[pk] {
			continue
		}
		seen[pk] = true
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(pk, listenerSK(id))}})
	}
	for len(reqs) > 0 {
		n := min(len(reqs), 25)
		if err := s.batchWrite(ctx, reqs[:n]); err != nil {
			return nil, fmt.Errorf("delete connection %s: %w", id, err)
		}
		reqs = reqs[n:]
	}
	return it, nil
}

func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	pending := map[string][]types.WriteRequest{s.table: reqs}
	for attempt := range maxAttempts {
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return translate(err)
		}
		if len(out.UnprocessedItems) == 0 {
			return nil
		}
		pending = out.UnprocessedItems
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
		}
	}
	return errors.New("batch write: items left unprocessed")
}

// Subscribe implements chat.Storer. The connection item learns of the
// subscription first (and must still exist), so DeleteConnection always
// finds every listener item.
func (s *Store) Subscribe(ctx context.Context, connectionID, conversationID string, p chat.Principal, subscription string) error {
	pk := convPK(conversationID)
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(connPK(connectionID), "CONN"),
		UpdateExpression:          ptr("ADD subs :sub"),
		ConditionExpression:       ptr("attribute_exists(pk)"),
		ExpressionAttributeValues: item{":sub": &types.AttributeValueMemberSS{Value: []string{pk}}},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return fmt.Errorf("subscribe %s: %w", connectionID, chat.ErrNotFound)
		}
		return fmt.Errorf("subscribe %s: %w", connectionID, translate(err))
	}
	exp := getN(out.Attributes, "expiresAt")
	it := s.listenerItem(pk, connectionID, p, exp)
	putOpt(it, "subscription", subscription)
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it}); err != nil {
		return fmt.Errorf("subscribe %s to %s: %w", connectionID, conversationID, translate(err))
	}
	return nil
}

// Unsubscribe implements chat.Storer: the listener item goes only while it
// is the subscription's (a resume that named another one since keeps
// it), and then its partition leaves the connection item's subs. A resume
// that lands between the two writes keeps its listener item but loses the
// subs entry: the item then goes when a push finds the socket gone, or
// with its TTL, as a lost subscription does.
func (s *Store) Unsubscribe(ctx context.Context, connectionID, conversationID, subscription string) error {
	pk := convPK(conversationID)
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.table,
		Key:                       key(pk, listenerSK(connectionID)),
		ConditionExpression:       ptr("subscription = :sub"),
		ExpressionAttributeValues: item{":sub": str(subscription)},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unsubscribe %s from %s: %w", connectionID, conversationID, translate(err))
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(connPK(connectionID), "CONN"),
		UpdateExpression:          ptr("DELETE subs :sub"),
		ConditionExpression:       ptr("attribute_exists(pk)"),
		ExpressionAttributeValues: item{":sub": &types.AttributeValueMemberSS{Value: []string{pk}}},
	})
	if errors.As(err, &ccf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unsubscribe %s from %s: %w", connectionID, conversationID, translate(err))
	}
	return nil
}

func (s *Store) listeners(ctx context.Context, pk string, consistent bool) ([]string, error) {
	var (
		ids   []string
		start item
		now   = s.now().Unix()
	)
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :conn)"),
			ExpressionAttributeValues: item{":pk": str(pk), ":conn": str("CONN#")},
			ExclusiveStartKey:         start,
			ConsistentRead:            ptr(consistent),
		})
		if err != nil {
			return nil, fmt.Errorf("query listeners of %s: %w", pk, translate(err))
		}
		for _, it := range out.Items {
			if !expired(it, now) {
				ids = append(ids, getS(it, "connectionId"))
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return ids, nil
		}
		start = out.LastEvaluatedKey
	}
}

// InboxListeners implements chat.Storer.
func (s *Store) InboxListeners(ctx context.Context, inboxID string) ([]string, error) {
	return s.listeners(ctx, inboxPK(inboxID), false)
}

// VisitorListeners implements chat.Storer with a consistent read: a
// $disconnect reads the tabs left right after deleting its own, and an
// eventually consistent read could still return it (presence.go).
func (s *Store) VisitorListeners(ctx context.Context, visitorID string) ([]string, error) {
	return s.listeners(ctx, visitorPK(visitorID), true)
}

// CreateVisitor implements chat.Storer.
func (s *Store) CreateVisitor(ctx context.Context, v chat.Visitor) error {
	it := key(visitorPK(v.ID), "PROFILE")
	it["visitorId"] = str(v.ID)
	it["channelId"] = str(v.ChannelID)
	it["createdAt"] = str(formatTime(v.CreatedAt))
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: it, ConditionExpression: ptr("attribute_not_exists(pk)"),
	})
	if err != nil {
		return fmt.Errorf("create visitor %s: %w", v.ID, translate(err))
	}
	return nil
}

// Visitor implements chat.Storer.
func (s *Store) Visitor(ctx context.Context, id string) (chat.Visitor, error) {
	it, err := s.get(ctx, visitorPK(id), "PROFILE")
	if err != nil {
		return chat.Visitor{}, fmt.Errorf("get visitor %s: %w", id, err)
	}
	return chat.Visitor{ID: getS(it, "visitorId"), ChannelID: getS(it, "channelId"), CreatedAt: getTime(it, "createdAt")}, nil
}
