package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Domain events the rollups read (docs/events.md). conversation.created is
// not among them: its entry is seq 1, which message.created carries too.
const (
	eventSource     = "parley.chat"
	messageCreated  = "message.created"
	assigned        = "conversation.assigned"
	closed          = "conversation.closed"
	reopened        = "conversation.reopened"
	rated           = "conversation.rated"
	handedOver      = "conversation.handed_over"
	publicVisible   = "public"
	actorVisitor    = "visitor"
	actorAgent      = "agent"
	actorBot        = "bot"
	schemaVersion1  = "1"
	messageKindText = "text"
)

// ErrMalformed marks an event that can never be read: retrying it does not
// help.
var ErrMalformed = errors.New("reports: malformed event")

// Event is one domain event as the rollups see it.
type Event struct {
	ConversationID string
	InboxID        string
	ChannelID      string
	Entry          Entry
}

type detail struct {
	Version        string    `json:"version"`
	ConversationID string    `json:"conversationId"`
	Seq            int64     `json:"seq"`
	OccurredAt     time.Time `json:"occurredAt"`
	InboxID        string    `json:"inboxId"`
	ChannelID      string    `json:"channelId"`
	Visibility     string    `json:"visibility"`
	Actor          struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"actor"`
	Message *struct {
		Kind    string `json:"kind"`
		Channel string `json:"channel"`
		Author  struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"author"`
	} `json:"message"`
	Assignee *struct {
		ID string `json:"id"`
	} `json:"assignee"`
	Reason string `json:"reason"`
	Survey bool   `json:"survey"`
	Rating *struct {
		Score int `json:"score"`
	} `json:"rating"`
}

// Parse reads an event's Detail. It answers false for an event the
// metrics do not count (notes, other types, an agent's message that is not
// text, the bot's messages but the first), and an error wrapping
// ErrMalformed for one that cannot be read.
func Parse(source, detailType string, raw []byte) (Event, bool, error) {
	if source != eventSource {
		return Event{}, false, nil
	}
	switch detailType {
	case messageCreated, assigned, closed, reopened, rated, handedOver:
	default:
		return Event{}, false, nil
	}
	var d detail
	if err := json.Unmarshal(raw, &d); err != nil {
		return Event{}, false, fmt.Errorf("%w: %s: %w", ErrMalformed, detailType, err)
	}
	if d.Version != schemaVersion1 || d.ConversationID == "" || d.InboxID == "" || d.Seq < 1 || d.OccurredAt.IsZero() {
		return Event{}, false, fmt.Errorf("%w: %s: version, conversationId, inboxId, seq or occurredAt missing", ErrMalformed, detailType)
	}
	ev := Event{ConversationID: d.ConversationID, InboxID: d.InboxID, ChannelID: d.ChannelID, Entry: Entry{Seq: d.Seq, At: d.OccurredAt.UnixMilli()}}
	switch detailType {
	case messageCreated:
		if d.Message == nil {
			return Event{}, false, fmt.Errorf("%w: %s without message", ErrMalformed, detailType)
		}
		if d.Visibility != publicVisible || d.Message.Kind != messageKindText {
			return Event{}, false, nil
		}
		switch d.Message.Author.Type {
		case actorVisitor:
			ev.Entry.Kind, ev.Entry.Channel = KindVisitor, d.Message.Channel
		case actorAgent:
			ev.Entry.Kind, ev.Entry.Agent = KindAgent, d.Message.Author.ID
		case actorBot:
			// The bot's first message started the conversation; what it
			// says after that is no reply and changes no number.
			if d.Seq != 1 {
				return Event{}, false, nil
			}
			ev.Entry.Kind, ev.Entry.Channel = KindBot, d.Message.Channel
		default:
			return Event{}, false, nil
		}
	case assigned:
		ev.Entry.Kind = KindAssigned
		if d.Assignee != nil {
			ev.Entry.Agent = d.Assignee.ID
		}
	case closed:
		ev.Entry.Kind, ev.Entry.Reason, ev.Entry.Survey = KindClosed, d.Reason, d.Survey
	case reopened:
		ev.Entry.Kind = KindReopened
	case handedOver:
		ev.Entry.Kind = KindHandedOver
	case rated:
		if d.Rating == nil || d.Rating.Score < 1 || d.Rating.Score > 5 {
			return Event{}, false, fmt.Errorf("%w: %s without a score of 1 to 5", ErrMalformed, detailType)
		}
		ev.Entry.Kind, ev.Entry.Score = KindRated, d.Rating.Score
	}
	return ev, true, nil
}
