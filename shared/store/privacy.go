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
	"github.com/parleychat/parley/shared/privacy"
)

// Items of the data rights (docs/data-rights.md):
//
//	AUDIT#<yyyy-mm>  <at>#<id>   an audit event: action, agent, visitor id, counts
//	RETAIN#<channel> CURSOR      where the channel's retention passes are: s0..s3, since
//
// Everything else they read or delete is described with its owner.

// partition returns every item of pk, with the attributes proj names
// besides the keys.
func (s *Store) partition(ctx context.Context, pk string, proj ...string) ([]item, error) {
	names := map[string]string{"#pk": "pk", "#sk": "sk"}
	expr := []string{"#pk", "#sk"}
	for i, p := range proj {
		n := fmt.Sprintf("#a%d", i)
		names[n] = p
		expr = append(expr, n)
	}
	all, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("#pk = :pk"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: item{":pk": str(pk)},
		ProjectionExpression:      ptr(strings.Join(expr, ", ")),
		ConsistentRead:            ptr(true),
	})
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", strings.SplitN(pk, "#", 2)[0], err)
	}
	return all, nil
}

// queryAll reads every page of in (its ExclusiveStartKey moves along);
// the error is translated to the domain's sentinels.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]item, error) {
	var all []item
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, translate(err)
		}
		all = append(all, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return all, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func keyOf(it item) privacy.Key { return privacy.Key{PK: getS(it, "pk"), SK: getS(it, "sk")} }

// ConversationRecords implements privacy.Store: the conversation's items
// (META last), the visitor's entry for it, its messages' idempotency
// records, the notifications its notes' mentions made, and the raw mails
// its messages came in.
func (s *Store) ConversationRecords(ctx context.Context, conversationID string) (privacy.Records, error) {
	items, err := s.partition(ctx, convPK(conversationID), "rawMail", "clientKey", "eventType", "seq", "mentions", "visitorId", "createdAt")
	if err != nil {
		return privacy.Records{}, fmt.Errorf("records of conversation %s: %w", conversationID, err)
	}
	var r privacy.Records
	for _, it := range items {
		k := keyOf(it)
		if k.SK == metaSK {
			r.Last = append(r.Last, k)
			r.Items = append(r.Items, privacy.Key{PK: visitorPK(getS(it, "visitorId")), SK: "CONV#" + getS(it, "createdAt") + "#" + conversationID})
			// The reports' state of the conversation holds its events'
			// times; the day rollups it fed keep only counts.
			r.Items = append(r.Items, privacy.Key{PK: reportStatePK(conversationID), SK: reportStateSK})
			// Mail kept aside that names the conversation goes with it.
			err := s.quarantined(ctx, &r, func(q item) bool { return getS(q, "conversationId") == conversationID })
			if err != nil {
				return privacy.Records{}, fmt.Errorf("records of conversation %s: %w", conversationID, err)
			}
			continue
		}
		r.Items = append(r.Items, k)
		if ck := getS(it, "clientKey"); ck != "" {
			r.Items = append(r.Items, privacy.Key{PK: clientPK(ck), SK: "CLIENT"})
		}
		if getS(it, "eventType") == string(chat.EventClosed) {
			// The transcript's claim, named by the close event's id
			// (events.ID: <conversation>:<seq>).
			claim := email.TranscriptClaim(fmt.Sprintf("%s:%d", conversationID, getN(it, "seq")))
			r.Items = append(r.Items, privacy.Key{PK: "ONCE#" + claim, SK: "ONCE"})
		}
		if raw := getS(it, "rawMail"); raw != "" {
			r.RawMail = append(r.RawMail, raw)
		}
		// The notifications a note's mentions made carry its preview; the
		// claims of their emails name the conversation.
		if ms := getMentions(it); len(ms) > 0 {
			id := chat.MentionID(chat.Message{ConversationID: conversationID, Seq: getN(it, "seq"), CreatedAt: getTime(it, "createdAt")})
			for _, m := range ms {
				r.Items = append(r.Items, privacy.Key{PK: notifyPK(m.ID), SK: notifyPrefix + id},
					privacy.Key{PK: "ONCE#" + email.MentionClaim(m.ID, conversationID, getN(it, "seq")), SK: "ONCE"})
			}
		}
	}
	return r, nil
}

// VisitorRecords implements privacy.Store: the visitor's own items, its
// connections, its identity link, and its address's owner and status
// items (the owner item only while it names this visitor).
func (s *Store) VisitorRecords(ctx context.Context, visitorID string) (privacy.Records, error) {
	items, err := s.partition(ctx, visitorPK(visitorID), "email", "externalId", "channelId")
	if err != nil {
		return privacy.Records{}, fmt.Errorf("records of visitor %s: %w", visitorID, err)
	}
	// The counters of the visitor's messages and uploads (chat's and
	// ratelimit's keys) expire within minutes; an erasure takes them
	// anyway.
	var r privacy.Records
	for _, counter := range []string{"visitor#", "upload#"} {
		counters, err := s.partition(ctx, "RATE#"+counter+visitorID)
		if err != nil {
			return privacy.Records{}, fmt.Errorf("records of visitor %s: %w", visitorID, err)
		}
		for _, it := range counters {
			r.Items = append(r.Items, keyOf(it))
		}
	}
	for _, it := range items {
		k := keyOf(it)
		r.Items = append(r.Items, k)
		switch {
		case strings.HasPrefix(k.SK, "CONN#"):
			r.Items = append(r.Items, privacy.Key{PK: connPK(strings.TrimPrefix(k.SK, "CONN#")), SK: "CONN"})
		case k.SK == "IDENTITY":
			r.ExternalID = getS(it, "externalId")
			r.Items = append(r.Items, privacy.Key{PK: externalPK(getS(it, "channelId"), r.ExternalID), SK: "VISITOR"})
		case k.SK == "CONTACT":
			addr := email.AddressKey(getS(it, "email"))
			owner, err := s.get(ctx, emailPK(addr), "CONTACT")
			switch {
			case err == nil && getS(owner, "visitorId") == visitorID:
				r.Items = append(r.Items, keyOf(owner))
			case err != nil && !errors.Is(err, chat.ErrNotFound):
				return privacy.Records{}, fmt.Errorf("owner of the address of %s: %w", visitorID, err)
			}
			r.Items = append(r.Items, privacy.Key{PK: emailPK(addr), SK: "STATUS"})
			// Mail from the address kept aside.
			if err := s.quarantined(ctx, &r, func(q item) bool { return email.AddressKey(getS(q, "from")) == addr }); err != nil {
				return privacy.Records{}, fmt.Errorf("records of visitor %s: %w", visitorID, err)
			}
		}
	}
	return r, nil
}

// quarantined adds to r the quarantined mails that match, with their raw
// mails.
func (s *Store) quarantined(ctx context.Context, r *privacy.Records, match func(item) bool) error {
	items, err := s.quarantinedItems(ctx, match, "from", "conversationId", "rawKey")
	if err != nil {
		return err
	}
	for _, it := range items {
		r.Items = append(r.Items, keyOf(it))
		if raw := getS(it, "rawKey"); raw != "" {
			r.RawMail = append(r.RawMail, raw)
		}
	}
	return nil
}

// quarantinedItems returns the quarantined mails of every inbox that
// match, with the attributes proj names: one Query for the inboxes, one
// per inbox.
func (s *Store) quarantinedItems(ctx context.Context, match func(item) bool, proj ...string) ([]item, error) {
	inboxes, err := s.Inboxes(ctx)
	if err != nil {
		return nil, err
	}
	var out []item
	for _, in := range inboxes {
		items, err := s.partition(ctx, "QUARANTINE#"+in.ID, proj...)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if match(it) {
				out = append(out, it)
			}
		}
	}
	return out, nil
}

