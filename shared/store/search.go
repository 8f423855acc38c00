package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/email"
	"github.com/parleychat/parley/shared/search"
)

// SearchIndex is the search table (docs/search.md): posting lists, one
// item per (list, document) with the list as pk and the document's key as
// sk, and one document item per indexed document that lists them.
//
//	TERM#<inbox>#<term> | NAME#<inbox>#<prefix>   <key>    a posting (no other attribute)
//	DOC#<conversation>   MSG#<seq> | CONTACT      a document item: key, lists, inboxId
//
// A contact card's document item also carries, while it changes, the
// postings being written (pendingKey, pendingLists) and the lease of the
// one writer changing it (lockOwner, lockUntil).
type SearchIndex struct {
	db    DB
	table string
}

var _ search.Source = (*SearchIndex)(nil)

// NewSearchIndex returns the search table named table.
func NewSearchIndex(db DB, table string) *SearchIndex {
	return &SearchIndex{db: db, table: table}
}

// batchLimit is what one BatchWriteItem takes; BatchGetItem takes 100 keys.
const (
	batchWriteLimit = 25
	batchGetLimit   = 100
)

// Page implements search.Source: one Query of the list below before,
// newest first, keys only, eventually consistent (a posting written a
// moment ago may be missed by one search; the index is a second behind the
// chat anyway).
func (x *SearchIndex) Page(ctx context.Context, list string, before search.Key, limit int) ([]search.Key, bool, error) {
	in := &dynamodb.QueryInput{
		TableName:                 &x.table,
		KeyConditionExpression:    ptr("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str(list)},
		ProjectionExpression:      ptr("sk"),
		ScanIndexForward:          ptr(false),
		Limit:                     ptr(int32(limit + 1)),
	}
	if before != "" {
		in.KeyConditionExpression = ptr("pk = :pk AND sk < :before")
		in.ExpressionAttributeValues[":before"] = str(string(before))
	}
	out, err := x.db.Query(ctx, in)
	if err != nil {
		return nil, false, fmt.Errorf("read posting list: %w", translate(err))
	}
	more := len(out.Items) > limit || len(out.LastEvaluatedKey) > 0
	items := out.Items[:min(len(out.Items), limit)]
	keys := make([]search.Key, 0, len(items))
	for _, it := range items {
		keys = append(keys, search.Key(getS(it, "sk")))
	}
	return keys, more && len(keys) > 0, nil
}

// Contains implements search.Source with one BatchGetItem (keys only).
func (x *SearchIndex) Contains(ctx context.Context, list string, keys []search.Key) ([]search.Key, error) {
	req := make([]item, 0, len(keys))
	for _, k := range keys {
		req = append(req, key(list, string(k)))
	}
	got, err := batchGet(ctx, x.db, x.table, req, false, "sk")
	if err != nil {
		return nil, fmt.Errorf("probe posting list: %w", err)
	}
	found := make([]search.Key, 0, len(got))
	for _, it := range got {
		found = append(found, search.Key(getS(it, "sk")))
	}
	return found, nil
}

// batchGet reads keys of table with BatchGetItem, 100 at a time, retrying
// the keys DynamoDB leaves unprocessed under load (a partial answer would
// look like missing items, so it fails rather than cut). projection, when
// set, names the attributes to read.
func batchGet(ctx context.Context, db DB, table string, keys []item, consistent bool, projection string) ([]item, error) {
	var out []item
	for chunk := range slices.Chunk(keys, batchGetLimit) {
		ka := types.KeysAndAttributes{Keys: chunk, ConsistentRead: ptr(consistent)}
		if projection != "" {
			ka.ProjectionExpression = &projection
		}
		req := map[string]types.KeysAndAttributes{table: ka}
		for attempt := 0; ; attempt++ {
			got, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, translate(err)
			}
			out = append(out, got.Responses[table]...)
			if len(got.UnprocessedKeys) == 0 {
				break
			}
			if attempt+1 == maxAttempts {
				return nil, fmt.Errorf("%d keys still unprocessed after %d attempts", len(got.UnprocessedKeys[table].Keys), maxAttempts)
			}
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
			req = got.UnprocessedKeys
		}
	}
	return out, nil
}

