package store

// Agents working together (chat.Workspace): notifications, the viewers of
// a conversation, notification preferences; and the mentions of a note.
//
//	NOTIFY#<agentId> / N#<notification id>   an entry (TTL 90 days)
//	NOTIFY#<agentId> / STATE                 readThrough: entries up to this id are read
//	CONV#<cid>       / VIEW#<connectionId>   a socket viewing the conversation (TTL)
//	AGENT#<agentId>  / SETTINGS#NOTIFICATIONS the agent's preferences
//
// VIEW# sorts after META and MSG#, so neither the read every message
// makes (sk <= META) nor the pages of messages ever see a viewer item.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

var _ chat.Workspace = (*Store)(nil)

func notifyPK(agentID string) string { return "NOTIFY#" + agentID }

const (
	notifyPrefix = "N#"
	notifyState  = "STATE"
	viewerPrefix = "VIEW#"
	prefsSK      = "SETTINGS#NOTIFICATIONS"
)

// ---------------------------------------------------------------- mentions

func putMentions(it item, ms []chat.Mention) {
	if len(ms) == 0 {
		return
	}
	l := make([]types.AttributeValue, 0, len(ms))
	for _, m := range ms {
		l = append(l, &types.AttributeValueMemberM{Value: item{"id": str(m.ID), "name": str(m.Name)}})
	}
	it["mentions"] = &types.AttributeValueMemberL{Value: l}
}

func getMentions(it item) []chat.Mention {
	l, ok := it["mentions"].(*types.AttributeValueMemberL)
	if !ok {
		return nil
	}
	var out []chat.Mention
	for _, e := range l.Value {
		if m, ok := e.(*types.AttributeValueMemberM); ok {
			out = append(out, chat.Mention{ID: getS(m.Value, "id"), Name: getS(m.Value, "name")})
		}
	}
	return out
}

// ---------------------------------------------------------------- notifications

func toDBNotification(agentID string, n chat.Notification) item {
	it := key(notifyPK(agentID), notifyPrefix+n.ID)
	it["type"] = str(n.Type)
	it["conversationId"] = str(n.ConversationID)
	it["inboxId"] = str(n.InboxID)
	it["seq"] = num(n.Seq)
	it["authorType"] = str(string(n.Author.Type))
	it["authorId"] = str(n.Author.ID)
	putOpt(it, "authorName", n.Author.Name)
	putOpt(it, "authorAvatarUrl", n.Author.AvatarURL)
	putOpt(it, "preview", n.Preview)
	it["createdAt"] = str(formatTime(n.CreatedAt))
	it["expiresAt"] = num(n.ExpiresAt.Unix())
	return it
}

func toNotification(it item, readThrough string) chat.Notification {
	id := strings.TrimPrefix(getS(it, "sk"), notifyPrefix)
	return chat.Notification{
		ID: id, Type: getS(it, "type"), ConversationID: getS(it, "conversationId"), InboxID: getS(it, "inboxId"),
		Seq: getN(it, "seq"),
		Author: chat.Author{
			Type: chat.Role(getS(it, "authorType")), ID: getS(it, "authorId"),
			Name: getS(it, "authorName"), AvatarURL: getS(it, "authorAvatarUrl"),
		},
		Preview: getS(it, "preview"), CreatedAt: getTime(it, "createdAt"),
		Read: getS(it, "readAt") != "" || id <= readThrough,
	}
}

// PutNotification implements chat.Workspace: a conditional put, so the
// same notification is stored once.
func (s *Store) PutNotification(ctx context.Context, agentID string, n chat.Notification) (bool, error) {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: toDBNotification(agentID, n), ConditionExpression: ptr("attribute_not_exists(pk)"),
	})
	if err != nil {
		err = translate(err)
		if errors.Is(err, chat.ErrConflict) {
			return false, nil
		}
		return false, fmt.Errorf("put notification of %s: %w", agentID, err)
	}
	return true, nil
}

