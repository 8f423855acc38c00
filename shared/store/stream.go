package store

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/parleychat/parley/shared/chat"
)

// messageItem is a message item with the facts about its conversation that
// consumers of the table's stream need (channel, inbox, visitor), so one
// stream record is enough to describe what happened. They ride in the
// message transaction: no extra call. clientKey, the key of the write's
// idempotency record, is kept so that retention and erasure find the
// record (it may name an email's sender).
func messageItem(m chat.Message, c chat.Conversation, clientKey string) item {
	it := toDBMessage(m)
	putOpt(it, "clientKey", clientKey)
	putOpt(it, "channelId", c.ChannelID)
	putOpt(it, "inboxId", c.InboxID)
	putOpt(it, "visitorId", c.VisitorID)
	return it
}

// StreamMessage is a message of the seq stream as the table's stream
// carries it, with its conversation's identifying facts.
type StreamMessage struct {
	Message   chat.Message
	ChannelID string
	InboxID   string
	VisitorID string
}

// MessageFromImage reads a stream record's image of a message item; ok is
// false for any other item.
func MessageFromImage(it map[string]types.AttributeValue) (StreamMessage, bool) {
	if !strings.HasPrefix(getS(it, "pk"), "CONV#") || !strings.HasPrefix(getS(it, "sk"), "MSG#") {
		return StreamMessage{}, false
	}
	return StreamMessage{
		Message:   toMessage(it),
		ChannelID: getS(it, "channelId"),
		InboxID:   getS(it, "inboxId"),
		VisitorID: getS(it, "visitorId"),
	}, true
}

// FromStreamImage converts an image of a stream record (Lambda's event
// shape) to the SDK's attribute values, as the store reads items.
func FromStreamImage(img map[string]events.DynamoDBAttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		out[k] = fromStreamValue(v)
	}
	return out
}

func fromStreamValue(v events.DynamoDBAttributeValue) types.AttributeValue {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			l = append(l, fromStreamValue(e))
		}
		return &types.AttributeValueMemberL{Value: l}
	case events.DataTypeMap:
		return &types.AttributeValueMemberM{Value: FromStreamImage(v.Map())}
	}
	return &types.AttributeValueMemberNULL{Value: true}
}

// PresenceFromImage reads a stream record's image of an agent's status
// item (its chosen status and inbox sockets); ok is false for any other
// item.
func PresenceFromImage(it map[string]types.AttributeValue) (agentID string, p chat.Presence, ok bool) {
	id, isAgent := strings.CutPrefix(getS(it, "pk"), "AGENT#")
	if !isAgent || getS(it, "sk") != presenceSK {
		return "", chat.Presence{}, false
	}
	return id, toPresence(it), true
}