// batchWrite runs write requests on table with BatchWriteItem, 25 at a
// time, retrying what DynamoDB leaves unprocessed. Puts and deletes are
// idempotent, so a retried request does no harm.
func batchWrite(ctx context.Context, db DB, table string, reqs []types.WriteRequest) error {
	for chunk := range slices.Chunk(reqs, batchWriteLimit) {
		pending := map[string][]types.WriteRequest{table: chunk}
		for attempt := 0; ; attempt++ {
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return translate(err)
			}
			if len(out.UnprocessedItems) == 0 {
				break
			}
			if attempt+1 == maxAttempts {
				return fmt.Errorf("%d writes still unprocessed after %d attempts", len(out.UnprocessedItems[table]), maxAttempts)
			}
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}

// SearchDoc is a document item: the postings a document has in the index
// (Key in each of Lists). A contact card being changed also has the
// postings its writer is putting (PendingKey in each of PendingLists):
// until the change completes, either may exist.
type SearchDoc struct {
	PK, SK       string
	InboxID      string
	Key          search.Key
	Lists        []string
	PendingKey   search.Key
	PendingLists []string
	// Leased is true while a writer holds the item's lease, or held it and
	// died (LeaseDocument).
	Leased bool
}

// Exists tells whether the item was read (an empty SearchDoc was not).
func (d SearchDoc) Exists() bool { return d.PK != "" }

func toSearchDoc(it item) SearchDoc {
	return SearchDoc{
		PK: getS(it, "pk"), SK: getS(it, "sk"), InboxID: getS(it, "inboxId"),
		Key: search.Key(getS(it, "key")), Lists: getList(it, "lists"),
		PendingKey: search.Key(getS(it, "pendingKey")), PendingLists: getList(it, "pendingLists"),
		Leased: it["lockOwner"] != nil,
	}
}

func postingRequests(k search.Key, lists []string, put bool) []types.WriteRequest {
	reqs := make([]types.WriteRequest, 0, len(lists))
	for _, l := range lists {
		if put {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: key(l, string(k))}})
		} else {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(l, string(k))}})
		}
	}
	return reqs
}

// PutDocument writes a document's postings and its document item. Written
// again (a stream record delivered twice), it writes the same items.
func (x *SearchIndex) PutDocument(ctx context.Context, inboxID string, e search.Entries) error {
	doc := key(e.DocPK, e.DocSK)
	doc["inboxId"] = str(inboxID)
	doc["key"] = str(string(e.Key))
	doc["lists"] = strList(e.Lists)
	reqs := append(postingRequests(e.Key, e.Lists, true), types.WriteRequest{PutRequest: &types.PutRequest{Item: doc}})
	if err := batchWrite(ctx, x.db, x.table, reqs); err != nil {
		return fmt.Errorf("index %s %s: %w", e.DocPK, e.DocSK, err)
	}
	return nil
}

// Document reads a document item (consistently); ErrNotFound when absent.
func (x *SearchIndex) Document(ctx context.Context, pk, sk string) (SearchDoc, error) {
	out, err := x.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &x.table, Key: key(pk, sk), ConsistentRead: ptr(true)})
	if err != nil {
		return SearchDoc{}, fmt.Errorf("read %s %s: %w", pk, sk, translate(err))
	}
	if len(out.Item) == 0 {
		return SearchDoc{}, fmt.Errorf("read %s %s: %w", pk, sk, chat.ErrNotFound)
	}
	return toSearchDoc(out.Item), nil
}

// Documents returns the document items of a conversation (consistently).
func (x *SearchIndex) Documents(ctx context.Context, docPK string) ([]SearchDoc, error) {
	var (
		docs  []SearchDoc
		start item
	)
	for {
		out, err := x.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &x.table,
			KeyConditionExpression:    ptr("pk = :pk"),
			ExpressionAttributeValues: item{":pk": str(docPK)},
			ConsistentRead:            ptr(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("documents of %s: %w", docPK, translate(err))
		}
		for _, it := range out.Items {
			docs = append(docs, toSearchDoc(it))
		}
		if len(out.LastEvaluatedKey) == 0 {
			return docs, nil
		}
		start = out.LastEvaluatedKey
	}
}

