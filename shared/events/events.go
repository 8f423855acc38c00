// Package events turns what the chat stores into the domain events of
// docs/events.md and publishes them to the EventBridge bus. Every event
// corresponds to one entry of a conversation's seq stream; the table's
// stream feeds them in (see stream.go), so an event exists for every write
// the table committed.
package events

import (
	"fmt"
	"time"

	"github.com/parleychat/parley/shared/chat"
	"github.com/parleychat/parley/shared/store"
)

// Source is the Source of every Parley event.
const Source = "parley.chat"

// SchemaVersion is the version of the Detail schema (docs/events.md).
const SchemaVersion = "1"

// DetailTypes.
const (
	ConversationCreated  = "conversation.created"
	MessageCreated       = "message.created"
	ConversationAssigned = "conversation.assigned"
	ConversationClosed   = "conversation.closed"
	ConversationReopened = "conversation.reopened"
	// ConversationHandedOver: the bot handed the conversation to the
	// inbox's routing.
	ConversationHandedOver = "conversation.handed_over"
	ConversationRated      = "conversation.rated"
	AgentStatus            = "agent.status"
)

// DetailTypes lists every DetailType Parley publishes.
func DetailTypes() []string {
	return []string{ConversationCreated, MessageCreated, ConversationAssigned, ConversationClosed, ConversationReopened, ConversationHandedOver, ConversationRated, AgentStatus}
}

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// Actor is who caused the event: a visitor, an agent or the system (timers).
type Actor struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Envelope holds the fields every Detail has.
type Envelope struct {
	Version        string `json:"version"`
	ID             string `json:"id"`
	ConversationID string `json:"conversationId"`
	Seq            int64  `json:"seq"`
	OccurredAt     string `json:"occurredAt"`
	ChannelID      string `json:"channelId"`
	InboxID        string `json:"inboxId"`
	VisitorID      string `json:"visitorId"`
	Actor          Actor  `json:"actor"`
	// Visibility is VisibilityPublic for what the visitor sees too and
	// VisibilityInternal for what only agents see (notes): a consumer
	// that writes to visitors (transcripts, a CRM timeline shown to
	// customers) reads public events only.
	Visibility string `json:"visibility"`
}

// Visibilities of an event.
const (
	VisibilityPublic   = "public"
	VisibilityInternal = "internal"
)

// visibility is the visibility of the event of a stored entry.
func visibility(m chat.Message) string {
	if m.Internal() {
		return VisibilityInternal
	}
	return VisibilityPublic
}

// Message is a text message inside a Detail.
type Message struct {
	Seq       int64  `json:"seq"`
	Kind      string `json:"kind"`
	Body      string `json:"body"`
	Author    Actor  `json:"author"`
	Channel   string `json:"channel"`
	CreatedAt string `json:"createdAt"`
	// Mentions are the agents a note names.
	Mentions []Mention `json:"mentions,omitempty"`
}

// Mention is an agent a note names.
type Mention struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func mentions(ms []chat.Mention) []Mention {
	var out []Mention
	for _, m := range ms {
		out = append(out, Mention(m))
	}
	return out
}

// Assignee is the agent a conversation is assigned to.
type Assignee struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// MessageDetail is the Detail of conversation.created and message.created.
type MessageDetail struct {
	Envelope
	Message Message `json:"message"`
}

// AssignedDetail is the Detail of conversation.assigned; Assignee is null
// when the conversation was unassigned.
type AssignedDetail struct {
	Envelope
	Assignee *Assignee `json:"assignee"`
	Change   string    `json:"change"`
}

// ClosedDetail is the Detail of conversation.closed.
type ClosedDetail struct {
	Envelope
	Reason string `json:"reason"`
	// Survey is true when the close asked the visitor for a rating.
	Survey bool `json:"survey"`
}

// RatedDetail is the Detail of conversation.rated: the visitor's answer
// to the satisfaction survey. A later answer of the same conversation
// (a higher seq) replaces an earlier one.
type RatedDetail struct {
	Envelope
	Rating chat.Rating `json:"rating"`
}

// ReopenedDetail is the Detail of conversation.reopened.
type ReopenedDetail struct {
	Envelope
}

