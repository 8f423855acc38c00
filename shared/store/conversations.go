package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

const (
	metaSK   = "META"
	maxSeqSK = "MSG#999999999999"
	maxSeq   = 999999999999
)

func convPK(id string) string     { return "CONV#" + id }
func msgSK(seq int64) string      { return fmt.Sprintf("MSG#%012d", seq) }
func clientPK(key string) string  { return "CLIENT#" + key }
func visitorPK(id string) string  { return "VISITOR#" + id }
func inboxPK(id string) string    { return "INBOX#" + id }
func connPK(id string) string     { return "CONN#" + id }
func listenerSK(id string) string { return "CONN#" + id }

// visitorConvSK is the sort key of the visitor's entry for a
// conversation, in the visitor's partition: it lists the visitor's
// threads and holds the visitor's read marker.
func visitorConvSK(c chat.Conversation) string {
	return "CONV#" + formatTime(c.CreatedAt) + "#" + c.ID
}

// shard spreads an inbox's conversations over Shards index partitions.
func shard(conversationID string) int {
	h := fnv.New32a()
	h.Write([]byte(conversationID))
	return int(h.Sum32() % Shards)
}

func listPK(inbox string, status chat.Status, shard int) string {
	return fmt.Sprintf("LIST#%s#%s#%d", inbox, status, shard)
}

func ownerPK(inbox string, status chat.Status, owner string, shard int) string {
	if owner == "" {
		owner = "none"
	}
	return fmt.Sprintf("OWNER#%s#%s#%s#%d", inbox, status, owner, shard)
}

func activityKey(c chat.Conversation) string {
	return formatTime(c.LastActivityAt) + "#" + c.ID
}

// indexKeys are the GSI attributes that place a conversation in its lists.
func indexKeys(c chat.Conversation) map[string]string {
	sh := shard(c.ID)
	sk := activityKey(c)
	return map[string]string{
		"gsi1pk": listPK(c.InboxID, c.Status, sh),
		"gsi1sk": sk,
		"gsi2pk": ownerPK(c.InboxID, c.Status, c.AssigneeID, sh),
		"gsi2sk": sk,
	}
}

// ---------------------------------------------------------------- converters

func toDBConversation(c chat.Conversation) item {
	it := key(convPK(c.ID), metaSK)
	it["conversationId"] = str(c.ID)
	it["channelId"] = str(c.ChannelID)
	it["inboxId"] = str(c.InboxID)
	it["visitorId"] = str(c.VisitorID)
	it["status"] = str(string(c.Status))
	putOpt(it, "assigneeId", c.AssigneeID)
	putOpt(it, "assigneeName", c.AssigneeName)
	putOpt(it, "assigneeAvatarUrl", c.AssigneeAvatarURL)
	it["visitorOnline"] = &types.AttributeValueMemberBOOL{Value: c.VisitorOnline}
	it["lastSeq"] = num(c.LastSeq)
	it["agentReadSeq"] = num(c.AgentReadSeq)
	putOpt(it, "preview", c.Preview)
	putOpt(it, "visitorName", c.VisitorName)
	putOpt(it, "firstLine", c.FirstLine)
	for k, v := range ratingAttrs(c) {
		it[k] = v
	}
	it["createdAt"] = str(formatTime(c.CreatedAt))
	it["lastActivityAt"] = str(formatTime(c.LastActivityAt))
	for k, v := range indexKeys(c) {
		it[k] = str(v)
	}
	for k, v := range timerAttrs(c) {
		it[k] = str(v)
	}
	if b := botAttr(c.Bot); b != "" {
		it["bot"] = str(b)
	}
	return it
}

