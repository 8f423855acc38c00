package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
)

// Items of the email channel (docs/email.md):
//
//	VISITOR#<vid>   CONTACT          the contact's address and name
//	EMAIL#<addr>    CONTACT          which visitor a verified address belongs to
//	EMAIL#<addr>    STATUS           undeliverable (bounce or complaint)
//	CHANNEL#<id>    EMAIL            the chat channel's email settings
//	ONCE#<key>      ONCE             an effect done once (a transcript per event,
//	                                 a quarantined mail per SES id)
//	QUARANTINE#<inbox>  <at>#<id>    mail kept aside for agents
const onceTTL = 30 * 24 * time.Hour

var _ email.Store = (*Store)(nil)

func emailPK(addr string) string { return "EMAIL#" + addr }

// ClientMessage implements chat.ClientLookup.
func (s *Store) ClientMessage(ctx context.Context, clientKey, request string) (chat.Message, error) {
	ref, err := s.clientRef(ctx, clientKey, request)
	if err != nil {
		return chat.Message{}, err
	}
	it, err := s.get(ctx, convPK(getS(ref, "conversationId")), msgSK(getN(ref, "seq")))
	if err != nil {
		return chat.Message{}, fmt.Errorf("get message of client id: %w", err)
	}
	return toMessage(it), nil
}

// Contact implements email.Store.
func (s *Store) Contact(ctx context.Context, visitorID string) (email.Contact, error) {
	it, err := s.get(ctx, visitorPK(visitorID), "CONTACT")
	if err != nil {
		return email.Contact{}, fmt.Errorf("get contact %s: %w", visitorID, err)
	}
	return email.Contact{
		VisitorID: visitorID, Email: getS(it, "email"), Name: getS(it, "name"), PageURL: getS(it, "pageUrl"), UpdatedAt: getTime(it, "updatedAt"),
		VerifiedAt: getTime(it, "verifiedAt"), ConfirmSentAt: getTime(it, "confirmSentAt"),
	}, nil
}

func contactItem(c email.Contact) item {
	it := key(visitorPK(c.VisitorID), "CONTACT")
	it["email"] = str(c.Email)
	putOpt(it, "name", c.Name)
	putOpt(it, "pageUrl", c.PageURL)
	it["updatedAt"] = str(formatTime(c.UpdatedAt))
	if !c.VerifiedAt.IsZero() {
		it["verifiedAt"] = str(formatTime(c.VerifiedAt))
	}
	if !c.ConfirmSentAt.IsZero() {
		it["confirmSentAt"] = str(formatTime(c.ConfirmSentAt))
	}
	return it
}

func addressItem(c email.Contact) item {
	idx := key(emailPK(email.AddressKey(c.Email)), "CONTACT")
	idx["visitorId"] = str(c.VisitorID)
	return idx
}

// SaveContact implements email.Store: the contact, and for a verified
// contact its address index in the same transaction. An address already
// bound to another visitor stays bound to it (ErrConflict).
func (s *Store) SaveContact(ctx context.Context, c email.Contact) error {
	if c.VerifiedAt.IsZero() {
		return s.PutContact(ctx, c)
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: contactItem(c)}},
		{Put: &types.Put{
			TableName: &s.table, Item: addressItem(c),
			ConditionExpression:       ptr("attribute_not_exists(pk) OR visitorId = :v"),
			ExpressionAttributeValues: item{":v": str(c.VisitorID)},
		}},
	}})
	if err != nil {
		if rs, ok := reasons(err); ok && reasonAt(rs, 1) == reasonConditionFailed {
			return fmt.Errorf("save contact %s: %w", c.VisitorID, chat.ErrConflict)
		}
		return fmt.Errorf("save contact %s: %w", c.VisitorID, translate(err))
	}
	return nil
}

// PutContact implements email.Store: the contact item alone, or with
// quotas the contact item and their counters in one transaction.
func (s *Store) PutContact(ctx context.Context, c email.Contact, quotas ...chat.Quota) error {
	if len(quotas) == 0 {
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: contactItem(c)}); err != nil {
			return fmt.Errorf("put contact %s: %w", c.VisitorID, translate(err))
		}
		return nil
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: contactItem(c)}}}
	for _, q := range quotas {
		items = append(items, s.quotaItem(q))
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	if rs, ok := reasons(err); ok {
		for i, q := range quotas {
			if reasonAt(rs, i+1) == reasonConditionFailed {
				return fmt.Errorf("put contact %s: %w", c.VisitorID, s.rateLimited(q))
			}
		}
	}
	return fmt.Errorf("put contact %s: %w", c.VisitorID, translate(err))
}

// ConfirmContact implements email.Store: the verified contact, provided
// its stored address is still c.Email (or it is new), and its address
// index pointing to it, whoever it pointed to before.
func (s *Store) ConfirmContact(ctx context.Context, c email.Contact) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: &s.table, Item: contactItem(c),
			ConditionExpression:       ptr("attribute_not_exists(pk) OR email = :e"),
			ExpressionAttributeValues: item{":e": str(c.Email)},
		}},
		{Put: &types.Put{TableName: &s.table, Item: addressItem(c)}},
	}})
	if err != nil {
		if rs, ok := reasons(err); ok && reasonAt(rs, 0) == reasonConditionFailed {
			return fmt.Errorf("confirm contact %s: %w", c.VisitorID, chat.ErrConflict)
		}
		return fmt.Errorf("confirm contact %s: %w", c.VisitorID, translate(err))
	}
	return nil
}