// QuarantinedOf implements privacy.Store.
func (s *Store) QuarantinedOf(ctx context.Context, addr string, conversationIDs []string) ([]email.Quarantined, error) {
	key := email.AddressKey(addr)
	items, err := s.quarantinedItems(ctx, func(q item) bool {
		return (addr != "" && email.AddressKey(getS(q, "from")) == key) || slices.Contains(conversationIDs, getS(q, "conversationId"))
	}, quarantineAttrs...)
	if err != nil {
		return nil, fmt.Errorf("quarantined mail of %s: %w", addr, err)
	}
	out := make([]email.Quarantined, 0, len(items))
	for _, it := range items {
		out = append(out, toQuarantined(it))
	}
	return out, nil
}

// DeleteRecords implements privacy.Store. A conversation's META item
// goes in a transaction that also gives back the routing load an open
// assigned conversation held, so its agent's capacity is not lost.
func (s *Store) DeleteRecords(ctx context.Context, r privacy.Records) error {
	reqs := make([]types.WriteRequest, 0, len(r.Items))
	for _, k := range r.Items {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(k.PK, k.SK)}})
	}
	if err := batchWrite(ctx, s.db, s.table, reqs); err != nil {
		return fmt.Errorf("delete records: %w", err)
	}
	for _, k := range r.Last {
		if err := s.deleteMeta(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// deleteMeta deletes a conversation's META item unchanged since it was
// read, with the routing writes of the conversation ending.
func (s *Store) deleteMeta(ctx context.Context, k privacy.Key) error {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		it, err := s.get(ctx, k.PK, k.SK)
		if errors.Is(err, chat.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete %s: %w", k.PK, err)
		}
		cur := toConversation(it)
		ended := cur
		ended.Status = chat.StatusClosed
		items := []types.TransactWriteItem{{Delete: &types.Delete{
			TableName: &s.table, Key: key(k.PK, k.SK),
			// Status and assignee change only with a message (lastSeq).
			ConditionExpression:       ptr("lastSeq = :seq"),
			ExpressionAttributeValues: item{":seq": num(cur.LastSeq)},
		}}}
		items = append(items, s.routingWrites(cur, ended, nil).items...)
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		if rs, ok := reasons(err); !ok || reasonAt(rs, 0) != reasonConditionFailed {
			return fmt.Errorf("delete %s: %w", k.PK, translate(err))
		}
		// Changed since read (a message, an assignment): read it again.
	}
	return fmt.Errorf("delete %s: %w", k.PK, chat.ErrConflict)
}

// RecordAudit implements privacy.Store.
func (s *Store) RecordAudit(ctx context.Context, e privacy.Audit) error {
	it := key("AUDIT#"+e.At.UTC().Format("2006-01"), formatTime(e.At)+"#"+e.ID)
	it["action"] = str(e.Action)
	it["agentId"] = str(e.AgentID)
	it["visitorId"] = str(e.VisitorID)
	it["at"] = str(formatTime(e.At))
	it["conversations"] = num(int64(e.Erasure.Conversations))
	it["items"] = num(int64(e.Erasure.Items))
	it["objects"] = num(int64(e.Erasure.Objects))
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it}); err != nil {
		return fmt.Errorf("record audit: %w", translate(err))
	}
	return nil
}