func toConversation(it item) chat.Conversation {
	return chat.Conversation{
		ID:           getS(it, "conversationId"),
		ChannelID:    getS(it, "channelId"),
		InboxID:      getS(it, "inboxId"),
		VisitorID:    getS(it, "visitorId"),
		Status:       chat.Status(getS(it, "status")),
		AssigneeID:   getS(it, "assigneeId"),
		AssigneeName: getS(it, "assigneeName"),
		LastSeq:      getN(it, "lastSeq"),
		// Conversations stored before the marker moved to the visitor's
		// entry (MarkVisitorRead) still carry it here.
		VisitorReadSeq:    getN(it, "visitorReadSeq"),
		AgentReadSeq:      getN(it, "agentReadSeq"),
		Preview:           getS(it, "preview"),
		CreatedAt:         getTime(it, "createdAt"),
		LastActivityAt:    getTime(it, "lastActivityAt"),
		TimerAt:           getTime(it, "timerAt"),
		TimerListedAt:     timerListedAt(it),
		TimerStage:        chat.TimerStage(getS(it, "timerStage")),
		AssigneeAvatarURL: getS(it, "assigneeAvatarUrl"),
		VisitorOnline:     getBool(it, "visitorOnline"),
		PresenceTurn:      getN(it, "presenceTurn"),
		VisitorName:       getS(it, "visitorName"),
		FirstLine:         getS(it, "firstLine"),
		Survey:            getBool(it, "survey"),
		Rating:            chat.Rating{Score: int(getN(it, "ratingScore")), Comment: getS(it, "ratingComment")},
		Ratings:           int(getN(it, "ratings")),
		Bot:               toBotState(getS(it, "bot")),
	}
}