// DeleteDocument deletes the postings a document item lists (pending ones
// included) and then the item itself, so that a failure half way leaves
// the item to find what is left. A document leased to another writer
// must not be deleted this way (see LeaseDocument).
func (x *SearchIndex) DeleteDocument(ctx context.Context, d SearchDoc) error {
	reqs := postingRequests(d.Key, d.Lists, false)
	if d.PendingKey != "" {
		reqs = append(reqs, postingRequests(d.PendingKey, d.PendingLists, false)...)
	}
	if err := batchWrite(ctx, x.db, x.table, dedupe(reqs)); err != nil {
		return fmt.Errorf("delete postings of %s %s: %w", d.PK, d.SK, err)
	}
	err := batchWrite(ctx, x.db, x.table, []types.WriteRequest{{DeleteRequest: &types.DeleteRequest{Key: key(d.PK, d.SK)}}})
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", d.PK, d.SK, err)
	}
	return nil
}

// dedupe drops repeated keys: BatchWriteItem refuses a batch that names
// one item twice.
func dedupe(reqs []types.WriteRequest) []types.WriteRequest {
	seen := make(map[string]bool, len(reqs))
	out := reqs[:0]
	for _, r := range reqs {
		var k item
		if r.PutRequest != nil {
			k = r.PutRequest.Item
		} else {
			k = r.DeleteRequest.Key
		}
		id := getS(k, "pk") + "\x00" + getS(k, "sk")
		if !seen[id] {
			seen[id] = true
			out = append(out, r)
		}
	}
	return out
}

// ErrLeased is what LeaseDocument answers while another writer holds the
// document's lease.
var ErrLeased = fmt.Errorf("search document is being changed by another writer: %w", chat.ErrConflict)

// LeaseDocument gives owner the right to change a document item until
// until, and returns the item as it is (an item that did not exist is
// created empty). While the lease runs, nobody else gets one (ErrLeased);
// a lease that ran out (its writer died) is taken over.
func (x *SearchIndex) LeaseDocument(ctx context.Context, pk, sk, owner string, now, until time.Time) (SearchDoc, error) {
	out, err := x.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &x.table,
		Key:                       key(pk, sk),
		UpdateExpression:          ptr("SET lockOwner = :owner, lockUntil = :until"),
		ConditionExpression:       ptr("attribute_not_exists(lockUntil) OR lockUntil < :now"),
		ExpressionAttributeValues: item{":owner": str(owner), ":until": num(until.UnixMilli()), ":now": num(now.UnixMilli())},
		ReturnValues:              types.ReturnValueAllNew,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return SearchDoc{}, ErrLeased
	}
	if err != nil {
		return SearchDoc{}, fmt.Errorf("lease %s %s: %w", pk, sk, translate(err))
	}
	d := toSearchDoc(out.Attributes)
	d.PK, d.SK = pk, sk
	return d, nil
}

// SetPending records, under owner's lease, the postings about to be
// written (before they are), so that a writer dying half way leaves them
// listed.
func (x *SearchIndex) SetPending(ctx context.Context, d SearchDoc, owner string) error {
	return x.leased(ctx, d, owner, "SET pendingKey = :pk, pendingLists = :pl",
		item{":pk": str(string(d.PendingKey)), ":pl": strList(d.PendingLists)})
}

// Settle records, under owner's lease, the postings a document has now
// (d.Key in d.Lists) and ends the lease.
func (x *SearchIndex) Settle(ctx context.Context, d SearchDoc, owner string) error {
	return x.leased(ctx, d, owner, "SET #key = :key, lists = :lists, inboxId = :inbox REMOVE pendingKey, pendingLists, lockOwner, lockUntil",
		item{":key": str(string(d.Key)), ":lists": strList(d.Lists), ":inbox": str(d.InboxID)})
}

