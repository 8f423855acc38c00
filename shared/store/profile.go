package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/contact"
)

// What the site set about a visitor (docs/architecture.md, "Who the
// visitor is"):
//
//	VISITOR#<vid>  ATTRIBUTES    setAttributes' map, as JSON, with its revision (unverified)

var _ contact.Store = (*Store)(nil)

// Profile implements contact.Store: the visitor's contact, identity and
// attributes items in one BatchGetItem.
func (s *Store) Profile(ctx context.Context, visitorID string) (contact.Profile, error) {
	pk := visitorPK(visitorID)
	req := map[string]types.KeysAndAttributes{s.table: {
		Keys:           []item{key(pk, "CONTACT"), key(pk, "IDENTITY"), key(pk, attributesSK)},
		ConsistentRead: ptr(true),
	}}
	var got []item
	for attempt := 0; ; attempt++ {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return contact.Profile{}, fmt.Errorf("profile of %s: %w", visitorID, translate(err))
		}
		got = append(got, out.Responses[s.table]...)
		if len(out.UnprocessedKeys) == 0 {
			break
		}
		if attempt+1 == maxAttempts {
			return contact.Profile{}, fmt.Errorf("profile of %s: keys still unprocessed after %d attempts", visitorID, maxAttempts)
		}
		if err := backoff(ctx, attempt); err != nil {
			return contact.Profile{}, fmt.Errorf("profile of %s: %w", visitorID, err)
		}
		req = out.UnprocessedKeys
	}
	p := contact.Profile{Attributes: contact.Attributes{}}
	for _, it := range got {
		switch getS(it, "sk") {
		case "CONTACT":
			p.Name, p.Email, p.EmailVerified = getS(it, "name"), getS(it, "email"), getS(it, "verifiedAt") != ""
		case "IDENTITY":
			p.ExternalID = getS(it, "externalId")
		case attributesSK:
			a, err := decodeAttributes(it)
			if err != nil {
				return contact.Profile{}, fmt.Errorf("profile of %s: %w", visitorID, err)
			}
			p.Attributes = a
		}
	}
	return p, nil
}

const attributesSK = "ATTRIBUTES"

// Attributes are kept as one JSON object: they are read and written
// whole, and JSON keeps every float64 a page can send (DynamoDB numbers
// cannot hold them all).
func decodeAttributes(it item) (contact.Attributes, error) {
	a := contact.Attributes{}
	if raw := getS(it, "attrs"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			return nil, fmt.Errorf("decode attributes: %w", err)
		}
	}
	return a, nil
}

// Attributes implements contact.Store.
func (s *Store) Attributes(ctx context.Context, visitorID string) (contact.Attributes, int64, error) {
	it, err := s.get(ctx, visitorPK(visitorID), attributesSK)
	if errors.Is(err, chat.ErrNotFound) {
		return contact.Attributes{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("attributes of %s: %w", visitorID, err)
	}
	a, err := decodeAttributes(it)
	return a, getN(it, "rev"), err
}

// PutAttributes implements contact.Store: a put conditional on the
// revision read.
func (s *Store) PutAttributes(ctx context.Context, visitorID string, a contact.Attributes, rev int64) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode attributes: %w", err)
	}
	it := key(visitorPK(visitorID), attributesSK)
	it["attrs"] = str(string(raw))
	it["rev"] = num(rev + 1)
	cond, vals := ptr("attribute_not_exists(pk)"), item(nil)
	if rev > 0 {
		cond, vals = ptr("rev = :rev"), item{":rev": num(rev)}
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it, ConditionExpression: cond, ExpressionAttributeValues: vals})
	if err != nil {
		return fmt.Errorf("put attributes of %s: %w", visitorID, translate(err))
	}
	return nil
}