// ratingAttrs are the conversation item's survey attributes (none until a
// close asks): whether it asked, the current rating and how many answers
// were given.
func ratingAttrs(c chat.Conversation) item {
	it := item{}
	if c.Survey {
		it["survey"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	if c.Rating.Score > 0 {
		it["ratingScore"] = num(int64(c.Rating.Score))
		it["ratings"] = num(int64(c.Ratings))
		if c.Rating.Comment != "" {
			it["ratingComment"] = str(c.Rating.Comment)
		}
	}
	return it
}

func toDBMessage(m chat.Message) item {
	it := key(convPK(m.ConversationID), msgSK(m.Seq))
	it["conversationId"] = str(m.ConversationID)
	it["seq"] = num(m.Seq)
	it["kind"] = str(string(m.Kind))
	putOpt(it, "clientId", m.ClientID)
	it["authorType"] = str(string(m.Author.Type))
	it["authorId"] = str(m.Author.ID)
	putOpt(it, "authorName", m.Author.Name)
	putOpt(it, "authorAvatarUrl", m.Author.AvatarURL)
	putOpt(it, "body", m.Body)
	if m.Event != nil {
		it["eventType"] = str(string(m.Event.Type))
		putOpt(it, "eventAgentId", m.Event.AgentID)
		putOpt(it, "eventAgentName", m.Event.AgentName)
		putOpt(it, "eventEmail", m.Event.Email)
		putOpt(it, "eventSubject", m.Event.Subject)
		putOpt(it, "eventReason", m.Event.Reason)
		if m.Event.Survey {
			it["eventSurvey"] = &types.AttributeValueMemberBOOL{Value: true}
		}
		if r := m.Event.Rating; r != nil {
			it["eventScore"] = num(int64(r.Score))
			putOpt(it, "eventComment", r.Comment)
		}
	}
	it["createdAt"] = str(formatTime(m.CreatedAt))
	putOpt(it, "channel", m.Channel)
	putOpt(it, "mailId", m.MailID)
	putOpt(it, "rawMail", m.RawMail)
	putMentions(it, m.Mentions)
	putOpt(it, "extraction", m.Extraction)
	putFiles(it, m.Attachments)
	if m.Ask != nil {
		it["askType"] = str(m.Ask.Type)
		if len(m.Ask.Buttons) > 0 {
			it["askButtons"] = strList(m.Ask.Buttons)
		}
		it["askFreeText"] = &types.AttributeValueMemberBOOL{Value: m.Ask.FreeText}
	}
	return it
}

func toMessage(it item) chat.Message {
	m := chat.Message{
		ConversationID: getS(it, "conversationId"),
		Seq:            getN(it, "seq"),
		Kind:           chat.Kind(getS(it, "kind")),
		ClientID:       getS(it, "clientId"),
		Author: chat.Author{
			Type: chat.Role(getS(it, "authorType")), ID: getS(it, "authorId"),
			Name: getS(it, "authorName"), AvatarURL: getS(it, "authorAvatarUrl"),
		},
		Body:       getS(it, "body"),
		CreatedAt:  getTime(it, "createdAt"),
		Channel:    getS(it, "channel"),
		MailID:     getS(it, "mailId"),
		RawMail:    getS(it, "rawMail"),
		Mentions:   getMentions(it),
		Extraction: getS(it, "extraction"),
	}
	m.Attachments = getFiles(it)
	if t := getS(it, "askType"); t != "" {
		m.Ask = &chat.Ask{Type: t, Buttons: getList(it, "askButtons"), FreeText: getBool(it, "askFreeText")}
	}
	if t := getS(it, "eventType"); t != "" {
		m.Event = &chat.Event{Type: chat.EventType(t), AgentID: getS(it, "eventAgentId"), AgentName: getS(it, "eventAgentName"),
			Email: getS(it, "eventEmail"), Subject: getS(it, "eventSubject"), Reason: getS(it, "eventReason"),
			Survey: getBool(it, "eventSurvey")}
		if score := getN(it, "eventScore"); score > 0 {
			m.Event.Rating = &chat.Rating{Score: int(score), Comment: getS(it, "eventComment")}
		}
	}
	return m
}

func toListener(it item) chat.Listener {
	return chat.Listener{
		ConnectionID: getS(it, "connectionId"),
		Principal: chat.Principal{
			Role: chat.Role(getS(it, "role")), ID: getS(it, "principalId"),
			Name: getS(it, "name"), AvatarURL: getS(it, "avatarUrl"), Inboxes: getList(it, "inboxes"),
			ChannelID: getS(it, "channelId"),
		},
		Subscription: getS(it, "subscription"),
	}
}

// ---------------------------------------------------------------- reads

// Conversation implements chat.Storer.
func (s *Store) Conversation(ctx context.Context, id string) (chat.Conversation, error) {
	it, err := s.get(ctx, convPK(id), metaSK)
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("get conversation %s: %w", id, err)
	}
	return toConversation(it), nil
}

// ConversationListeners implements chat.Storer with one Query: CONN# sorts
// before META, so sk <= META returns the subscribed connections and the
// conversation together.
func (s *Store) ConversationListeners(ctx context.Context, id string) (chat.Conversation, []chat.Listener, error) {
	var (
		conv      chat.Conversation
		found     bool
		listeners []chat.Listener
		start     item
	)
	now := s.now().Unix()
	// Many tabs make the result span pages (1 MB each); META comes last.
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    ptr("pk = :pk AND sk <= :meta"),
			ExpressionAttributeValues: item{":pk": str(convPK(id)), ":meta": str(metaSK)},
			ConsistentRead:            ptr(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return chat.Conversation{}, nil, fmt.Errorf("query conversation %s: %w", id, translate(err))
		}
		for _, it := range out.Items {
			sk := getS(it, "sk")
			switch {
			case sk == metaSK:
				conv, found = toConversation(it), true
			case strings.HasPrefix(sk, "CONN#") && !expired(it, now):
				listeners = append(listeners, toListener(it))
			}
		}
		if found || len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	if !found {
		return chat.Conversation{}, nil, fmt.Errorf("query conversation %s: %w", id, chat.ErrNotFound)
	}
	return conv, listeners, nil
}

// expired tells whether TTL should have removed the item already: DynamoDB
// deletes expired items lazily, up to days later.
func expired(it item, now int64) bool {
	exp := getN(it, "expiresAt")
	return exp != 0 && exp <= now
}

// Messages implements chat.Storer.
func (s *Store) Messages(ctx context.Context, q chat.MessageQuery) ([]chat.Message, bool, error) {
	in := &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: ptr("pk = :pk AND sk BETWEEN :lo AND :hi"),
		Limit:                  ptr(int32(q.Limit + 1)),
		ConsistentRead:         ptr(true),
	}
	// Seqs have 12 digits: bounds beyond them would make BETWEEN's low
	// end sort above its high end, which DynamoDB refuses.
	if q.Before > 0 {
		if q.Before <= 1 {
			return []chat.Message{}, false, nil
		}
		in.ExpressionAttributeValues = item{":pk": str(convPK(q.ConversationID)), ":lo": str(msgSK(1)), ":hi": str(msgSK(min(q.Before-1, maxSeq)))}
		in.ScanIndexForward = ptr(false)
	} else {
		if q.After >= maxSeq {
			return []chat.Message{}, false, nil
		}
		in.ExpressionAttributeValues = item{":pk": str(convPK(q.ConversationID)), ":lo": str(msgSK(q.After + 1)), ":hi": str(maxSeqSK)}
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, false, fmt.Errorf("query messages of %s: %w", q.ConversationID, translate(err))
	}
	items := out.Items
	// A page stops at 1 MB too: then LastEvaluatedKey says more may follow.
	more := len(items) > q.Limit || len(out.LastEvaluatedKey) > 0
	if len(items) > q.Limit {
		items = items[:q.Limit]
	}
	msgs := make([]chat.Message, 0, len(items))
	for _, it := range items {
		msgs = append(msgs, toMessage(it))
	}
	if q.Before > 0 {
		slices.Reverse(msgs)
	}
	return msgs, more, nil
}