func (x *SearchIndex) leased(ctx context.Context, d SearchDoc, owner, update string, vals item) error {
	vals[":owner"] = str(owner)
	in := &dynamodb.UpdateItemInput{
		TableName:                 &x.table,
		Key:                       key(d.PK, d.SK),
		UpdateExpression:          &update,
		ConditionExpression:       ptr("lockOwner = :owner"),
		ExpressionAttributeValues: vals,
	}
	if strings.Contains(update, "#key") {
		in.ExpressionAttributeNames = map[string]string{"#key": "key"}
	}
	if _, err := x.db.UpdateItem(ctx, in); err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return fmt.Errorf("update %s %s: the lease ran out: %w", d.PK, d.SK, chat.ErrConflict)
		}
		return fmt.Errorf("update %s %s: %w", d.PK, d.SK, translate(err))
	}
	return nil
}

// PutPostings writes the postings of entries (their document items
// aside), 25 a call.
func (x *SearchIndex) PutPostings(ctx context.Context, entries ...search.Entries) error {
	var reqs []types.WriteRequest
	for _, e := range entries {
		reqs = append(reqs, postingRequests(e.Key, e.Lists, true)...)
	}
	if err := batchWrite(ctx, x.db, x.table, reqs); err != nil {
		return fmt.Errorf("put postings: %w", err)
	}
	return nil
}

// DeletePostings removes the postings of k in lists.
func (x *SearchIndex) DeletePostings(ctx context.Context, k search.Key, lists []string) error {
	if err := batchWrite(ctx, x.db, x.table, postingRequests(k, lists, false)); err != nil {
		return fmt.Errorf("delete postings: %w", err)
	}
	return nil
}

// ---------------------------------------------------------------- the chat table, for search

// VisitorConversationIDs lists every conversation of a visitor (its
// contact card is on each of them), newest first.
func (s *Store) VisitorConversationIDs(ctx context.Context, visitorID string) ([]string, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :conv)"),
		ExpressionAttributeValues: item{":pk": str(visitorPK(visitorID)), ":conv": str("CONV#")},
		ProjectionExpression:      ptr("conversationId"),
		ScanIndexForward:          ptr(false),
		ConsistentRead:            ptr(true),
	})
	if err != nil {
		return nil, fmt.Errorf("conversations of visitor %s: %w", visitorID, err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, getS(it, "conversationId"))
	}
	return ids, nil
}

// MessageRef names one message of a conversation.
type MessageRef struct {
	ConversationID string
	Seq            int64
}

// ConversationsAndMessages reads conversations and messages by key in one
// BatchGetItem per 100 keys (eventually consistent: search results are a
// second behind anyway). What no longer exists is absent from the maps.
func (s *Store) ConversationsAndMessages(ctx context.Context, ids []string, msgs []MessageRef) (map[string]chat.Conversation, map[MessageRef]chat.Message, error) {
	keys := make([]item, 0, len(ids)+len(msgs))
	for _, id := range ids {
		keys = append(keys, key(convPK(id), metaSK))
	}
	for _, m := range msgs {
		keys = append(keys, key(convPK(m.ConversationID), msgSK(m.Seq)))
	}
	got, err := batchGet(ctx, s.db, s.table, keys, false, "")
	if err != nil {
		return nil, nil, fmt.Errorf("read conversations and messages: %w", err)
	}
	convs := make(map[string]chat.Conversation, len(ids))
	found := make(map[MessageRef]chat.Message, len(msgs))
	for _, it := range got {
		if getS(it, "sk") == metaSK {
			c := toConversation(it)
			convs[c.ID] = c
			continue
		}
		m := toMessage(it)
		found[MessageRef{m.ConversationID, m.Seq}] = m
	}
	return convs, found, nil
}

// Contacts reads visitors' contacts (name and address), by visitor id;
// visitors without a contact are absent.
func (s *Store) Contacts(ctx context.Context, visitorIDs []string) (map[string]email.Contact, error) {
	keys := make([]item, 0, len(visitorIDs))
	for _, v := range visitorIDs {
		keys = append(keys, key(visitorPK(v), "CONTACT"))
	}
	got, err := batchGet(ctx, s.db, s.table, keys, false, "")
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", err)
	}
	out := make(map[string]email.Contact, len(got))
	for _, it := range got {
		vid := strings.TrimPrefix(getS(it, "pk"), "VISITOR#")
		out[vid] = email.Contact{VisitorID: vid, Name: getS(it, "name"), Email: getS(it, "email")}
	}
	return out, nil
}
