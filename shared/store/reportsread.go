package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/parleychat/parley/shared/chat"
)

// InboxIDs implements reports.Inboxes: the account's inboxes, whose
// rollups an account-wide report adds up (one Query of the settings).
func (s *Store) InboxIDs(ctx context.Context) ([]string, error) {
	list, err := s.Inboxes(ctx)
	if err != nil {
		return nil, fmt.Errorf("inbox ids: %w", err)
	}
	ids := make([]string, len(list))
	for i, in := range list {
		ids[i] = in.ID
	}
	return ids, nil
}

// ActivePage asks for one page of an inbox's conversations active in a
// range, from one of its list partitions (BackfillParts: open and closed,
// each in Shards).
type ActivePage struct {
	InboxID string
	Part    int
	// Since and Until bound the range: conversations last active at or
	// after Since and created before Until.
	Since, Until time.Time
	// After is the Next of the previous page of this part ("" first).
	After string
	Limit int
}

// BackfillParts is the number of list partitions of an inbox.
const BackfillParts = 2 * Shards

// ActiveConversations reads one page of ActivePage: one Query of the
// inbox's list index (GSI1), whose sort key begins with the last
// activity. next is "" once the part is read to its end.
func (s *Store) ActiveConversations(ctx context.Context, q ActivePage) (convs []chat.Conversation, next string, err error) {
	if q.Part < 0 || q.Part >= BackfillParts || q.Limit < 1 {
		return nil, "", fmt.Errorf("active conversations of %s: part %d or limit %d out of range", q.InboxID, q.Part, q.Limit)
	}
	status := chat.StatusOpen
	if q.Part >= Shards {
		status = chat.StatusClosed
	}
	lo := formatTime(q.Since)
	cond := "gsi1pk = :pk AND gsi1sk >= :lo"
	if q.After > lo {
		// The sort key holds the conversation's id after the time: > skips
		// the last one read, and only it.
		lo, cond = q.After, "gsi1pk = :pk AND gsi1sk > :lo"
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              ptr("GSI1"),
		KeyConditionExpression: ptr(cond),
		FilterExpression:       ptr("createdAt < :until"),
		ExpressionAttributeValues: item{
			":pk": str(listPK(q.InboxID, status, q.Part%Shards)), ":lo": str(lo), ":until": str(formatTime(q.Until)),
		},
		Limit: ptr(int32(q.Limit)),
	})
	if err != nil {
		return nil, "", fmt.Errorf("active conversations of %s: %w", q.InboxID, translate(err))
	}
	for _, it := range out.Items {
		convs = append(convs, toConversation(it))
	}
	if len(out.LastEvaluatedKey) > 0 {
		next = getS(out.LastEvaluatedKey, "gsi1sk")
	}
	return convs, next, nil
}

// SeqStream returns every entry of a conversation's seq stream, in order,
// a page of at most limit at a time (consistent reads).
func (s *Store) SeqStream(ctx context.Context, c chat.Conversation, limit int) ([]StreamMessage, error) {
	var out []StreamMessage
	after := int64(0)
	for {
		msgs, more, err := s.Messages(ctx, chat.MessageQuery{ConversationID: c.ID, After: after, Limit: limit})
		if err != nil {
			return nil, fmt.Errorf("seq stream of %s: %w", c.ID, err)
		}
		for _, m := range msgs {
			out = append(out, StreamMessage{Message: m, ChannelID: c.ChannelID, InboxID: c.InboxID, VisitorID: c.VisitorID})
			after = m.Seq
		}
		if !more || len(msgs) == 0 {
			return out, nil
		}
	}
}