// ---------------------------------------------------------------- writes

func (s *Store) clientPut(k, request string, m chat.Message) types.TransactWriteItem {
	it := key(clientPK(k), "CLIENT")
	it["conversationId"] = str(m.ConversationID)
	it["seq"] = num(m.Seq)
	putOpt(it, "request", request)
	it["expiresAt"] = num(s.now().Add(ClientIDTTL).Unix())
	return types.TransactWriteItem{Put: &types.Put{
		TableName: &s.table, Item: it, ConditionExpression: ptr("attribute_not_exists(pk)"),
	}}
}

func (s *Store) newPut(it item) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName: &s.table, Item: it, ConditionExpression: ptr("attribute_not_exists(pk)"),
	}}
}

// clientRef reads the record of a used client key. A record stored for
// another request than request is chat.ErrClientIDReused; records written
// before records kept a digest, and callers without one, compare nothing.
func (s *Store) clientRef(ctx context.Context, clientKey, request string) (item, error) {
	ref, err := s.get(ctx, clientPK(clientKey), "CLIENT")
	if err != nil {
		return nil, fmt.Errorf("get client id: %w", err)
	}
	if stored := getS(ref, "request"); stored != "" && request != "" && stored != request {
		return nil, chat.ClientIDReused()
	}
	return ref, nil
}

// duplicate answers a write whose client key was used: the stored message
// and its conversation.
func (s *Store) duplicate(ctx context.Context, clientKey, request string) (chat.Appended, error) {
	ref, err := s.clientRef(ctx, clientKey, request)
	if err != nil {
		return chat.Appended{}, err
	}
	cid := getS(ref, "conversationId")
	it, err := s.get(ctx, convPK(cid), msgSK(getN(ref, "seq")))
	if err != nil {
		return chat.Appended{}, fmt.Errorf("get message of client id: %w", err)
	}
	conv, err := s.Conversation(ctx, cid)
	if err != nil {
		return chat.Appended{}, err
	}
	return chat.Appended{Conversation: conv, Message: toMessage(it), Duplicate: true}, nil
}