// Event is one domain event ready to publish.
type Event struct {
	DetailType string
	Time       time.Time
	Detail     any
}

// ID is the event's idempotency key: <conversationId>:<seq>.
func ID(conversationID string, seq int64) string { return fmt.Sprintf("%s:%d", conversationID, seq) }

// channel is the channel a message travelled on: a stored message leaves
// it empty for chat.
func channel(m chat.Message) string {
	if m.Channel == "" {
		return chat.ChannelChat
	}
	return m.Channel
}

func actor(a chat.Author) Actor { return Actor{Type: string(a.Type), ID: a.ID, Name: a.Name} }

// FromMessage returns the events one stored entry of the seq stream stands
// for: none for entries that are not domain events (warnings), two for the
// first message of a conversation.
func FromMessage(sm store.StreamMessage) []Event {
	m := sm.Message
	env := Envelope{
		Version: SchemaVersion, ID: ID(m.ConversationID, m.Seq), ConversationID: m.ConversationID, Seq: m.Seq,
		OccurredAt: formatTime(m.CreatedAt), ChannelID: sm.ChannelID, InboxID: sm.InboxID, VisitorID: sm.VisitorID,
		Actor: actor(m.Author), Visibility: visibility(m),
	}
	one := func(dt string, d any) []Event { return []Event{{DetailType: dt, Time: m.CreatedAt, Detail: d}} }
	switch {
	case m.Kind == chat.KindText || m.Kind == chat.KindNote:
		msg := MessageDetail{Envelope: env, Message: Message{
			Seq: m.Seq, Kind: string(m.Kind), Body: m.Body, Author: actor(m.Author), Channel: channel(m), CreatedAt: formatTime(m.CreatedAt),
			Mentions: mentions(m.Mentions),
		}}
		out := one(MessageCreated, msg)
		if m.Seq == 1 && m.Kind == chat.KindText {
			out = append(one(ConversationCreated, msg), out...)
		}
		return out
	case m.Event == nil:
		return nil
	}
	switch m.Event.Type {
	case chat.EventAssigned, chat.EventTakenOver:
		return one(ConversationAssigned, AssignedDetail{Envelope: env, Change: string(m.Event.Type),
			Assignee: &Assignee{ID: m.Event.AgentID, Name: m.Event.AgentName}})
	case chat.EventUnassigned:
		return one(ConversationAssigned, AssignedDetail{Envelope: env, Change: string(m.Event.Type)})
	case chat.EventClosed:
		reason := m.Event.Reason
		if reason == "" {
			reason = chat.CloseReasonAgent
		}
		return one(ConversationClosed, ClosedDetail{Envelope: env, Reason: reason, Survey: m.Event.Survey})
	case chat.EventReopened:
		return one(ConversationReopened, ReopenedDetail{Envelope: env})
	case chat.EventRated:
		if m.Event.Rating == nil {
			return nil
		}
		return one(ConversationRated, RatedDetail{Envelope: env, Rating: *m.Event.Rating})
	case chat.EventHandedOver:
		return one(ConversationHandedOver, ReopenedDetail{Envelope: env})
	}
	return nil
}

// AgentStatusDetail is the Detail of agent.status: an agent's status or
// inbox sockets changed. Status is what the agent chose, Presence what it
// is in effect when the change is published (away too after
// chat.AwayAfter without an inbox socket, and at once after a sign-out or
// a disabling).
type AgentStatusDetail struct {
	Version string `json:"version"`
	// ID is <agentId>:<stream sequence number>, unique per change.
	ID         string `json:"id"`
	AgentID    string `json:"agentId"`
	Status     string `json:"status"`
	Presence   string `json:"presence"`
	OccurredAt string `json:"occurredAt"`
}

// FromPresence returns the agent.status event of a change of an agent's
// status item (stream sequence number seq), its presence taken at now.
func FromPresence(agentID string, p chat.Presence, seq string, now time.Time) Event {
	return Event{DetailType: AgentStatus, Time: now, Detail: AgentStatusDetail{
		Version: SchemaVersion, ID: agentID + ":" + seq, AgentID: agentID,
		Status: string(p.Chosen()), Presence: string(p.Effective(now)), OccurredAt: formatTime(now),
	}}
}