// Notifications implements chat.Workspace. The first page is one Query
// that reads STATE (it sorts after every N# entry) with the newest
// entries; the unread count comes from the page when the page reaches
// back to what is read, and from a count of the unread entries otherwise.
func (s *Store) Notifications(ctx context.Context, q chat.NotificationQuery) (chat.NotificationPage, error) {
	in := &dynamodb.QueryInput{
		TableName:        &s.table,
		ScanIndexForward: ptr(false),
		ConsistentRead:   ptr(true),
	}
	first := q.Cursor == ""
	if first {
		in.KeyConditionExpression = ptr("pk = :pk AND sk <= :state")
		in.ExpressionAttributeValues = item{":pk": str(notifyPK(q.AgentID)), ":state": str(notifyState)}
	} else {
		raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || !chat.ValidNotificationID(string(raw)) {
			return chat.NotificationPage{}, &chat.Error{Kind: chat.ErrInvalid, Message: "cursor is malformed"}
		}
		// Every entry sorts below STATE: below the cursor are only entries.
		in.KeyConditionExpression = ptr("pk = :pk AND sk < :below")
		in.ExpressionAttributeValues = item{":pk": str(notifyPK(q.AgentID)), ":below": str(notifyPrefix + string(raw))}
	}
	var (
		state item
		items []item
		more  bool
		start item
	)
	now := s.now().Unix()
	// Entries of inboxes the agent left are skipped, so a page may take
	// more than one Query to fill.
	for {
		in.ExclusiveStartKey = start
		in.Limit = ptr(int32(q.Limit + 2 - len(items)))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return chat.NotificationPage{}, fmt.Errorf("query notifications of %s: %w", q.AgentID, translate(err))
		}
		for _, it := range out.Items {
			sk := getS(it, "sk")
			switch {
			case sk == notifyState:
				state = it
			case strings.HasPrefix(sk, notifyPrefix) && !expired(it, now) && slices.Contains(q.Inboxes, getS(it, "inboxId")):
				items = append(items, it)
			}
		}
		more = len(out.LastEvaluatedKey) > 0
		if len(items) > q.Limit || !more {
			break
		}
		start = out.LastEvaluatedKey
	}
	readThrough := getS(state, "readThrough")
	page := chat.NotificationPage{Notifications: []chat.Notification{}}
	if len(items) > q.Limit {
		items, more = items[:q.Limit], true
	}
	for _, it := range items {
		page.Notifications = append(page.Notifications, toNotification(it, readThrough))
	}
	if more && len(page.Notifications) > 0 {
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(page.Notifications[len(page.Notifications)-1].ID))
	}
	if !first {
		return page, nil
	}
	reachesRead := !more || (len(page.Notifications) > 0 && page.Notifications[len(page.Notifications)-1].ID <= readThrough)
	if reachesRead {
		for _, n := range page.Notifications {
			if !n.Read {
				page.Unread++
			}
		}
		page.Unread = min(page.Unread, chat.MaxUnread)
		return page, nil
	}
	n, err := s.unread(ctx, q, readThrough)
	if err != nil {
		return chat.NotificationPage{}, err
	}
	page.Unread = n
	return page, nil
}

// unread counts an agent's unread entries of its inboxes, up to
// chat.MaxUnread: those after readThrough not read one by one.
func (s *Store) unread(ctx context.Context, q chat.NotificationQuery, readThrough string) (int, error) {
	if len(q.Inboxes) == 0 {
		return 0, nil
	}
	vals := item{":pk": str(notifyPK(q.AgentID)), ":after": str(notifyPrefix + readThrough), ":now": num(s.now().Unix())}
	var inboxes []string
	for i, in := range q.Inboxes {
		k := fmt.Sprintf(":i%d", i)
		vals[k] = str(in)
		inboxes = append(inboxes, k)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.table,
		// STATE sorts after every entry; it has no expiresAt, so the
		// filter leaves it out.
		KeyConditionExpression:    ptr("pk = :pk AND sk > :after"),
		FilterExpression:          ptr("attribute_not_exists(readAt) AND expiresAt > :now AND inboxId IN (" + strings.Join(inboxes, ", ") + ")"),
		ExpressionAttributeValues: vals,
		Select:                    types.SelectCount,
		ConsistentRead:            ptr(true),
	}
	n := 0
	for n < chat.MaxUnread {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("count notifications of %s: %w", q.AgentID, translate(err))
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return min(n, chat.MaxUnread), nil
}

// ReadNotifications implements chat.Workspace: one entry is marked read on
// its own item; all of them by moving readThrough to the newest entry.
func (s *Store) ReadNotifications(ctx context.Context, q chat.NotificationQuery, ids []string, all bool) (int, error) {
	at := str(formatTime(s.now()))
	for _, id := range ids {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       key(notifyPK(q.AgentID), notifyPrefix+id),
			UpdateExpression:          ptr("SET readAt = :at"),
			ConditionExpression:       ptr("attribute_exists(pk) AND attribute_not_exists(readAt)"),
			ExpressionAttributeValues: item{":at": at},
		})
		if err != nil && !errors.Is(translate(err), chat.ErrConflict) {
			return 0, fmt.Errorf("read notification of %s: %w", q.AgentID, translate(err))
		}
	}
	readThrough := ""
	if all {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND sk < :state"),
			ExpressionAttributeValues: item{":pk": str(notifyPK(q.AgentID)), ":state": str(notifyState)},
			ScanIndexForward:          ptr(false),
			Limit:                     ptr(int32(1)),
			ConsistentRead:            ptr(true),
		})
		if err != nil {
			return 0, fmt.Errorf("newest notification of %s: %w", q.AgentID, translate(err))
		}
		if len(out.Items) == 0 {
			return 0, nil
		}
		readThrough = strings.TrimPrefix(getS(out.Items[0], "sk"), notifyPrefix)
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       key(notifyPK(q.AgentID), notifyState),
			UpdateExpression:          ptr("SET readThrough = :t"),
			ConditionExpression:       ptr("attribute_not_exists(readThrough) OR readThrough < :t"),
			ExpressionAttributeValues: item{":t": str(readThrough)},
		})
		if err != nil && !errors.Is(translate(err), chat.ErrConflict) {
			return 0, fmt.Errorf("read notifications of %s: %w", q.AgentID, translate(err))
		}
		return 0, nil
	}
	state, err := s.get(ctx, notifyPK(q.AgentID), notifyState)
	if err != nil && !errors.Is(err, chat.ErrNotFound) {
		return 0, fmt.Errorf("notifications of %s: %w", q.AgentID, err)
	}
	return s.unread(ctx, q, getS(state, "readThrough"))
}