// CreateConversation implements chat.Storer: the conversation, its first
// message, the visitor's index entry and the client id in one transaction.
func (s *Store) CreateConversation(ctx context.Context, in chat.NewConversation) (chat.Appended, error) {
	c, m := in.Conversation, in.Message
	follow := numbered(c.ID, 1, in.Follow)
	m.ConversationID, m.Seq, c.LastSeq = c.ID, 1, int64(1+len(follow))
	c.TimerListedAt = listedTimer(c)
	var items []types.TransactWriteItem
	if in.ClientKey != "" {
		items = append(items, s.clientPut(in.ClientKey, in.Request, m))
	}
	ref := key(visitorPK(c.VisitorID), visitorConvSK(c))
	ref["conversationId"] = str(c.ID)
	items = append(items, s.newPut(toDBConversation(c)), s.newPut(messageItem(m, c, in.ClientKey)), s.newPut(ref))
	for _, f := range follow {
		items = append(items, s.newPut(messageItem(f, c, "")))
	}
	items = append(items, s.routingWrites(chat.Conversation{}, c, nil).items...)
	if in.Quota != nil {
		items = append(items, s.quotaItem(*in.Quota))
	}
	for attempt := range maxAttempts {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return chat.Appended{Conversation: c, Message: m, Follow: follow}, nil
		}
		rs, ok := reasons(err)
		if !ok {
			return chat.Appended{}, fmt.Errorf("create conversation %s: %w", c.ID, translate(err))
		}
		quotaFull := in.Quota != nil && reasonAt(rs, len(items)-1) == reasonConditionFailed
		// A retry racing its first attempt is cancelled with
		// ConditionalCheckFailed once the first committed, and with
		// TransactionConflict while it is committing: either way the
		// client id tells whether the message is stored.
		if in.ClientKey != "" {
			d, derr := s.duplicate(ctx, in.ClientKey, in.Request)
			if derr == nil {
				return d, nil
			}
			if !errors.Is(derr, chat.ErrNotFound) {
				return chat.Appended{}, derr
			}
		}
		if quotaFull {
			return chat.Appended{}, s.rateLimited(*in.Quota)
		}
		if !anyConflict(rs) {
			return chat.Appended{}, fmt.Errorf("create conversation %s: %w", c.ID, translate(err))
		}
		if err := backoff(ctx, attempt); err != nil {
			return chat.Appended{}, fmt.Errorf("create conversation %s: %w", c.ID, err)
		}
	}
	return chat.Appended{}, fmt.Errorf("create conversation %s: still conflicting after %d attempts", c.ID, maxAttempts)
}

// Append implements chat.Storer. The conversation's lastSeq moves from n to
// n+1 under a condition while MSG#n+1 (and the client id) are put with
// attribute_not_exists; losing the race re-reads the conversation and tries
// the next seq, for as long as the invocation has time (seqRetryUntil):
// every lost race is another writer's commit, so the writers of a burst
// all get through, and the race is never the client's conflict.
func (s *Store) Append(ctx context.Context, in chat.Append) (chat.Appended, error) {
	cur := in.Current
	until := seqRetryUntil(ctx)
	for attempt := 0; ; attempt++ {
		next := cur
		if in.Change != nil {
			if err := in.Change(&next); err != nil {
				// A retry of a stored message answers with it, whatever
				// the conversation's state is now.
				if in.ClientKey != "" {
					d, derr := s.duplicate(ctx, in.ClientKey, in.Request)
					if derr == nil {
						return d, nil
					}
					if errors.Is(derr, chat.ErrClientIDReused) {
						return chat.Appended{}, derr
					}
				}
				return chat.Appended{}, err
			}
		}
		var follow []chat.Message
		if in.Follow != nil {
			follow = numbered(cur.ID, cur.LastSeq+1, in.Follow())
		}
		next.LastSeq = cur.LastSeq + 1 + int64(len(follow))
		next.TimerListedAt = listedTimer(next)
		m := in.Message
		m.ConversationID, m.Seq = cur.ID, cur.LastSeq+1

		var items []types.TransactWriteItem
		if in.ClientKey != "" {
			items = append(items, s.clientPut(in.ClientKey, in.Request, m))
		}
		items = append(items, s.metaUpdate(cur, next), s.newPut(messageItem(m, next, in.ClientKey)))
		for _, f := range follow {
			items = append(items, s.newPut(messageItem(f, next, "")))
		}
		routed := s.routingWrites(cur, next, in.Claim)
		claimAt := len(items)
		items = append(items, routed.items...)
		if in.Quota != nil {
			items = append(items, s.quotaItem(*in.Quota))
		}
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return chat.Appended{Conversation: next, Message: m, Follow: follow}, nil
		}
		rs, ok := reasons(err)
		if !ok {
			return chat.Appended{}, fmt.Errorf("append to %s: %w", cur.ID, translate(err))
		}
		if err := routed.refusal(rs, claimAt); err != nil {
			return chat.Appended{}, err
		}
		meta := 0
		if in.ClientKey != "" {
			meta = 1
			switch reasonAt(rs, 0) {
			case reasonConditionFailed:
				return s.duplicate(ctx, in.ClientKey, in.Request)
			case reasonConflict:
				// Perhaps a retry of this very message committing now.
				d, derr := s.duplicate(ctx, in.ClientKey, in.Request)
				if derr == nil {
					return d, nil
				}
				if !errors.Is(derr, chat.ErrNotFound) {
					return chat.Appended{}, derr
				}
			}
		}
		// A retry of a stored message was answered above; a new one over
		// its rate limit is refused with nothing stored.
		if in.Quota != nil && reasonAt(rs, len(items)-1) == reasonConditionFailed {
			return chat.Appended{}, s.rateLimited(*in.Quota)
		}
		// Only losing the seq race (or overlapping another writer) is worth
		// another attempt; throttling or validation reasons are failures.
		if reasonAt(rs, meta) != reasonConditionFailed && !anyConflict(rs) {
			return chat.Appended{}, fmt.Errorf("append to %s: %w", cur.ID, translate(err))
		}
		if !time.Now().Before(until) {
			// Not the client's doing: an internal error, which the
			// socket answers as retryable (same frame, same client id).
			return chat.Appended{}, fmt.Errorf("append to %s: still losing the seq race after %d attempts", cur.ID, attempt+1)
		}
		if err := backoff(ctx, attempt); err != nil {
			return chat.Appended{}, fmt.Errorf("append to %s: %w", cur.ID, err)
		}
		if cur, err = s.Conversation(ctx, cur.ID); err != nil {
			return chat.Appended{}, err
		}
	}
}

