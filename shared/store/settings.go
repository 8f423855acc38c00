package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/settings"
)

// Inboxes and chat channels share one partition, SETTINGS: an admin's
// handful of items, listed with one Query and read by key (and cached by
// every function, so no message reads them). Each holds its document as
// JSON in doc, so a field added to the settings needs no store change.

var _ settings.Store = (*Store)(nil)

const settingsPK = "SETTINGS"

func channelSK(id string) string { return "CHANNEL#" + id }
func inboxSK(id string) string   { return "INBOX#" + id }

func (s *Store) getDoc(ctx context.Context, sk string, v any) error {
	it, err := s.get(ctx, settingsPK, sk)
	if err != nil {
		return err
	}
	return decodeDoc(it, v)
}

func decodeDoc(it item, v any) error {
	if err := json.Unmarshal([]byte(getS(it, "doc")), v); err != nil {
		return fmt.Errorf("decode %s: %w", getS(it, "sk"), err)
	}
	return nil
}

// putDoc stores a document; create refuses an id taken (ErrConflict),
// otherwise the item must exist (ErrNotFound).
func (s *Store) putDoc(ctx context.Context, sk, id string, v any, create bool) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", sk, err)
	}
	it := key(settingsPK, sk)
	it["id"] = str(id)
	it["doc"] = str(string(doc))
	it["updatedAt"] = str(formatTime(s.now()))
	cond := "attribute_exists(pk)"
	if create {
		cond = "attribute_not_exists(pk)"
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it, ConditionExpression: &cond})
	if err != nil {
		err = translate(err)
		if !create && errors.Is(err, chat.ErrConflict) {
			err = chat.ErrNotFound
		}
		return fmt.Errorf("put %s: %w", sk, err)
	}
	return nil
}

// listDocs reads every document whose sort key starts with prefix.
func listDocs[T any](ctx context.Context, s *Store, prefix string) ([]T, error) {
	out := []T{}
	var start item
	for {
		page, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :p)"),
			ExpressionAttributeValues: item{":pk": str(settingsPK), ":p": str(prefix)},
			ConsistentRead:            ptr(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, translate(err))
		}
		for _, it := range page.Items {
			var v T
			if err := decodeDoc(it, &v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = page.LastEvaluatedKey
	}
}

// Channel implements settings.Store.
func (s *Store) Channel(ctx context.Context, id string) (settings.Channel, error) {
	var ch settings.Channel
	if err := s.getDoc(ctx, channelSK(id), &ch); err != nil {
		return settings.Channel{}, fmt.Errorf("get channel %s: %w", id, err)
	}
	return ch, nil
}

// Channels implements settings.Store.
func (s *Store) Channels(ctx context.Context) ([]settings.Channel, error) {
	return listDocs[settings.Channel](ctx, s, "CHANNEL#")
}

// CreateChannel implements settings.Store.
func (s *Store) CreateChannel(ctx context.Context, ch settings.Channel) error {
	return s.putDoc(ctx, channelSK(ch.ID), ch.ID, ch, true)
}

// PutChannel implements settings.Store.
func (s *Store) PutChannel(ctx context.Context, ch settings.Channel) error {
	return s.putDoc(ctx, channelSK(ch.ID), ch.ID, ch, false)
}

// storedInbox is what an inbox's item holds: its members are the agents'
// profiles' to say, its channels the channels'.
type storedInbox struct {
	ID      string           `json:"id"`
	Name    string           `json:"name"`
	Routing settings.Routing `json:"routing"`
}

func (in storedInbox) inbox() settings.Inbox {
	return settings.Inbox{ID: in.ID, Name: in.Name, Routing: in.Routing}
}

// Inbox implements settings.Store.
func (s *Store) Inbox(ctx context.Context, id string) (settings.Inbox, error) {
	var in storedInbox
	if err := s.getDoc(ctx, inboxSK(id), &in); err != nil {
		return settings.Inbox{}, fmt.Errorf("get inbox %s: %w", id, err)
	}
	return in.inbox(), nil
}

// Inboxes implements settings.Store.
func (s *Store) Inboxes(ctx context.Context) ([]settings.Inbox, error) {
	list, err := listDocs[storedInbox](ctx, s, "INBOX#")
	if err != nil {
		return nil, err
	}
	out := make([]settings.Inbox, len(list))
	for i, in := range list {
		out[i] = in.inbox()
	}
	return out, nil
}

// CreateInbox implements settings.Store.
func (s *Store) CreateInbox(ctx context.Context, in settings.Inbox) error {
	return s.putDoc(ctx, inboxSK(in.ID), in.ID, storedInbox{ID: in.ID, Name: in.Name, Routing: in.Routing}, true)
}

// PutInbox implements settings.Store.
func (s *Store) PutInbox(ctx context.Context, in settings.Inbox) error {
	return s.putDoc(ctx, inboxSK(in.ID), in.ID, storedInbox{ID: in.ID, Name: in.Name, Routing: in.Routing}, false)
}

// LegacyEmail implements settings.Store: the item CHANNEL#<id> / EMAIL
// that held a channel's email settings before channels were stored whole.
func (s *Store) LegacyEmail(ctx context.Context, channelID string) (settings.Email, error) {
	it, err := s.get(ctx, "CHANNEL#"+channelID, "EMAIL")
	if err != nil {
		return settings.Email{}, fmt.Errorf("get email settings of %s: %w", channelID, err)
	}
	return settings.Email{
		TranscriptOnClose: getS(it, "transcriptOnClose") != "off",
		SenderAddress:     getS(it, "senderAddress"), SenderName: getS(it, "senderName"),
	}, nil
}