// BindContact implements email.Store: the contact and its address index
// pointing to it, whoever it pointed to before.
func (s *Store) BindContact(ctx context.Context, c email.Contact) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: contactItem(c)}},
		{Put: &types.Put{TableName: &s.table, Item: addressItem(c)}},
	}})
	if err != nil {
		return fmt.Errorf("bind contact %s: %w", c.VisitorID, translate(err))
	}
	return nil
}

// VisitorByEmail implements email.Store.
func (s *Store) VisitorByEmail(ctx context.Context, addr string) (string, error) {
	it, err := s.get(ctx, emailPK(email.AddressKey(addr)), "CONTACT")
	if err != nil {
		return "", fmt.Errorf("get contact by email: %w", err)
	}
	return getS(it, "visitorId"), nil
}

// AddressStatus implements email.Store; an address never marked is
// deliverable (ErrNotFound).
func (s *Store) AddressStatus(ctx context.Context, addr string) (email.AddressStatus, error) {
	it, err := s.get(ctx, emailPK(email.AddressKey(addr)), "STATUS")
	if err != nil {
		return email.AddressStatus{}, fmt.Errorf("get address status: %w", err)
	}
	return email.AddressStatus{Address: getS(it, "address"), Kind: getS(it, "kind"), Reason: getS(it, "reason"), At: getTime(it, "at")}, nil
}

// MarkUndeliverable implements email.Store.
func (s *Store) MarkUndeliverable(ctx context.Context, st email.AddressStatus) error {
	it := key(emailPK(email.AddressKey(st.Address)), "STATUS")
	it["address"] = str(st.Address)
	it["kind"] = str(st.Kind)
	it["reason"] = str(st.Reason)
	it["at"] = str(formatTime(st.At))
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it}); err != nil {
		return fmt.Errorf("mark undeliverable: %w", translate(err))
	}
	return nil
}

// Once implements email.Store: a conditional put, ErrConflict when key was
// claimed before.
func (s *Store) Once(ctx context.Context, k string) error {
	it := key("ONCE#"+k, "ONCE")
	it["expiresAt"] = num(s.now().Add(onceTTL).Unix())
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it, ConditionExpression: ptr("attribute_not_exists(pk)")})
	if err != nil {
		return fmt.Errorf("claim %s: %w", k, translate(err))
	}
	return nil
}

// Release implements email.Store: it undoes Once after the effect failed,
// so a retry can do it.
func (s *Store) Release(ctx context.Context, k string) error {
	_, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		s.table: {{DeleteRequest: &types.DeleteRequest{Key: key("ONCE#"+k, "ONCE")}}},
	}})
	if err != nil {
		return fmt.Errorf("release %s: %w", k, translate(err))
	}
	return nil
}

// Quarantine implements email.Store; the same mail quarantined twice is
// kept once. The listing's sort key holds the time it was kept (newest
// first), which a second delivery of the mail does not share, so the mail
// is claimed by its SES id in the same transaction (a done-once claim,
// ONCE#quarantine#<id>, expiring like the others): a delivery that finds
// the claim writes nothing.
func (s *Store) Quarantine(ctx context.Context, q email.Quarantined) error {
	it := key("QUARANTINE#"+q.InboxID, formatTime(q.ReceivedAt)+"#"+q.ID)
	it["id"] = str(q.ID)
	it["inboxId"] = str(q.InboxID)
	it["from"] = str(q.From)
	putOpt(it, "subject", q.Subject)
	it["reason"] = str(q.Reason)
	putOpt(it, "conversationId", q.ConversationID)
	it["rawKey"] = str(q.RawKey)
	putOpt(it, "preview", q.Preview)
	it["receivedAt"] = str(formatTime(q.ReceivedAt))
	claim := key("ONCE#"+quarantineClaim(q.ID), "ONCE")
	claim["expiresAt"] = num(s.now().Add(onceTTL).Unix())
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: claim, ConditionExpression: ptr("attribute_not_exists(pk)")}},
		{Put: &types.Put{TableName: &s.table, Item: it, ConditionExpression: ptr("attribute_not_exists(pk)")}},
	}})
	if err != nil {
		if rs, ok := reasons(err); ok && (reasonAt(rs, 0) == reasonConditionFailed || reasonAt(rs, 1) == reasonConditionFailed) {
			return nil
		}
		return fmt.Errorf("quarantine %s: %w", q.ID, translate(err))
	}
	return nil
}

// quarantineClaim is the key of the done-once claim of the mail with SES
// id sesID in the quarantine.
func quarantineClaim(sesID string) string { return "quarantine#" + sesID }

// QuarantinedMail implements email.Store, newest first.
func (s *Store) QuarantinedMail(ctx context.Context, inboxID string, limit int) ([]email.Quarantined, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str("QUARANTINE#" + inboxID)},
		ScanIndexForward:          ptr(false),
		Limit:                     ptr(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", translate(err))
	}
	qs := make([]email.Quarantined, 0, len(out.Items))
	for _, it := range out.Items {
		qs = append(qs, toQuarantined(it))
	}
	return qs, nil
}

// quarantineAttrs are the attributes of a quarantined mail.
var quarantineAttrs = []string{"id", "inboxId", "from", "subject", "reason", "conversationId", "rawKey", "preview", "receivedAt"}

func toQuarantined(it item) email.Quarantined {
	return email.Quarantined{
		ID: getS(it, "id"), InboxID: getS(it, "inboxId"), From: getS(it, "from"), Subject: getS(it, "subject"),
		Reason: getS(it, "reason"), ConversationID: getS(it, "conversationId"), RawKey: getS(it, "rawKey"),
		Preview: getS(it, "preview"), ReceivedAt: getTime(it, "receivedAt"),
	}
}