// seqRetryWindow is how long a message write keeps racing for a seq when
// its context has no deadline; with one (a Lambda invocation's), it stops
// seqRetryMargin before it, leaving time to answer.
const (
	seqRetryWindow = 20 * time.Second
	seqRetryMargin = 2 * time.Second
)

func seqRetryUntil(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d.Add(-seqRetryMargin)
	}
	return time.Now().Add(seqRetryWindow)
}

// metaUpdate moves the conversation from cur to next under the condition
// that nobody else moved lastSeq meanwhile. The agents' read marker is
// raised by MarkAgentRead without touching lastSeq, so it is only ever set
// here when it goes up past everything MarkAgentRead may have written.
func (s *Store) metaUpdate(cur, next chat.Conversation) types.TransactWriteItem {
	vals := item{
		":prev": num(cur.LastSeq), ":seq": num(next.LastSeq),
		":status": str(string(next.Status)), ":la": str(formatTime(next.LastActivityAt)),
	}
	names := map[string]string{"#status": "status"}
	set := []string{"lastSeq = :seq", "#status = :status", "lastActivityAt = :la"}
	var remove []string
	for k, v := range indexKeys(next) {
		set = append(set, k+" = :"+k)
		vals[":"+k] = str(v)
	}
	if next.AssigneeID != "" {
		set = append(set, "assigneeId = :aid", "assigneeName = :aname")
		vals[":aid"], vals[":aname"] = str(next.AssigneeID), str(next.AssigneeName)
	} else {
		remove = append(remove, "assigneeId", "assigneeName")
	}
	if next.AssigneeAvatarURL != "" {
		set = append(set, "assigneeAvatarUrl = :aavatar")
		vals[":aavatar"] = str(next.AssigneeAvatarURL)
	} else {
		remove = append(remove, "assigneeAvatarUrl")
	}
	if next.Preview != "" {
		set = append(set, "preview = :preview")
		vals[":preview"] = str(next.Preview)
	}
	if next.AgentReadSeq > cur.AgentReadSeq {
		set = append(set, "agentReadSeq = :ars")
		vals[":ars"] = num(next.AgentReadSeq)
	}
	// The survey's attributes only ever appear or change (a rating is
	// replaced, never removed) except the comment an answer leaves out.
	for k, v := range ratingAttrs(next) {
		set = append(set, k+" = :"+k)
		vals[":"+k] = v
	}
	if next.Rating.Score > 0 && next.Rating.Comment == "" {
		remove = append(remove, "ratingComment")
	}
	if b := botAttr(next.Bot); b != "" {
		set = append(set, "bot = :bot")
		vals[":bot"] = str(b)
	} else {
		remove = append(remove, "bot")
	}
	if timer := timerAttrs(next); len(timer) > 0 {
		for k, v := range timer {
			set = append(set, k+" = :"+k)
			vals[":"+k] = str(v)
		}
	} else {
		remove = append(remove, timerAttrNames...)
	}
	slices.Sort(set)
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       key(convPK(cur.ID), metaSK),
		UpdateExpression:          &expr,
		ConditionExpression:       ptr("lastSeq = :prev"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	}}
}