// ---------------------------------------------------------------- viewers

// PutViewer implements chat.Workspace: one UpdateItem, whose old image
// tells a refresh from a new viewer.
func (s *Store) PutViewer(ctx context.Context, conversationID string, v chat.Viewing, now time.Time) (bool, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key(convPK(conversationID), viewerPrefix+v.ConnectionID),
		UpdateExpression:         ptr("SET connectionId = :c, agentId = :a, #name = :n, avatarUrl = :av, expiresAt = :exp"),
		ExpressionAttributeNames: map[string]string{"#name": "name"},
		ExpressionAttributeValues: item{
			":c": str(v.ConnectionID), ":a": str(v.Viewer.ID), ":n": str(v.Viewer.Name), ":av": str(v.Viewer.AvatarURL),
			":exp": num(v.Until.Unix()),
		},
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return false, fmt.Errorf("put viewer of %s: %w", conversationID, translate(err))
	}
	// No old image (or one without expiresAt): the viewer is new.
	exp := getN(out.Attributes, "expiresAt")
	return exp == 0 || exp <= now.Unix(), nil
}

// LeaveViewer implements chat.Workspace: the item expires now (an update,
// so the function needs no DeleteItem; TTL removes it).
func (s *Store) LeaveViewer(ctx context.Context, conversationID, connectionID string, now time.Time) (bool, error) {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(convPK(conversationID), viewerPrefix+connectionID),
		UpdateExpression:          ptr("SET expiresAt = :now"),
		ConditionExpression:       ptr("attribute_exists(pk) AND expiresAt > :now"),
		ExpressionAttributeValues: item{":now": num(now.Unix())},
	})
	if err != nil {
		if err = translate(err); errors.Is(err, chat.ErrConflict) {
			return false, nil
		}
		return false, fmt.Errorf("leave viewer of %s: %w", conversationID, err)
	}
	return true, nil
}

// Viewers implements chat.Workspace: one Query of the conversation's
// viewer items.
func (s *Store) Viewers(ctx context.Context, conversationID string, now time.Time) ([]chat.Viewing, error) {
	var (
		out   []chat.Viewing
		start item
	)
	for {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :view)"),
			ExpressionAttributeValues: item{":pk": str(convPK(conversationID)), ":view": str(viewerPrefix)},
			ConsistentRead:            ptr(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("query viewers of %s: %w", conversationID, translate(err))
		}
		for _, it := range res.Items {
			if expired(it, now.Unix()) {
				continue
			}
			out = append(out, chat.Viewing{
				ConnectionID: getS(it, "connectionId"),
				Viewer:       chat.Viewer{ID: getS(it, "agentId"), Name: getS(it, "name"), AvatarURL: getS(it, "avatarUrl")},
				Until:        time.Unix(getN(it, "expiresAt"), 0).UTC(),
			})
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// ---------------------------------------------------------------- preferences

// Preferences implements chat.Workspace.
func (s *Store) Preferences(ctx context.Context, agentID string) (chat.Preferences, error) {
	it, err := s.get(ctx, agentPK(agentID), prefsSK)
	if err != nil {
		return chat.Preferences{}, fmt.Errorf("get preferences of %s: %w", agentID, err)
	}
	return chat.Preferences{
		Sound: getBool(it, "sound"),
		Desktop: chat.DesktopNotifications{
			NewConversations: getBool(it, "newConversations"), Assigned: getBool(it, "assigned"),
			Mentions: getBool(it, "mentions"), Messages: getBool(it, "messages"),
		},
	}, nil
}

// PutPreferences implements chat.Workspace.
func (s *Store) PutPreferences(ctx context.Context, agentID string, p chat.Preferences) error {
	b := func(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }
	it := key(agentPK(agentID), prefsSK)
	it["sound"] = b(p.Sound)
	it["newConversations"] = b(p.Desktop.NewConversations)
	it["assigned"] = b(p.Desktop.Assigned)
	it["mentions"] = b(p.Desktop.Mentions)
	it["messages"] = b(p.Desktop.Messages)
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it}); err != nil {
		return fmt.Errorf("put preferences of %s: %w", agentID, translate(err))
	}
	return nil
}
