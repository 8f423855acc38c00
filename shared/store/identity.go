package store

import (
	"context"
	"errors"
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

// IdentityLink implements identity.Store.
func (s *Store) IdentityLink(ctx context.Context, channelID, externalID string) (identity.Link, error) {
	it, err := s.get(ctx, externalPK(channelID, externalID), "VISITOR")
	if err != nil {
		return identity.Link{}, fmt.Errorf("identity link: %w", err)
	}
	return identity.Link{VisitorID: getS(it, "visitorId"), Gen: getN(it, "gen"), RevokedAt: getN(it, "revokedAt")}, nil
}

// LinkVisitor implements identity.Store: the external id's link and the
// visitor's identity mark in one transaction, each written only if absent
// (a link item may exist without a visitor: the site revoked the user
// before the first identify), so neither side is ever linked twice.
func (s *Store) LinkVisitor(ctx context.Context, channelID, externalID, visitorID string) error {
	mark := key(visitorPK(visitorID), "IDENTITY")
	mark["externalId"] = str(externalID)
	mark["channelId"] = str(channelID)
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.table, Key: key(externalPK(channelID, externalID), "VISITOR"),
			UpdateExpression:          ptr("SET visitorId = :v"),
			ConditionExpression:       ptr("attribute_not_exists(visitorId)"),
			ExpressionAttributeValues: item{":v": str(visitorID)},
		}},
		{Put: &types.Put{TableName: &s.table, Item: mark, ConditionExpression: ptr("attribute_not_exists(pk)")}},
	}})
	if err != nil {
		if rs, ok := reasons(err); ok && (reasonAt(rs, 0) == reasonConditionFailed || reasonAt(rs, 1) == reasonConditionFailed) {
			return fmt.Errorf("link visitor %s: %w", visitorID, chat.ErrConflict)
		}
		return fmt.Errorf("link visitor %s: %w", visitorID, translate(err))
	}
	return nil
}

// RevokeIdentity implements identity.Store: one UpdateItem that raises the
// generation and keeps the latest revocation time. A revocation whose time
// is older than the stored one raises the generation all the same (its
// tokens go) and leaves the time.
func (s *Store) RevokeIdentity(ctx context.Context, channelID, externalID string, at int64) (identity.Link, error) {
	in := func(expr string, cond *string) *dynamodb.UpdateItemInput {
		return &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(externalPK(channelID, externalID), "VISITOR"),
			UpdateExpression: ptr(expr), ConditionExpression: cond,
			ExpressionAttributeValues: item{":one": num(1), ":at": num(at)},
			ReturnValues:              types.ReturnValueAllNew,
		}
	}
	out, err := s.db.UpdateItem(ctx, in("ADD gen :one SET revokedAt = :at", ptr("attribute_not_exists(revokedAt) OR revokedAt < :at")))
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// A later revocation is stored: only the generation moves.
		r := in("ADD gen :one", nil)
		delete(r.ExpressionAttributeValues, ":at")
		out, err = s.db.UpdateItem(ctx, r)
	}
	if err != nil {
		return identity.Link{}, fmt.Errorf("revoke identity: %w", translate(err))
	}
	it := out.Attributes
	return identity.Link{VisitorID: getS(it, "visitorId"), Gen: getN(it, "gen"), RevokedAt: getN(it, "revokedAt")}, nil
}