// MarkAgentRead implements chat.Storer; the condition keeps the marker
// monotonic.
func (s *Store) MarkAgentRead(ctx context.Context, conversationID string, seq int64) (chat.Conversation, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(convPK(conversationID), metaSK),
		UpdateExpression:          ptr("SET agentReadSeq = :seq"),
		ConditionExpression:       ptr("attribute_exists(pk) AND agentReadSeq < :seq"),
		ExpressionAttributeValues: item{":seq": num(seq)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// Already at or past seq (or gone): answer with the current state.
		return s.Conversation(ctx, conversationID)
	}
	if err != nil {
		return chat.Conversation{}, fmt.Errorf("mark %s read: %w", conversationID, translate(err))
	}
	return toConversation(out.Attributes), nil
}

// MarkVisitorRead implements chat.Storer. The marker is kept on the
// visitor's entry for the conversation, which no index holds: one write
// unit, where the conversation item would cost one more in each list
// index. The condition keeps it monotonic, and writes nothing once the
// entry is erased; either way the answer is that nothing was raised.
// The write carries a token of its own: when the SDK sends it again
// because the answer to a write that was applied got lost, the condition
// fails on the write's own marker, which the token tells from another
// tab's read of the same seq, and the answer is that it raised it.
func (s *Store) MarkVisitorRead(ctx context.Context, c chat.Conversation, seq int64) (bool, error) {
	token := rand.Text()
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 key(visitorPK(c.VisitorID), visitorConvSK(c)),
		UpdateExpression:                    ptr("SET visitorReadSeq = :seq, visitorReadBy = :token"),
		ConditionExpression:                 ptr("attribute_exists(pk) AND (attribute_not_exists(visitorReadSeq) OR visitorReadSeq < :seq)"),
		ExpressionAttributeValues:           item{":seq": num(seq), ":token": str(token)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return getN(ccf.Item, "visitorReadSeq") == seq && getS(ccf.Item, "visitorReadBy") == token, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark %s read by its visitor: %w", c.ID, translate(err))
	}
	return true, nil
}

// VisitorRead implements chat.Storer: one consistent GetItem of the
// visitor's entry for c, projected to the marker. An erased entry reads
// as no marker.
func (s *Store) VisitorRead(ctx context.Context, c chat.Conversation) (int64, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            &s.table,
		Key:                  key(visitorPK(c.VisitorID), visitorConvSK(c)),
		ConsistentRead:       ptr(true),
		ProjectionExpression: ptr("visitorReadSeq"),
	})
	if err != nil {
		return 0, fmt.Errorf("read %s's visitor marker: %w", c.ID, translate(err))
	}
	return getN(out.Item, "visitorReadSeq"), nil
}

// ---------------------------------------------------------------- lists

// encodeCursor and decodeCursor keep the index sort key opaque to clients.
func encodeCursor(sortKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sortKey))
}

