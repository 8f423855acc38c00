package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/identity"
)

var _ identity.Store = (*Store)(nil)

// externalPK keys the link of a host site's user id on a channel; the id
// is last, so whatever it contains cannot reach into another key.
func externalPK(channelID, externalID string) string {
	return "EXTERNAL#" + channelID + "#" + externalID
}

// IdentifiedVisitor implements identity.Store.
func (s *Store) IdentifiedVisitor(ctx context.Context, channelID, externalID string) (string, error) {
	it, err := s.get(ctx, externalPK(channelID, externalID), "VISITOR")
	if err != nil {
		return "", fmt.Errorf("identified visitor: %w", err)
	}
	return getS(it, "visitorId"), nil
}

// LinkVisitor implements identity.Store: the external id's link and the
// visitor's identity mark in one transaction, each written only if absent,
// so neither side is ever linked twice.
func (s *Store) LinkVisitor(ctx context.Context, channelID, externalID, visitorID string) error {
	link := key(externalPK(channelID, externalID), "VISITOR")
	link["visitorId"] = str(visitorID)
	mark := key(visitorPK(visitorID), "IDENTITY")
	mark["externalId"] = str(externalID)
	mark["channelId"] = str(channelID)
	absent := ptr("attribute_not_exists(pk)")
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: link, ConditionExpression: absent}},
		{Put: &types.Put{TableName: &s.table, Item: mark, ConditionExpression: absent}},
	}})
	if err != nil {
		if rs, ok := reasons(err); ok && (reasonAt(rs, 0) == reasonConditionFailed || reasonAt(rs, 1) == reasonConditionFailed) {
			return fmt.Errorf("link visitor %s: %w", visitorID, chat.ErrConflict)
		}
		return fmt.Errorf("link visitor %s: %w", visitorID, translate(err))
	}
	return nil
}