// ClosedBefore implements privacy.Store from the inbox's closed list
// (GSI1), whose sort key begins with the last activity: each shard is
// read oldest first below the cutoff, after the position the cursor
// holds (retentionPosition of the last one read), keeping the channel's.
// The channel is kept client side, not by a filter, so that the position
// moves over the other channels' conversations too; they are read once a
// round, not at every pass.
func (s *Store) ClosedBefore(ctx context.Context, inboxID, channelID string, before time.Time, from privacy.Cursor, limit int) ([]chat.Conversation, privacy.Cursor, error) {
	next := privacy.Cursor{Positions: make([]string, Shards), Since: from.Since}
	copy(next.Positions, from.Positions)
	upper := formatTime(before)
	var out []chat.Conversation
	for sh := range Shards {
		pos := next.Positions[sh]
		if len(out) >= limit || (pos != "" && pos >= upper) {
			continue
		}
		cond, vals := "gsi1pk = :pk AND gsi1sk < :before", item{":pk": str(listPK(inboxID, chat.StatusClosed, sh)), ":before": str(upper)}
		if pos != "" {
			// From the last one read, which may still be there (kept)
			// and is passed over.
			cond, vals[":from"] = "gsi1pk = :pk AND gsi1sk BETWEEN :from AND :before", str(pos)
		}
		in := &dynamodb.QueryInput{
			TableName: &s.table, IndexName: ptr("GSI1"), KeyConditionExpression: &cond, ExpressionAttributeValues: vals,
			Limit: ptr(int32(retentionPage)),
		}
	pages:
		for {
			page, err := s.db.Query(ctx, in)
			if err != nil {
				return nil, from, fmt.Errorf("closed conversations of %s: %w", channelID, translate(err))
			}
			for _, it := range page.Items {
				sk := getS(it, "gsi1sk")
				if pos != "" && strings.HasPrefix(sk, pos) {
					continue
				}
				next.Positions[sh] = retentionPosition(sk)
				if getS(it, "channelId") == channelID {
					out = append(out, toConversation(it))
					if len(out) >= limit {
						break pages
					}
				}
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
	}
	return out, next, nil
}

// retentionPosition is where a pass that read the list entry sk stopped:
// its time and the first 8 characters of the conversation's id. That
// orders it among the entries of the same millisecond without naming a
// conversation that retention or an erasure deletes (nothing left in the
// table names it).
func retentionPosition(sk string) string {
	if i := strings.IndexByte(sk, '#'); i >= 0 && len(sk) > i+9 {
		return sk[:i+9]
	}
	return sk
}

// retentionPage is how many items of a closed list one Query of a
// retention pass reads.
const retentionPage = 100

// RetentionCursor implements privacy.Store.
func (s *Store) RetentionCursor(ctx context.Context, channelID string) (privacy.Cursor, error) {
	it, err := s.get(ctx, retentionPK(channelID), "CURSOR")
	if errors.Is(err, chat.ErrNotFound) {
		return privacy.Cursor{}, nil
	}
	if err != nil {
		return privacy.Cursor{}, fmt.Errorf("retention cursor of %s: %w", channelID, err)
	}
	c := privacy.Cursor{Since: getTime(it, "since")}
	for sh := range Shards {
		c.Positions = append(c.Positions, getS(it, fmt.Sprintf("s%d", sh)))
	}
	return c, nil
}

// SaveRetentionCursor implements privacy.Store.
func (s *Store) SaveRetentionCursor(ctx context.Context, channelID string, c privacy.Cursor) error {
	it := key(retentionPK(channelID), "CURSOR")
	it["since"] = str(formatTime(c.Since))
	for sh, pos := range c.Positions {
		putOpt(it, fmt.Sprintf("s%d", sh), pos)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: it}); err != nil {
		return fmt.Errorf("save retention cursor of %s: %w", channelID, translate(err))
	}
	return nil
}

func retentionPK(channelID string) string { return "RETAIN#" + channelID }