func decodeCursor(cursor string) (string, error) {
	bad := &chat.Error{Kind: chat.ErrInvalid, Message: "cursor is malformed"}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", bad
	}
	ts, id, ok := strings.Cut(string(raw), "#")
	if !ok || !chat.ValidID(id) {
		return "", bad
	}
	if _, err := time.Parse(timeLayout, ts); err != nil {
		return "", bad
	}
	return string(raw), nil
}

// Conversations implements chat.Storer: each shard of each inbox is
// queried newest first below the cursor, and the merged pages are cut to
// the limit.
func (s *Store) Conversations(ctx context.Context, q chat.ListQuery) ([]chat.Conversation, string, error) {
	var below string
	if q.Cursor != "" {
		var err error
		if below, err = decodeCursor(q.Cursor); err != nil {
			return nil, "", err
		}
	}
	index, pkAttr, skAttr := "GSI1", "gsi1pk", "gsi1sk"
	if q.View != chat.ViewAll {
		index, pkAttr, skAttr = "GSI2", "gsi2pk", "gsi2sk"
	}
	var all []item
	for i := range len(q.InboxIDs) * Shards {
		inbox, sh := q.InboxIDs[i/Shards], i%Shards
		var pk string
		switch q.View {
		case chat.ViewMine:
			pk = ownerPK(inbox, q.Status, q.AgentID, sh)
		case chat.ViewUnassigned:
			pk = ownerPK(inbox, q.Status, "", sh)
		default:
			pk = listPK(inbox, q.Status, sh)
		}
		in := &dynamodb.QueryInput{
			TableName:                 &s.table,
			IndexName:                 &index,
			KeyConditionExpression:    ptr(pkAttr + " = :pk"),
			ExpressionAttributeValues: item{":pk": str(pk)},
			ScanIndexForward:          ptr(false),
			Limit:                     ptr(int32(q.Limit + 1)),
		}
		if below != "" {
			in.KeyConditionExpression = ptr(pkAttr + " = :pk AND " + skAttr + " < :below")
			in.ExpressionAttributeValues[":below"] = str(below)
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("list shard %d of %s: %w", sh, inbox, translate(err))
		}
		all = append(all, out.Items...)
	}
	slices.SortFunc(all, func(a, b item) int { return cmp.Compare(getS(b, skAttr), getS(a, skAttr)) })
	var next string
	if len(all) > q.Limit {
		all = all[:q.Limit]
		next = encodeCursor(getS(all[len(all)-1], skAttr))
	}
	convs := make([]chat.Conversation, 0, len(all))
	for _, it := range all {
		convs = append(convs, toConversation(it))
	}
	return convs, next, nil
}

// VisitorConversations implements chat.Storer.
func (s *Store) VisitorConversations(ctx context.Context, visitorID string, limit int) ([]chat.Conversation, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    ptr("pk = :pk AND begins_with(sk, :conv)"),
		ExpressionAttributeValues: item{":pk": str(visitorPK(visitorID)), ":conv": str("CONV#")},
		ScanIndexForward:          ptr(false),
		Limit:                     ptr(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("query conversations of visitor %s: %w", visitorID, translate(err))
	}
	if len(out.Items) == 0 {
		return []chat.Conversation{}, nil
	}
	keys := make([]item, 0, len(out.Items))
	order := map[string]int{}
	read := map[string]int64{}
	for i, it := range out.Items {
		cid := getS(it, "conversationId")
		order[cid] = i
		read[cid] = getN(it, "visitorReadSeq")
		keys = append(keys, key(convPK(cid), metaSK))
	}
	// A partial history would look like lost conversations: batchGet
	// fails rather than cut.
	metas, err := batchGet(ctx, s.db, s.table, keys, true, "")
	if err != nil {
		return nil, fmt.Errorf("get conversations of visitor %s: %w", visitorID, err)
	}
	convs := make([]chat.Conversation, 0, len(metas))
	for _, it := range metas {
		c := toConversation(it)
		c.VisitorReadSeq = max(c.VisitorReadSeq, read[c.ID])
		convs = append(convs, c)
	}
	slices.SortFunc(convs, func(a, b chat.Conversation) int { return cmp.Compare(order[a.ID], order[b.ID]) })
	return convs, nil
}
